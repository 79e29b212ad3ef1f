"""Leads disqualified before their first-response deadline and never answered are not
SLA misses: out of the SLA denominators (the report's, owners', teams') and out of the
"never answered" count, counted apart, and the page states the rule (the KPIs' hover
text too)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.followup import log_activity
from pacer.leads.models import Lead, SlaPolicy
from pacer.leads.report import speed_report

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# name: (minutes to the first response or None, minutes to disqualified or None)
PLAN = {
    "answered-on-time": (5, None),
    "answered-late": (30, None),
    "spam-before-deadline": (None, 3),
    "dropped-after-deadline": (None, 40),  # missed, then closed: still a miss
    "answered-then-duplicate": (2, 5),  # answered on time, then closed
    "never-answered": (None, None),
    "wrong-number-at-deadline": (None, 15),  # at the deadline itself: not missed yet
}


def test_disqualified_before_the_deadline_and_never_answered_is_not_a_miss(
    workspace, north, clock_at, admin
):
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    for n, name in enumerate(PLAN):
        actions.capture(
            workspace,
            {"email": f"{name}@x.test", "location": "north", "submission_id": name},
            source="api",
            received_at=START + timedelta(hours=n),
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    for name, (answered, closed) in PLAN.items():
        lead = Lead.objects.get(contact__email=f"{name}@x.test")
        Lead.objects.filter(pk=lead.pk).update(respond_by=lead.created_at + timedelta(minutes=15))
        if answered is not None:
            at = lead.created_at + timedelta(minutes=answered)
            log_activity(workspace, lead.pk, "call", at=at)
        if closed is not None:
            at = lead.created_at + timedelta(minutes=closed)
            actions.move_stage(workspace, lead.pk, "disqualified", at=at, reason="spam")
    report = speed_report(workspace, START, START + timedelta(days=1))
    # never answered: dropped-after-deadline and never-answered; the two disqualified
    # before their deadline are left out, as SLA attainment leaves them out
    assert (report.leads, report.unanswered) == (7, 2)
    assert report.disqualified_early == 2  # spam at 3 min, wrong number at 15
    assert (report.with_deadline, report.on_time) == (5, 2)
    (nobody,) = report.by_owner.values()  # no agents: every lead unassigned
    assert (nobody.leads, nobody.within_sla) == (7, 2 / 5)
    assert report.by_team[""].within_sla == 2 / 5

    clock_at(START + timedelta(days=1))
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/speed/?range=last_7").content.decode()
    assert "disqualified before response: <strong>2</strong>" in page
    assert "is not a miss: it is left out of SLA attainment" in page
    assert "Disqualified before response" in page  # the KPI card
    assert "40.0%" in page  # SLA attainment: 2 of 5
    never = page.split('id="kpi-never-answered"')[1].split('class="kpi"')[0]
    assert 'data-value="2"' in never
    assert (
        "leaving out leads disqualified (spam, duplicate, wrong number…) before their "
        "deadline, as SLA attainment does"
    ) in never
