"""Reopening a closed lead: its follow-up clock starts again from the reopening (a new
round: deadline, reminder, escalation chain, re-assignment, the first-response task open
again), audited; closing it again stops them; a lead answered before owes nothing."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.models import AuditEntry
from pacer.leads import selectors
from pacer.leads.actions import move_stage
from pacer.leads.followup import log_activity
from pacer.leads.models import FollowUpTask, Lead, Notice, Timer
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member, sla

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in London (BST)
CLOSED = ARRIVED + timedelta(minutes=3)
REOPENED = ARRIVED + timedelta(hours=1)  # 10:00 BST
NEW_TIMERS = ["breach:0", "reassign:0", "remind:0"]


def at(minutes: int) -> datetime:
    return REOPENED + timedelta(minutes=minutes)


@pytest.fixture
def closed(workspace, north, clock_at):
    """A lead of North that ann owned, closed as spam before anyone answered it."""
    sla(workspace, north)  # 15 minutes, reminder 5 before, re-assignment 30 after
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    lead = lead_at(workspace, ARRIVED, clock_at)
    assert (lead.owner, lead.assignment_round) == (ann, 1)
    move_stage(workspace, lead.pk, "disqualified", at=CLOSED, reason="spam")
    assert Timer.objects.filter(lead=lead, cancelled_at=CLOSED).count() == 3
    return lead


def _pending(lead) -> dict:
    return {
        f"{t.kind}:{t.step}": (t.assignment_round, t.due_at)
        for t in Timer.objects.filter(lead=lead, fired_at__isnull=True, cancelled_at__isnull=True)
    }


def test_reopening_starts_a_new_round_of_timers_from_the_reopening(workspace, closed, admin):
    move_stage(workspace, closed.pk, "lead", at=REOPENED, actor=admin)
    lead = Lead.objects.get(pk=closed.pk)
    assert (lead.owner.username, lead.assignment_round) == ("ann", 2)
    assert (lead.assigned_at, lead.respond_by) == (REOPENED, at(15))
    assert _pending(lead) == {
        "remind:0": (2, at(10)),
        "breach:0": (2, at(15)),
        "reassign:0": (2, at(45)),
    }
    task = FollowUpTask.objects.get(lead=lead, key="first-response")
    assert (task.done_at, task.assignee.username, task.due_at) == (None, "ann", at(15))
    entry = AuditEntry.objects.filter(action="leads.timers.restart").get()
    assert entry.actor == admin and entry.object_id == str(lead.pk)
    assert entry.after == {
        "why": "reopened: lead",
        "round": 2,
        "started": NEW_TIMERS,
        "owner": lead.owner_id,
        "respond_by": at(15).isoformat(),
    }
    # the new round's reminder fires at its time (the first round's stayed cancelled)
    assert fire_due_timers(at(9)) == 0
    assert fire_due_timers(at(10)) == 1
    assert sorted(Notice.objects.values_list("key", flat=True)) == ["auto-reply", "remind:2"]


def test_closing_a_reopened_lead_again_stops_its_new_timers(workspace, closed):
    move_stage(workspace, closed.pk, "lead", at=REOPENED)
    assert fire_due_timers(at(10)) == 1  # the reminder
    move_stage(workspace, closed.pk, "customer", at=at(12))
    stop = AuditEntry.objects.filter(action="leads.timers.stop").latest("id")
    assert stop.after == {
        "why": "closed: customer",
        "round": 2,
        "cancelled": ["breach:0", "reassign:0"],
    }
    assert _pending(closed) == {}
    assert FollowUpTask.objects.get(lead=closed, key="first-response").done_at == at(12)
    assert fire_due_timers(at(600)) == 0
    assert sorted(Notice.objects.values_list("key", flat=True)) == ["auto-reply", "remind:2"]
    assert Lead.objects.get(pk=closed.pk).owner.username == "ann"  # never re-assigned


def test_a_reopened_lead_whose_owner_is_away_is_routed_again(workspace, north, closed):
    ben = member(workspace, "ben")
    agent(workspace, ben, north)
    closed.owner.agent_set.update(away_until=REOPENED + timedelta(days=1))
    move_stage(workspace, closed.pk, "lead", at=REOPENED)
    lead = Lead.objects.get(pk=closed.pk)
    assert (lead.owner, lead.assignment_round, lead.respond_by) == (ben, 2, at(15))
    assert sorted(_pending(lead)) == NEW_TIMERS
    assign = AuditEntry.objects.filter(action="leads.assign").latest("id")
    assert assign.after["owner"] == ben.pk
    assert assign.after["reason"].startswith("reopened: lead: weighted rotation among 1 of")
    task = FollowUpTask.objects.get(lead=lead, key="first-response")
    assert (task.done_at, task.assignee, task.due_at) == (None, ben, at(15))


def test_a_lead_answered_before_it_was_closed_owes_no_first_response_when_reopened(
    workspace, north, clock_at
):
    sla(workspace, north)
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    lead = lead_at(workspace, ARRIVED, clock_at)
    log_activity(workspace, lead.pk, "call", at=ARRIVED + timedelta(minutes=2), actor=ann)
    move_stage(workspace, lead.pk, "disqualified", at=CLOSED, reason="wrong number")
    move_stage(workspace, lead.pk, "lead", at=REOPENED)
    lead.refresh_from_db()
    assert lead.assignment_round == 1 and _pending(lead) == {}
    assert AuditEntry.objects.filter(action="leads.timers.restart").get().after == {
        "why": "reopened: lead",
        "round": 1,
        "started": [],
        "answered": (ARRIVED + timedelta(minutes=2)).isoformat(),
    }
    assert FollowUpTask.objects.get(lead=lead, key="first-response").done_at is not None
    assert fire_due_timers(at(600)) == 0
    assert list(Notice.objects.values_list("key", flat=True)) == ["auto-reply"]


def test_a_move_between_open_stages_starts_no_timers(workspace, north, clock_at):
    sla(workspace, north)
    agent(workspace, member(workspace, "ann"), north)
    lead = lead_at(workspace, ARRIVED, clock_at)
    before = _pending(lead)
    move_stage(workspace, lead.pk, "mql", at=CLOSED)
    assert _pending(lead) == before and len(before) == 3
    assert not AuditEntry.objects.filter(action="leads.timers.restart").exists()


def test_a_reopened_lead_without_a_deadline_follows_up_from_the_reopening_counted_once(
    workspace, north, clock_at
):
    """No SLA policy: a follow-up time (the workspace's 480 working minutes; open all
    day). The first round's follow-up was missed before the lead was closed; reopened,
    the follow-up starts again from the reopening, and the lead is one missed follow-up
    only once the new one passes."""
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    lead = lead_at(workspace, ARRIVED, clock_at)
    assert (lead.owner, lead.respond_by) == (ann, None)
    first_follow_up = ARRIVED + timedelta(minutes=480)
    assert fire_due_timers(first_follow_up) == 1  # missed: its owner reminded
    assert _late(workspace, first_follow_up + timedelta(minutes=1)) == (0, 1, [lead.pk])
    closed_at, reopened = first_follow_up + timedelta(hours=1), first_follow_up + timedelta(hours=2)
    move_stage(workspace, lead.pk, "disqualified", at=closed_at, reason="spam")
    assert _late(workspace, closed_at) == (0, 0, [])
    move_stage(workspace, lead.pk, "lead", at=reopened)
    lead = Lead.objects.get(pk=lead.pk)
    follow_up = reopened + timedelta(minutes=480)
    assert (lead.owner, lead.assignment_round, lead.respond_by) == (ann, 2, None)
    assert _pending(lead) == {"remind:0": (2, follow_up)}
    task = FollowUpTask.objects.get(lead=lead, key="first-response")
    assert (task.done_at, task.due_at) == (None, follow_up)
    # the first round's missed follow-up is not carried into the new round
    assert _late(workspace, reopened + timedelta(minutes=1)) == (0, 0, [])
    assert _late(workspace, follow_up - timedelta(minutes=1)) == (0, 0, [])
    assert fire_due_timers(follow_up) == 1
    assert _late(workspace, follow_up + timedelta(minutes=1)) == (0, 1, [lead.pk])
    (row,) = selectors.queues(workspace, ARRIVED, follow_up + timedelta(minutes=1))
    assert (row.open, row.no_deadline, row.missed_follow_up) == (1, 1, 1)
    assert sorted(Notice.objects.values_list("key", flat=True)) == [
        "auto-reply",
        "remind:1",
        "remind:2",
    ]


def _late(workspace, now) -> tuple[int, int, list[int]]:
    """SLA breaches and missed follow-ups counted, and the Overdue view's leads."""
    counts = selectors.late_counts(workspace, now)
    shown = selectors.inbox(workspace, view="overdue", user_id=0, now=now)
    return counts.breached, counts.missed_follow_up, [lead.pk for lead in shown]
