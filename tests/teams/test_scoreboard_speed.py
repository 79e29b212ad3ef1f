"""Speed to lead and SLA attainment on a team scoreboard come from one read of the leads
for all six months (``pacer.leads.selectors.response_figures``), not from the full
speed-to-lead report month by month (which also fits its decay model: ~0.7 s for the CX
team on a 2,000-contact demo); each month's figures are still exactly the report's.

Leads, each with a 15-minute deadline (minutes to the first response, or to being
disqualified):
Jan 2026, north: answered after 2 and 30; spam disqualified at 3, never answered (not a
miss); never answered. South: answered after 8.
Feb 2026: none.
Mar 2026, north: answered after 45 and 4 (the first at midnight on 1 March). South:
never answered; disqualified at 40, never answered (a miss).
Apr 2026, north: answered after 1000 (after the months shown).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacer.core import feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions as leads
from pacer.leads.followup import log_activity
from pacer.leads.models import SlaPolicy
from pacer.leads.report import speed_report
from pacer.leads.selectors import leads as lead_rows
from pacer.people.actions import upsert_locations
from pacer.teams import actions, selectors
from pacer.teams.models import Team
from pacer.teams.registry import _instant, month_end

pytestmark = pytest.mark.django_db
JAN, MAR = datetime(2026, 1, 12, 9, 0, tzinfo=UTC), datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
# (arrival, location, minutes to the first response, minutes to disqualified)
PLAN = [
    (JAN, "north", 2, None),
    (JAN + timedelta(hours=1), "north", 30, None),
    (JAN + timedelta(hours=2), "north", None, 3),
    (JAN + timedelta(hours=3), "north", None, None),
    (JAN + timedelta(hours=4), "south", 8, None),
    (MAR, "north", 45, None),
    (MAR + timedelta(days=5), "north", 4, None),
    (MAR + timedelta(days=6), "south", None, None),
    (MAR + timedelta(days=7), "south", None, 40),
    (datetime(2026, 4, 1, 0, 0, tzinfo=UTC), "north", 1000, None),
]


@pytest.fixture
def places(workspace):
    found = upsert_locations(
        workspace, [{"code": "north", "name": "North"}, {"code": "south", "name": "South"}]
    )
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    for n, (arrival, location, _, _) in enumerate(PLAN):
        leads.capture(
            workspace,
            {"email": f"p{n}@x.test", "location": location, "submission_id": f"s{n}"},
            source="api",
            received_at=arrival,
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    for n, (_, _, answered, closed) in enumerate(PLAN):
        lead = lead_rows(workspace).get(contact__email=f"p{n}@x.test")
        lead_rows(workspace).filter(pk=lead.pk).update(
            respond_by=lead.created_at + timedelta(minutes=15)
        )
        if answered is not None:
            log_activity(
                workspace, lead.pk, "call", at=lead.created_at + timedelta(minutes=answered)
            )
        if closed is not None:
            at = lead.created_at + timedelta(minutes=closed)
            leads.move_stage(workspace, lead.pk, "disqualified", at=at, reason="spam")
    return {loc.code: loc for loc in found}


def _trend(board, key):
    (row,) = [r for r in board.rows if r.metric.key == key]
    return row.trend


def _cx_with_speed_targets(workspace) -> Team:
    team = Team.objects.select_related("workspace").get(workspace=workspace, key="cx")
    for metric, target in (("speed_to_lead", 15), ("sla_attainment", 0.8)):
        actions.set_target(team, metric=metric, month="2026-03", target=target)
    return team


def test_each_months_speed_and_sla_are_the_speed_reports_of_that_month(workspace, places):
    team = _cx_with_speed_targets(workspace)
    board = selectors.scoreboard(team, date(2026, 3, 1))
    assert board.months[0] == date(2025, 10, 1)
    # Jan: median of 2, 30, 8; on time 2 and 8 of 2, 30, 8 and never (spam left out)
    # Mar: median of 45, 4; on time 4 of 45, 4, never and disqualified late
    assert _trend(board, "speed_to_lead") == [None, None, None, 8.0, None, 24.5]
    assert _trend(board, "sla_attainment") == [None, None, None, 0.5, None, 0.25]
    for index, first in enumerate(board.months):
        report = speed_report(workspace, _instant(first), _instant(month_end(first) + timedelta(1)))
        median = report.summary.median if report.summary else None
        attained = report.on_time / report.with_deadline if report.with_deadline else None
        assert _trend(board, "speed_to_lead")[index] == median, first
        assert _trend(board, "sla_attainment")[index] == attained, first
    north = selectors.scoreboard(team, date(2026, 3, 1), location_id=places["north"].pk)
    assert _trend(north, "speed_to_lead") == [None, None, None, 16.0, None, 24.5]
    assert _trend(north, "sla_attainment") == [None] * 6  # SLA attainment: only for all
    south = selectors.scoreboard(team, date(2026, 3, 1), location_id=places["south"].pk)
    assert _trend(south, "speed_to_lead") == [None, None, None, 8.0, None, None]


def test_six_months_of_speed_and_sla_read_the_leads_once(workspace, places):
    """The targets, the lead stages and the leads: three queries for six months (the
    report month by month made 19: the stages, the leads and the agents' teams each
    month)."""
    team = _cx_with_speed_targets(workspace)
    with CaptureQueriesContext(connection) as queries:
        board = selectors.scoreboard(team, date(2026, 3, 1))
    assert [r.metric.key for r in board.rows] == ["speed_to_lead", "sla_attainment"]
    assert len(queries) == 3, [q["sql"] for q in queries]
    with CaptureQueriesContext(connection) as queries:
        selectors.scoreboard(team, date(2026, 3, 1), location_id=places["north"].pk)
    assert len(queries) == 3, [q["sql"] for q in queries]


def test_the_location_scoreboard_reads_speed_to_lead_in_one_query(workspace, places):
    """/locations/scoreboard/ shows each location's median first response and how many
    leads it is of: one read of the answered leads, where it ran the full speed report
    (the stages, the leads joined to their contacts, the agents' teams and a decay fit)."""
    start, end = date(2026, 1, 1), date(2026, 3, 31)
    with CaptureQueriesContext(connection) as queries:
        rows = selectors.location_scoreboard(workspace, start, end)
    # north: median of 2, 30, 45, 4 (April's 1000 is after the period); south: 8
    assert [(r["code"], r["speed_to_lead"], r["answered_leads"]) for r in rows] == [
        ("north", 17.0, 4),
        ("south", 8.0, 1),
    ]
    report = speed_report(workspace, _instant(start), _instant(end + timedelta(1)))
    assert {r["location_id"]: (r["answered_leads"], r["speed_to_lead"]) for r in rows} == {
        location: (summary.leads, summary.median)
        for location, summary in report.by_location.items()
    }
    lead_reads = [q["sql"] for q in queries if '"leads_' in q["sql"]]
    assert len(lead_reads) == 1, lead_reads
    # the answered leads, the CX signals (survey answers, review ratings), the locations
    assert len(queries) == 5, [q["sql"] for q in queries]
