"""A stage move of an unanswered lead between open stages: its first response is due at
the earlier of its current deadline and the new stage's SLA counted from the move, in the
location's working time; a move never gives more time; an answered lead owes nothing
new. Exact deadlines and timers in working minutes (North: London, Mon-Fri 09:00-17:00)."""

from datetime import UTC, datetime

import pytest

from pacer.core.models import AuditEntry
from pacer.leads import actions, sla
from pacer.leads.followup import log_activity
from pacer.leads.models import FollowUpTask, LocationHours, Timer
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
WEEKDAYS_9_TO_5 = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in UTC (London keeps GMT until the 29th)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def desk(workspace, north):
    LocationHours.objects.create(
        workspace=workspace,
        location_id=north.pk,
        timezone="Europe/London",
        weekly=WEEKDAYS_9_TO_5,
    )
    agent(workspace, member(workspace, "ann"), north, max_open=10)


def policy(workspace, stage, respond, remind, reassign):
    sla.save_policy(
        workspace,
        {
            "stage": stage,
            "location": "",
            "respond_minutes": respond,
            "remind_minutes": remind,
            "reassign_minutes": reassign,
        },
    )


def pending(lead) -> list[tuple]:
    return sorted(
        Timer.objects.filter(lead=lead, fired_at__isnull=True, cancelled_at__isnull=True)
        .values_list("kind", "assignment_round", "due_at")
        .order_by("kind")
    )


def test_a_shorter_sla_of_the_new_stage_brings_the_deadline_forward(workspace, desk, clock_at):
    policy(workspace, "lead", 240, 30, 60)  # a new lead: 4 working hours
    policy(workspace, "sql", 60, 10, 30)  # a sales-qualified lead: 1 working hour
    lead = lead_at(workspace, t(6, 16), clock_at, 1)  # Friday 16:00
    # 60 minutes on Friday, 180 on Monday
    assert (lead.respond_by, lead.assignment_round) == (t(9, 12), 1)
    clock_at(t(6, 16, 30))
    actions.move_stage(workspace, lead.pk, "sql", at=t(6, 16, 30))
    lead.refresh_from_db()
    # 30 minutes on Friday, 30 on Monday; the reminder 10 before, the re-assignment 30 after
    assert (lead.respond_by, lead.assignment_round) == (t(9, 9, 30), 2)
    assert pending(lead) == [
        ("breach", 2, t(9, 9, 30)),
        ("reassign", 2, t(9, 10, 0)),
        ("remind", 2, t(9, 9, 20)),
    ]
    assert Timer.objects.filter(lead=lead, assignment_round=1, cancelled_at=t(6, 16, 30)).count()
    assert not Timer.objects.filter(lead=lead, assignment_round=1, cancelled_at__isnull=True)
    (task,) = FollowUpTask.objects.filter(lead=lead, key="first-response")
    assert (task.due_at, task.done_at) == (t(9, 9, 30), None)
    (entry,) = AuditEntry.objects.filter(action="leads.timers.restage")
    assert entry.before == {"respond_by": t(9, 12).isoformat()}
    assert entry.after == {
        "why": "stage: sql",
        "round": 2,
        "respond_by": t(9, 9, 30).isoformat(),
        "started": ["breach:0", "reassign:0", "remind:0"],
    }
    # the new round's reminder fires at 09:20; the old round's (Monday 11:30) never does
    assert fire_due_timers(t(9, 9, 20)) == 1
    fire_due_timers(t(9, 11, 30))
    fired = Timer.objects.filter(lead=lead, fired_at__isnull=False)
    assert sorted(fired.values_list("kind", "assignment_round")) == [
        ("breach", 2),
        ("reassign", 2),
        ("remind", 2),
    ]


def test_a_longer_sla_of_the_new_stage_keeps_the_clock(workspace, desk, clock_at):
    policy(workspace, "lead", 15, 5, 30)  # a new lead: 15 working minutes
    policy(workspace, "mql", 240, 30, 60)
    lead = lead_at(workspace, t(9, 10), clock_at, 1)  # Monday 10:00
    assert lead.respond_by == t(9, 10, 15)
    before = pending(lead)
    actions.move_stage(workspace, lead.pk, "mql", at=t(9, 10, 5))
    lead.refresh_from_db()
    assert (lead.respond_by, lead.assignment_round, pending(lead)) == (t(9, 10, 15), 1, before)
    assert not AuditEntry.objects.filter(action="leads.timers.restage").exists()


def test_a_lead_without_a_deadline_gets_the_new_stages_when_it_ends_sooner(
    workspace, desk, clock_at
):
    policy(workspace, "sql", 60, 10, 30)  # no policy for "lead": its follow-up time, 480
    lead = lead_at(workspace, t(9, 10), clock_at, 1)  # Monday 10:00
    assert lead.respond_by is None
    assert pending(lead) == [("remind", 1, t(10, 10))]  # one working day: Tuesday 10:00
    actions.move_stage(workspace, lead.pk, "sql", at=t(9, 10, 30))
    lead.refresh_from_db()
    assert (lead.respond_by, lead.assignment_round) == (t(9, 11, 30), 2)
    assert pending(lead) == [
        ("breach", 2, t(9, 11, 30)),
        ("reassign", 2, t(9, 12, 0)),
        ("remind", 2, t(9, 11, 20)),
    ]


def test_an_answered_lead_owes_no_new_response_on_a_stage_move(workspace, desk, clock_at):
    policy(workspace, "lead", 240, 30, 60)
    policy(workspace, "sql", 60, 10, 30)
    lead = lead_at(workspace, t(9, 10), clock_at, 1)
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 10), outcome="reached")
    actions.move_stage(workspace, lead.pk, "sql", at=t(9, 10, 30))
    lead.refresh_from_db()
    assert (lead.respond_by, lead.assignment_round, pending(lead)) == (t(9, 14), 1, [])
    assert not AuditEntry.objects.filter(action="leads.timers.restage").exists()
