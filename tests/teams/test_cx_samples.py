"""The experience verdicts need a minimum sample (``pacer.teams.waste``): NPS 30 answers
and below 0 by 2 standard errors, the repeat rate 10 ÷ min(b, 1 − b) new customers; below
it a signal says "too few" with its n instead of a verdict. Each rule is tested at its
edge, and on the experience page."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import Role
from pacer.people.actions import upsert_locations
from pacer.people.selectors import contacts
from pacer.teams import surveys
from pacer.teams.cx import nps_of, nps_standard_error
from pacer.teams.waste import experience_gaps, repeat_sample_needed, verdict

PASSWORD = "long-password-1"


def nps_row(name: str, scores: list[int], spend: float = 100.0) -> dict:
    return {
        "name": name,
        "spend": spend,
        "new_customers": 0,
        "revenue": 0.0,
        "repeat_rate": None,
        "nps": nps_of(scores),
        "nps_answers": len(scores),
        "nps_se": nps_standard_error(scores),
    }


def test_the_nps_standard_error_is_that_of_scores_of_100_0_and_minus_100():
    # 12 detractors, 9 promoters, 9 passives: p = 0.3, d = 0.4, NPS −10,
    # SE = 100 × √((0.7 − 0.01) ÷ 30) = 15.166…
    scores = [0] * 12 + [10] * 9 + [8] * 9
    assert nps_of(scores) == pytest.approx(-10.0)
    assert nps_standard_error(scores) == pytest.approx(100 * (0.69 / 30) ** 0.5)
    assert nps_standard_error([10, 0]) == pytest.approx(100 / 2**0.5)
    assert nps_standard_error([3, 3]) == 0.0 and nps_standard_error([]) is None


def test_nps_needs_30_answers_before_it_says_below_0():
    # all detractors: NPS −100 with no spread; 29 of them are still too few
    gaps = {
        g["name"]: g for g in experience_gaps([nps_row("29", [0] * 29), nps_row("30", [0] * 30)])
    }
    assert gaps["29"]["reasons"] == [] and not gaps["29"]["weak_experience"]
    assert gaps["29"]["too_few"] == ["NPS: too few answers (n=29, needs 30)"]
    assert verdict(gaps["29"]) == "Too few answers to judge: NPS: too few answers (n=29, needs 30)"
    assert gaps["30"]["reasons"] == ["NPS below 0"] and gaps["30"]["too_few"] == []
    assert gaps["30"]["flagged"]  # both spend the median
    assert verdict(gaps["30"]) == "Spend wasted: NPS below 0"


def test_nps_below_0_within_two_standard_errors_of_it_is_no_verdict_of_weakness():
    within = [0] * 12 + [10] * 9 + [8] * 9  # −10 + 2 × 15.17 > 0
    beyond = [0] * 15 + [10] * 3 + [8] * 12  # −40, SE 100 × √((0.6 − 0.16) ÷ 30) = 12.1
    gaps = {g["name"]: g for g in experience_gaps([nps_row("W", within), nps_row("B", beyond)])}
    assert gaps["W"]["reasons"] == [] and gaps["W"]["judged"]
    assert verdict(gaps["W"]) == "No sign of waste"
    assert gaps["B"]["reasons"] == ["NPS below 0"]


def repeat_row(name: str, customers: int, repeat: float) -> dict:
    return {
        "name": name,
        "spend": 100.0,
        "new_customers": customers,
        "revenue": 50.0 * customers,
        "repeat_rate": repeat,
        "nps": None,
        "nps_answers": 0,
        "nps_se": None,
    }


def test_the_repeat_rate_needs_10_expected_repeaters_and_non_repeaters():
    assert [repeat_sample_needed(b) for b in (0.5, 0.31, 0.1, 0.9, 0.0, 1.0)] == [
        20, 33, 100, 100, 10, 10,
    ]  # fmt: skip
    # benchmark (0 × 19 + 1 × 19) ÷ 38 = 0.5: 20 new customers needed, 19 are too few (the
    # KPI cube counts new customers as a float: n is shown whole)
    rows = [repeat_row("A", 19.0, 0.0), repeat_row("B", 19, 1.0)]
    few = {g["name"]: g for g in experience_gaps(rows)}
    assert few["A"]["reasons"] == [] and not few["A"]["judged"]
    assert few["A"]["too_few"] == ["repeat rate: too few new customers (n=19, needs 20)"]
    assert verdict(few["A"]) == (
        "Too few answers to judge: repeat rate: too few new customers (n=19, needs 20)"
    )
    # 20 each: 0 is below 0.5 − 2 × √(0.25 ÷ 20) = 0.276
    enough = {
        g["name"]: g for g in experience_gaps([repeat_row("A", 20, 0.0), repeat_row("B", 20, 1.0)])
    }
    assert enough["A"]["reasons"] == ["repeat rate well below the business's"]
    assert enough["A"]["too_few"] == [] and enough["B"]["reasons"] == []
    # (0.5 − 0) × 20 × 50 revenue per new customer
    assert enough["A"]["revenue_at_stake"] == pytest.approx(500.0)


def test_a_verdict_names_the_signal_that_had_too_few_answers():
    row = {
        **repeat_row("A", 20, 0.0),
        **{k: v for k, v in nps_row("A", [10, 0]).items() if k.startswith("nps")},
    }
    gaps = {g["name"]: g for g in experience_gaps([row, repeat_row("B", 20, 1.0)])}
    assert verdict(gaps["A"]) == (
        "Spend wasted: repeat rate well below the business's; NPS: too few answers (n=2, needs 30)"
    )
    assert verdict(gaps["B"]) == "No sign of waste"


@pytest.mark.django_db
def test_the_experience_page_says_too_few_answers_with_their_n(workspace, tracker, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 4, 10, 12, 0, tzinfo=UTC))
    upsert_locations(workspace, [{"code": "n", "name": "North"}])
    tracker.batch(
        [
            {"type": "identify", "messageId": f"m{n}", "userId": f"u{n}",
             "traits": {"email": f"u{n}@x.test", "location": "n"}}
            for n in range(2)
        ]
    )  # fmt: skip
    survey = surveys.create_survey(workspace, name="After visit", kind="nps")
    for person in contacts(workspace):
        surveys.answer(survey, person.pk, score=0)  # NPS −100 on two answers
    user = core.create_user(workspace, "manager", PASSWORD, Role.MARKETER)
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    page = client.get("/experience/?start=2026-04-01&end=2026-04-30").content.decode()
    row = page.split('id="gaps"')[1].split(">North<")[1].split("</tr>")[0]
    assert "Too few answers to judge: NPS: too few answers (n=2, needs 30)" in row
    assert ">−100<" in row or ">-100<" in row
    assert "Spend wasted" not in row and "Weak experience" not in row
    assert ">± 0<" in row  # two detractors: no spread, which is why n matters
    assert 'id="formula-samples"' in page and "NPS needs 30 answers" in page
