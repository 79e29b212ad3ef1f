"""Team KPI targets to the cent over the REST API: ``target_exact`` (a decimal string)
beside the float ``target``, stored and answered exactly; a count's fractional target,
more than 4 places and two disagreeing values refused with nothing written; met and
attainment computed in ``Decimal`` so float noise does not decide them."""

from decimal import Decimal

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import AuditEntry, Role
from pacer.teams import actions
from pacer.teams.models import KpiTarget, Team
from pacer.teams.registry import METRICS, attainment, exact_text, met

pytestmark = pytest.mark.django_db

TARGETS = "/api/teams/performance/targets"


@pytest.fixture
def call(workspace):
    user = core.create_user(workspace, "api-exact", "long-password-1", Role.MARKETER)
    token = core.issue_api_key(workspace, "personal", "t", user=user)[1]

    def request(method, path, body=None):
        return getattr(Client(), method)(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
        )

    return request


def _stored():
    return sorted(KpiTarget.objects.values_list("metric", "target"))


def test_an_exact_target_is_stored_and_answered_to_the_last_place(workspace, call):
    # 15 significant digits: all SQLite keeps of a decimal (it stores a float)
    body = {"metric": "revenue", "month": "2026-02-10", "target_exact": "9412044949.8205"}
    response = call("put", TARGETS, body)
    assert response.status_code == 200, response.json()
    assert response.json() == {
        "metric": "revenue",
        "month": "2026-02-01",
        "target": 9412044949.8205,
        "target_exact": "9412044949.8205",
        "owner_id": None,
    }
    sent = {"spend": "0.10", "cac": "0.20", "romi": "0.3000", "leads": "40.0"}
    for metric, exact in sent.items():
        body = {"metric": metric, "month": "2026-02-01", "target_exact": exact}
        assert (
            call("put", TARGETS, body).json()["target_exact"]
            == {
                "spend": "0.10",
                "cac": "0.20",
                "romi": "0.3",
                "leads": "40",
            }[metric]
        )
    assert _stored() == [
        ("cac", Decimal("0.2000")),
        ("leads", Decimal("40.0000")),
        ("revenue", Decimal("9412044949.8205")),
        ("romi", Decimal("0.3000")),
        ("spend", Decimal("0.1000")),
    ]
    board = call("get", "/api/teams/performance/scoreboard?month=2026-02-01").json()
    assert {row["metric"]: (row["target"], row["target_exact"]) for row in board["rows"]} == {
        "leads": (40.0, "40"),
        "revenue": (9412044949.8205, "9412044949.8205"),
        "spend": (0.1, "0.10"),
        "cac": (0.2, "0.20"),
        "romi": (0.3, "0.3"),
    }


def test_a_float_target_and_an_agreeing_exact_one_are_both_accepted(workspace, call):
    response = call("put", TARGETS, {"metric": "cac", "month": "2026-02-01", "target": 149.99})
    assert (response.status_code, response.json()["target_exact"]) == (200, "149.99")
    body = {"metric": "cac", "month": "2026-02-01", "target": 0.3, "target_exact": "0.30"}
    response = call("put", TARGETS, body)
    assert (response.status_code, response.json()["target"]) == (200, 0.3)
    assert _stored() == [("cac", Decimal("0.3000"))]


@pytest.mark.parametrize(
    "body, field, reason",
    [
        (
            {"metric": "leads", "target_exact": "40.5"},
            "target_exact",
            "must be a whole number: leads is a count",
        ),
        (
            {"metric": "new_customers", "target": 7.25},
            "target",
            "must be a whole number: new customers is a count",
        ),
        (
            {"metric": "content_published", "target": 3.00001},
            "target",
            "must be a whole number: content published is a count",
        ),
        (
            {"metric": "cac", "target": 0.30000000000000004, "target_exact": "0.30"},
            "target",
            "is not the same number as target_exact (0.30)",
        ),
        ({"metric": "cac"}, "target", "send target or target_exact"),
        (
            {"metric": "revenue", "target_exact": "894120449492.8205"},
            "target_exact",
            "must have at most 15 significant digits",
        ),
        (
            {"metric": "cac", "target_exact": "999999999999.5"},
            "target_exact",
            "must be a number between -999999999999 and 999999999999",
        ),
    ],
)
def test_a_refused_target_names_its_field_and_reason_and_writes_nothing(
    workspace, call, body, field, reason
):
    actions.set_target(
        Team.objects.get(workspace=workspace, key="performance"),
        metric="leads",
        month="2026-02",
        target=30,
    )
    before = (_stored(), AuditEntry.objects.count())
    response = call("put", TARGETS, {"month": "2026-02-01", **body})
    assert response.status_code == 422
    assert response.json()["errors"] == {field: reason}
    assert (_stored(), AuditEntry.objects.count()) == before


@pytest.mark.parametrize("exact", ["0.12345", "1e3", "0,30", " 1", "1."])
def test_an_exact_target_that_is_not_a_plain_decimal_of_4_places_is_refused(workspace, call, exact):
    response = call("put", TARGETS, {"metric": "cac", "month": "2026-02-01", "target_exact": exact})
    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["target_exact"]
    assert KpiTarget.objects.count() == 0


def test_the_page_form_refuses_a_fractional_count_and_a_fifth_place(workspace):
    team = Team.objects.get(workspace=workspace, key="cx")
    for target, reason in (
        ("2.5", "must be a whole number: leads is a count"),
        ("2.00001", "must have at most 4 decimal places"),
    ):
        with pytest.raises(actions.ValidationFailed) as refused:
            actions.set_target(team, metric="leads", month="2026-02", target=target)
        assert refused.value.errors == {"target": reason}
    assert KpiTarget.objects.count() == 0
    # trailing zeros past the 4th place are the same number: kept
    saved = actions.set_target(team, metric="speed_to_lead", month="2026-02", target="2.50000")
    assert saved.target == Decimal("2.5000")


def test_met_and_attainment_compare_in_decimal_at_the_targets_places():
    spend, leads, rate = METRICS["spend"], METRICS["leads"], METRICS["csat"]
    # spend of 0.10 + 0.20 is within a 0.30 cap (as floats it is 0.30000000000000004)
    assert met(spend, Decimal("0.3000"), 0.1 + 0.2) is True
    assert met(spend, Decimal("0.2999"), 0.1 + 0.2) is False
    # a rate of 3 in 10 reaches a target of 0.3 (0.3 as a float is below Decimal 0.3)
    assert met(rate, Decimal("0.3000"), 3 / 10) is True
    assert attainment(spend, Decimal("0.3000"), 0.1 + 0.2) == 1.0
    assert attainment(leads, Decimal("40"), 30) == 0.75
    assert attainment(leads, Decimal("40"), float("nan")) is None
    assert met(leads, None, 30) is None and met(leads, Decimal(1), None) is None
    assert [exact_text(spend, Decimal(v)) for v in ("150.0000", "0.1250", "-0.0000")] == [
        "150.00",
        "0.125",
        "0.00",
    ]
    assert [exact_text(leads, Decimal(v)) for v in ("40.0000", "-0.0000")] == ["40", "0"]


def test_nps_is_shown_whole_but_is_no_count_so_a_fractional_target_is_kept(workspace):
    team = Team.objects.get(workspace=workspace, key="cx")
    kept = actions.set_target(team, metric="nps", month="2026-04", target="30.5")
    assert KpiTarget.objects.get(pk=kept.pk).target == Decimal("30.5")
    assert [
        key for key, metric in METRICS.items() if metric.format == "count" and not metric.is_count
    ] == ["nps"]
