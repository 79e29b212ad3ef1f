"""CX signals: surveys answered on the hosted page by signed link (one answer per person),
review ratings imported by CSV (idempotent), the figures per location, and the analysis
of where acquisition spend is wasted."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.people.actions import upsert_locations
from pacer.people.selectors import contacts
from pacer.teams import cx, surveys
from pacer.teams.models import ReviewRating, SurveyResponse
from pacer.teams.waste import benchmark_repeat_rate, experience_gaps

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def people(workspace, tracker, monkeypatch):
    upsert_locations(workspace, [{"code": "n", "name": "North"}, {"code": "s", "name": "South"}])
    tracker.batch(
        [
            {
                "type": "identify",
                "messageId": f"m{n}",
                "userId": f"u{n}",
                "traits": {"email": f"u{n}@x.test", "location": "n" if n < 3 else "s"},
            }
            for n in range(5)
        ]
    )
    monkeypatch.setattr(clock, "now", lambda: WHEN)
    return list(contacts(workspace).order_by("email"))


def test_the_nps_and_csat_formulas():
    assert cx.nps_of([10, 9, 8, 7, 6, 0]) == pytest.approx(100 * (2 - 2) / 6)
    assert cx.nps_of([10, 10, 3]) == pytest.approx(100 / 3)
    assert cx.nps_of([]) is None
    assert cx.csat_of([5, 4, 3, 1]) == 0.5
    assert cx.csat_of([]) is None


def test_a_person_answers_once_on_the_hosted_page_by_signed_link(workspace, people):
    survey = surveys.create_survey(workspace, name="After visit", kind="nps")
    token = surveys.answer_token(survey, people[0].pk)
    page = Client()
    response = page.get(f"/s/{token}/")
    assert response.status_code == 200 and survey.question in response.content.decode()
    response = page.post(f"/s/{token}/", {"score": "11"})
    assert response.status_code == 422 and SurveyResponse.objects.count() == 0
    response = page.post(f"/s/{token}/", {"score": "9", "comment": "Quick"})
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    answer = SurveyResponse.objects.get()
    assert (answer.contact_id, answer.location_id, answer.score, answer.comment) == (
        people[0].pk,
        people[0].location_id,
        9,
        "Quick",
    )
    assert answer.answered_at == WHEN
    # a second answer from the same person is refused, the first kept
    response = page.post(f"/s/{token}/", {"score": "0"})
    assert response.status_code == 422
    assert "already answered" in response.content.decode()
    assert list(SurveyResponse.objects.values_list("score", flat=True)) == [9]
    # a forged or altered token reaches nothing
    assert page.get(f"/s/{token[:-2]}xx/").status_code == 404
    assert page.post(f"/s/{token[:-2]}xx/", {"score": "1"}).status_code == 404
    assert SurveyResponse.objects.count() == 1


def test_refused_surveys_and_answers_name_the_field(workspace, people):
    with pytest.raises(ValidationFailed) as refused:
        surveys.create_survey(workspace, name="", kind="stars")
    assert set(refused.value.errors) == {"name", "kind"}
    csat = surveys.create_survey(workspace, name="Visit", kind="csat")
    for score in ("0", "6", "x", "", "4.5"):
        with pytest.raises(ValidationFailed) as refused:
            surveys.answer(csat, people[0].pk, score=score)
        assert refused.value.errors == {"score": "choose a whole number from 1 to 5"}
    with pytest.raises(ValidationFailed) as refused:
        surveys.answer(csat, 10**12, score=3)
    assert "token" in refused.value.errors
    assert SurveyResponse.objects.count() == 0


def test_answers_and_ratings_per_location(workspace, people):
    nps = surveys.create_survey(workspace, name="NPS", kind="nps")
    csat = surveys.create_survey(workspace, name="CSAT", kind="csat")
    for person, score in zip(people, (10, 9, 2, 3, 10), strict=True):
        surveys.answer(nps, person.pk, score=score)
    for person, score in zip(people, (5, 4, 2, 1, 1), strict=True):
        surveys.answer(csat, person.pk, score=score)
    counts = surveys.import_ratings(
        workspace,
        b"location,source,external_id,rating,date\n"
        b"n,google,g1,4,2026-04-01\nn,google,g2,5,2026-04-02\ns,yelp,y1,1.5,2026-04-03\n",
    )
    assert counts == {"created": 3, "updated": 0}
    found = cx.by_location(workspace, date(2026, 4, 1), date(2026, 4, 30))
    north, south = (found[p.location_id] for p in (people[0], people[3]))
    assert (north["nps"], north["nps_answers"], north["csat"]) == (
        pytest.approx(100 / 3),
        3,
        pytest.approx(2 / 3),
    )
    assert (north["rating"], north["ratings"]) == (4.5, 2)
    assert (south["nps"], south["csat"], south["rating"]) == (0.0, 0.0, 1.5)
    # outside the range: nothing
    assert cx.by_location(workspace, date(2026, 5, 1), date(2026, 5, 31)) == {}


def test_ratings_imported_again_are_updated_not_counted_twice(workspace, people):
    head = b"location,source,external_id,rating,date\n"
    surveys.import_ratings(workspace, head + b"n,google,g1,4,2026-04-01\n")
    counts = surveys.import_ratings(
        workspace, head + b"n,google,g1,2,2026-04-01\ns,google,g2,5,2026-04-05\n"
    )
    assert counts == {"created": 1, "updated": 1}
    assert sorted(ReviewRating.objects.values_list("external_id", "rating")) == [
        ("g1", 2),
        ("g2", 5),
    ]


@pytest.mark.parametrize(
    "content, field",
    [
        (b"location,source,rating,date\nn,g,4,2026-04-01\n", "file"),
        (b"location,source,external_id,rating,date\n", "file"),
        (b"location,source,external_id,rating,date\nzz,g,1,4,2026-04-01\n", "rows[0].location"),
        (b"location,source,external_id,rating,date\nn,g,1,6,2026-04-01\n", "rows[0].rating"),
        (b"location,source,external_id,rating,date\nn,g,1,NaN,2026-04-01\n", "rows[0].rating"),
        (b"location,source,external_id,rating,date\nn,g,1,4,2026-04-31\n", "rows[0].date"),
        (b"location,source,external_id,rating,date\nn,,1,4,2026-04-01\n", "rows[0].source"),
        (
            b"location,source,external_id,rating,date\nn,g,1,4,2026-04-01\nn,g,1,3,2026-04-01\n",
            "file",
        ),
        (b"\xff\xfe", "file"),
    ],
)
def test_a_refused_ratings_file_names_the_row_and_field_and_writes_nothing(
    workspace, people, content, field
):
    ok = b"location,source,external_id,rating,date\nn,g,ok,4,2026-04-01\n"
    surveys.import_ratings(workspace, ok)
    before = (
        list(ReviewRating.objects.values_list("external_id", "rating")),
        AuditEntry.objects.count(),
    )
    with pytest.raises(ValidationFailed) as refused:
        surveys.import_ratings(workspace, content)
    assert field in refused.value.errors
    after = (
        list(ReviewRating.objects.values_list("external_id", "rating")),
        AuditEntry.objects.count(),
    )
    assert after == before


def test_the_waste_analysis_flags_high_spend_locations_with_a_weak_experience():
    rows = [
        {
            "name": "A",
            "spend": 1000.0,
            "new_customers": 40,
            "revenue": 8000.0,
            "repeat_rate": 0.5,
            "nps": 30.0,
            "nps_answers": 40,
            "nps_se": 10.0,
        },
        {
            "name": "B",
            "spend": 1200.0,
            "new_customers": 40,
            "revenue": 6000.0,
            "repeat_rate": 0.1,
            "nps": 10.0,
            "nps_answers": 40,
            "nps_se": 10.0,
        },
        {
            "name": "C",
            "spend": 200.0,
            "new_customers": 10,
            "revenue": 1000.0,
            "repeat_rate": 0.1,
            "nps": -40.0,
            "nps_answers": 30,
            "nps_se": 12.0,
        },
        {
            "name": "D",
            "spend": 900.0,
            "new_customers": 10,
            "revenue": 2000.0,
            "repeat_rate": 0.6,
            "nps": -5.0,
            "nps_answers": 400,
            "nps_se": 2.0,
        },
    ]
    # (0.5×40 + 0.1×40 + 0.1×10 + 0.6×10) / 100
    assert benchmark_repeat_rate(rows) == pytest.approx(0.31)
    gaps = {g["name"]: g for g in experience_gaps(rows)}
    # median spend 950: A and B spend above it; D is below it despite its NPS
    assert [g["name"] for g in experience_gaps(rows)][:1] == ["B"]
    # B: 0.1 is below 0.31 − 2 × √(0.31 × 0.69 / 40) = 0.164
    assert gaps["B"]["flagged"]
    assert gaps["B"]["reasons"] == ["repeat rate well below the business's"]
    # (0.31 − 0.1) × 40 new customers × 150 revenue per new customer
    assert gaps["B"]["revenue_at_stake"] == pytest.approx(1260.0)
    assert not gaps["A"]["flagged"] and gaps["A"]["revenue_at_stake"] == 0
    # C: 10 new customers are too few to judge a repeat rate against 0.31 (10 ÷ 0.31:
    # 33 needed); its NPS (−40 + 2 × 12 < 0 on 30 answers) makes it weak, its spend keeps
    # it from being flagged
    assert gaps["C"]["reasons"] == ["NPS below 0"] and not gaps["C"]["flagged"]
    assert gaps["C"]["too_few"] == ["repeat rate: too few new customers (n=10, needs 33)"]
    assert gaps["C"]["revenue_at_stake"] == pytest.approx(0.21 * 10 * 100)
    # D: −5 + 2 × 2 < 0 on 400 answers
    assert gaps["D"]["reasons"] == ["NPS below 0"] and not gaps["D"]["high_spend"]


def test_a_persons_answers_are_in_the_privacy_holdings(workspace, people):
    survey = surveys.create_survey(workspace, name="NPS", kind="nps")
    surveys.answer(survey, people[0].pk, score=8)
    surveys.answer(survey, people[1].pk, score=8)
    rows = surveys.person_rows(workspace, [people[0].pk])
    assert list(rows["teams.surveyresponse"].values_list("contact_id", flat=True)) == [people[0].pk]


def test_a_survey_sent_through_messaging_is_answered_from_each_recipients_email(workspace):
    import re
    from urllib.parse import urlsplit

    from django.conf import settings
    from django.urls import reverse

    from pacer.messaging import actions as messaging
    from pacer.messaging.models import Message, Template  # reading what was sent
    from pacer.messaging.render import compile_parts, recipient_context, render
    from tests.messaging.conftest import person

    ada, bob = person(workspace, "ada@x.test"), person(workspace, "bob@x.test", consent=False)
    sender = messaging.save_sender(workspace, name="Acme", from_email="care@acme.test")
    survey = surveys.create_survey(workspace, name="After visit", kind="nps")
    counts = surveys.send_survey(survey, contact_ids=[ada.pk, bob.pk], sender_id=sender.pk)
    assert counts == {"queued": 1, "skipped": 1, "not_found": 0}
    survey.refresh_from_db()
    with pytest.raises(ValidationFailed):
        surveys.send_survey(survey, contact_ids=[ada.pk], sender_id=sender.pk)

    def link_in_email(message):
        template = Template.objects.get(workspace=workspace, name="Survey: After visit")
        unsubscribe = settings.BASE_URL + reverse(
            "unsubscribe", args=[messaging.unsubscribe_token(message)]
        )
        _, html, _ = render(
            compile_parts(template.subject, template.html, template.text),
            recipient_context({"email": message.email}, {"unsubscribe_url": unsubscribe}),
        )
        href = re.search(r'href="([^"]+)"', html).group(1).replace("&amp;", "&")
        parts = urlsplit(href)
        return f"{parts.path}?{parts.query}"

    message = Message.objects.get(broadcast_id=survey.broadcast_id, contact_id=ada.pk)
    link = link_in_email(message)
    page = Client()
    assert page.get(link).status_code == 200
    assert page.post(link, {"score": "10"}).status_code == 200
    assert list(SurveyResponse.objects.values_list("contact_id", "score")) == [(ada.pk, 10)]
    assert page.post(link, {"score": "2"}).status_code == 422  # once per person
    # the recipient's signature is what names them: another survey's link, or a token
    # that is not a message of this survey's broadcast, reaches nothing
    other = surveys.create_survey(workspace, name="Other", kind="nps")
    forged = surveys.email_link(other).removeprefix(settings.BASE_URL) + "?" + link.split("?")[1]
    assert page.get(forged).status_code == 404
    assert page.get(link.split("?")[0] + "?r=https://x/m/u/nope/").status_code == 404
    assert SurveyResponse.objects.count() == 1
