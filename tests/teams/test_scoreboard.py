"""The team scoreboard on the hand-computable business of tests/metrics/test_kpis.py:

Jan 2026: spend 300; A and B become leads; A buys 100 (cost 40): 1 new customer.
Feb 2026: spend 100; B buys 2 × 100 (cost 80), A buys 50 again: 1 new customer.
Mar 2026: seven leads at location "north" answered after 2, 4, 10, 30, 45, 300 minutes
and never, each with a 15-minute deadline; NPS answers 10, 9, 7, 3 (NPS 25).
"""

from datetime import UTC, date, datetime, timedelta

import pytest

from pacer.core import clock, feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions as leads
from pacer.leads.followup import log_activity
from pacer.leads.selectors import leads as lead_rows
from pacer.metrics.cube import refresh_cube
from pacer.people.actions import upsert_locations
from pacer.people.selectors import contacts
from pacer.teams import actions, selectors, surveys
from pacer.teams.models import Team
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db
MARCH = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def business(workspace, small_business):
    sync(after_sync=refresh_cube)
    return small_business


def _row(board, key):
    (row,) = [r for r in board.rows if r.metric.key == key]
    return row


def test_target_actual_attainment_owner_and_trend_per_metric(workspace, business, admin):
    team = Team.objects.get(workspace=workspace, key="performance")
    owner = admin.memberships.get().pk
    actions.set_target(team, metric="cac", month="2026-02", target=150, owner_id=owner)
    actions.set_target(team, metric="revenue", month="2026-02", target=500)
    actions.set_target(team, metric="spend", month="2026-01", target=250)
    board = selectors.scoreboard(team, date(2026, 2, 1))
    assert board.months == [
        date(2025, 9, 1),
        date(2025, 10, 1),
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert [r.metric.key for r in board.rows] == ["revenue", "spend", "cac"]
    cac = _row(board, "cac")
    assert (cac.target, cac.actual, cac.met, cac.owner) == (150, 100, True, admin.username)
    assert cac.attainment == 1.5  # less is better: target ÷ actual
    assert cac.trend == [None, None, None, None, 300, 100]
    revenue = _row(board, "revenue")
    assert (revenue.actual, revenue.attainment, revenue.met) == (250, 0.5, False)
    assert revenue.trend[-2:] == [100, 250]
    # a metric with a target only in an earlier month: its trend, no target this month
    spend = _row(board, "spend")
    assert (spend.target, spend.actual, spend.met, spend.attainment) == (None, 100, None, None)
    assert spend.targets[-2:] == [250, None]


def test_a_team_without_targets_has_an_empty_scoreboard(workspace, business):
    team = Team.objects.get(workspace=workspace, key="brand")
    assert selectors.scoreboard(team, date(2026, 2, 1)).rows == []


def test_speed_to_lead_sla_attainment_and_nps_come_from_leads_and_surveys(
    workspace, tracker, monkeypatch
):
    upsert_locations(workspace, [{"code": "north", "name": "North"}])
    from pacer.leads.models import SlaPolicy  # test set-up only, as tests/leads does

    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    minutes = [2, 4, 10, 30, 45, 300, None]
    for n in range(len(minutes)):
        leads.capture(
            workspace,
            {"email": f"p{n}@x.test", "location": "north", "submission_id": f"s{n}"},
            source="api",
            received_at=MARCH + timedelta(hours=n),
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    for n, wait in enumerate(minutes):
        lead = lead_rows(workspace).get(contact__email=f"p{n}@x.test")
        lead_rows(workspace).filter(pk=lead.pk).update(
            respond_by=lead.created_at + timedelta(minutes=15)
        )
        if wait is not None:
            log_activity(workspace, lead.pk, "call", at=lead.created_at + timedelta(minutes=wait))
    survey = surveys.create_survey(workspace, name="After visit", kind="nps")
    monkeypatch.setattr(clock, "now", lambda: MARCH + timedelta(days=3))
    tracker.batch(
        [
            {
                "type": "identify",
                "messageId": f"i{n}",
                "userId": f"u{n}",
                "traits": {"email": f"u{n}@x.test", "location": "north"},
            }
            for n in range(4)
        ]
    )
    people = list(contacts(workspace).filter(email__startswith="u").order_by("email"))
    assert len(people) == 4 and all(p.location.code == "north" for p in people)
    for person, score in zip(people, (10, 9, 7, 3), strict=True):
        surveys.answer(survey, person.pk, score=score)
    team = Team.objects.get(workspace=workspace, key="cx")
    for metric, target in (("speed_to_lead", 15), ("sla_attainment", 0.8), ("nps", 20)):
        actions.set_target(team, metric=metric, month="2026-03", target=target)
    board = selectors.scoreboard(team, date(2026, 3, 1))
    speed, sla, nps = (_row(board, k) for k in ("speed_to_lead", "sla_attainment", "nps"))
    # median of 2, 4, 10, 30, 45, 300 minutes; 3 of 7 answered by their deadline
    assert (speed.actual, speed.met, speed.attainment) == (20.0, False, 0.75)
    assert (sla.actual, sla.met) == (3 / 7, False)
    # 2 promoters, 1 detractor of 4 answers
    assert (nps.actual, nps.met, nps.attainment) == (25.0, True, 1.25)
    assert nps.trend[:-1] == [None] * 5
    # per location: north's leads, its people's answers
    north = selectors.location_scoreboard(workspace, date(2026, 3, 1), date(2026, 3, 31))
    assert [(r["name"], r["speed_to_lead"], r["answered_leads"], r["nps"]) for r in north] == [
        ("North", 20.0, 6, 25.0)
    ]


PERFORMANCE = ("leads", "new_customers", "revenue", "spend", "cac", "romi")


def test_every_months_actuals_are_that_months_kpis(workspace, business):
    """The scoreboard reads the KPI cube once for its six months; each month's figures
    are still exactly the KPI report of that month alone (a month without data
    included), and the per-person rates those of its own days."""
    from pacer.metrics.customers import person_rates
    from pacer.metrics.selectors import KpiFilter, kpi_report
    from pacer.teams.registry import month_end
    from pacer.warehouse.sync import default_store

    team = Team.objects.get(workspace=workspace, key="performance")
    for metric in (*PERFORMANCE, "repeat_rate", "retention"):
        actions.set_target(team, metric=metric, month="2026-03", target=1)
    board = selectors.scoreboard(team, date(2026, 3, 1))
    assert [r.metric.key for r in board.rows] == [*PERFORMANCE, "repeat_rate", "retention"]
    store = default_store()
    for index, month in enumerate(board.months):
        alone = kpi_report(
            store, workspace.pk, KpiFilter(start=month, end=month_end(month), grain="month")
        ).totals
        rates = person_rates(store, workspace.pk, month, month_end(month))
        for key in PERFORMANCE:
            assert _row(board, key).trend[index] == alone[key], (month, key)
        assert _row(board, "repeat_rate").trend[index] == rates.repeat_rate
        assert _row(board, "retention").trend[index] == rates.retention
    assert _row(board, "revenue").trend == [0, 0, 0, 100, 250, 0]
    assert _row(board, "retention").trend[-2:] == [1.0, 0.0]


def test_a_scoreboard_reads_only_what_its_targets_need(workspace, business):
    """Six months of a team with KPI targets only used to compute every metric of every
    month: the leads' speed report, NPS, CSAT and the content counts six times each
    (64 queries on the demo, and 19 s for the CX team under load)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    team = Team.objects.select_related("workspace").get(workspace=workspace, key="performance")
    for metric in PERFORMANCE:
        actions.set_target(team, metric=metric, month="2026-02", target=1)
    with CaptureQueriesContext(connection) as queries:
        board = selectors.scoreboard(team, date(2026, 2, 1))
    assert len(board.rows) == 6
    assert len(queries) == 1, [q["sql"] for q in queries]  # the targets
    cx = Team.objects.select_related("workspace").get(workspace=workspace, key="cx")
    actions.set_target(cx, metric="nps", month="2026-02", target=30)
    with CaptureQueriesContext(connection) as queries:
        board = selectors.scoreboard(cx, date(2026, 2, 1))
    assert [r.metric.key for r in board.rows] == ["nps"]
    assert len(queries) == 1 + 6, [q["sql"] for q in queries]  # the targets, NPS a month
