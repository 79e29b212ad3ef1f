"""The speed-to-lead report from leads built through capture, with exact figures."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import feed
from pacer.core.models import Role
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.followup import log_activity
from pacer.leads.models import Agent, Lead, SlaPolicy
from pacer.leads.report import speed_report
from pacer.people.actions import upsert_locations

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_response_times_buckets_and_sla_are_counted_exactly(workspace):
    upsert_locations(workspace, [{"code": "north", "name": "North"}])
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    # (minutes to the first response or None, converted: moved to "customer")
    plan = [
        (2, True),
        (4, False),
        (10, True),
        (30, False),
        (45, False),
        (300, False),
        (None, False),
    ]
    for n, _ in enumerate(plan):
        actions.capture(
            workspace,
            {"email": f"p{n}@x.test", "location": "north", "submission_id": f"s{n}"},
            source="api",
            received_at=START + timedelta(hours=n),
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    for n, (minutes, converted) in enumerate(plan):
        lead = Lead.objects.get(contact__email=f"p{n}@x.test")
        # deadlines for these backfilled leads: set as the assignment would have
        Lead.objects.filter(pk=lead.pk).update(respond_by=lead.created_at + timedelta(minutes=15))
        if minutes is not None:
            log_activity(
                workspace, lead.pk, "call", at=lead.created_at + timedelta(minutes=minutes)
            )
        if converted:
            actions.move_stage(
                workspace, lead.pk, "customer", at=lead.created_at + timedelta(days=1)
            )
    report = speed_report(workspace, START, START + timedelta(days=1))
    assert (report.leads, report.unanswered) == (7, 1)
    assert (report.with_deadline, report.on_time) == (7, 3)
    assert report.summary.median == 20.0 and report.summary.within == {
        5: 2 / 6,
        15: 3 / 6,
        60: 5 / 6,
    }
    assert [(b.label, b.leads, b.converted) for b in report.buckets] == [
        ("0–5 min", 2, 1),
        ("5–15 min", 1, 1),
        ("15–60 min", 2, 0),
        ("60–240 min", 0, 0),
        ("over 240 min", 1, 0),
        ("never answered", 1, 0),
    ]
    assert report.buckets[3].rate is None and report.buckets[0].rate == 0.5
    assert report.fit is None and "at least 20" in report.fit_problem
    (north,) = report.location_figures.values()  # every lead, the unanswered one too
    assert (north.leads, north.answered, north.within_sla, north.conversion) == (
        7,
        6,
        3 / 7,
        2 / 7,
    )
    staff = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    # staff see the locations they take leads for (test_report_location.py)
    Agent.objects.create(workspace=workspace, user=staff, location_id=lead.location_id)
    client = Client()
    client.force_login(staff)
    page = client.get("/leads/speed/?range=last_365")
    assert page.status_code == 200 and "No curve yet" in page.content.decode()
    assert "Location leaderboard (best SLA attainment first" in page.content.decode()
