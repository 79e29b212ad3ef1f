"""A lead that arrives while its location is closed (nobody on shift) waits unowned with
its clock running: the deadline counted in opening hours from its arrival, an assignment
timer at the next opening; at the opening it goes to whoever is on shift, who gets the
first-response task and a notice, then the reminder before the deadline. Boundaries: a
minute before closing, at closing, a closed day, across the DST change."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pacer.core.models import AuditEntry
from pacer.leads.followup import log_activity
from pacer.leads.models import FollowUpTask, LocationHours, Notice, SlaPolicy, Timer
from pacer.leads.timers import fire_due_timers
from pacer.leads.views import due_words
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
LONDON = {"timezone": "Europe/London", "weekly": WEEKDAYS, "holidays": []}
# Thursday 26 March 2026, London on GMT (UTC+0); clocks go forward on Sunday 29 March
THURSDAY = datetime(2026, 3, 26, tzinfo=UTC)
LONDON_ZONE = ZoneInfo("Europe/London")


@pytest.fixture
def shop(workspace, north):
    """North open Mon-Fri 09:00-17:00 in London, a 15-minute SLA (reminder 5 minutes
    before, re-assignment 30 after); ann works the shop's hours."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS
    )
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )
    ann = member(workspace, "ann")
    agent(workspace, ann, north, shift=LONDON)
    return ann


def timers(lead) -> dict[tuple[str, int, int], datetime]:
    return {
        (t.kind, t.assignment_round, t.step): t.due_at
        for t in Timer.objects.filter(lead=lead, fired_at=None, cancelled_at=None)
    }


def at(day: datetime, hh: int, mm: int) -> datetime:
    return day.replace(hour=hh, minute=mm)


def test_a_minute_before_closing_the_agent_on_shift_takes_it_and_the_rest_counts_tomorrow(
    workspace, shop, clock_at
):
    lead = lead_at(workspace, at(THURSDAY, 16, 59), clock_at)
    assert lead.owner == shop
    assert lead.respond_by == at(THURSDAY + timedelta(days=1), 9, 14)  # 1 min + 14 min
    assert ("assign", 1, 0) not in timers(lead)


def test_at_closing_it_waits_for_the_opening_then_goes_to_the_agent_on_shift(
    workspace, shop, clock_at
):
    lead = lead_at(workspace, at(THURSDAY, 17, 0), clock_at)
    friday = THURSDAY + timedelta(days=1)
    assert (lead.owner, lead.respond_by) == (None, at(friday, 9, 15))
    assert timers(lead) == {
        ("assign", 1, 0): at(friday, 9, 0),
        ("remind", 1, 0): at(friday, 9, 10),
        ("breach", 1, 0): at(friday, 9, 15),
        ("reassign", 1, 0): at(friday, 9, 45),
    }
    entry = AuditEntry.objects.filter(action="leads.assign").get()
    assert entry.after == {
        "owner": None,
        "reason": "new: nobody on shift; waits for 2026-03-27T09:00:00+00:00",
        "respond_by": "2026-03-27T09:15:00+00:00",
    }
    assert not FollowUpTask.objects.filter(lead=lead).exists()
    assert due_words(lead, at(THURSDAY, 17, 1), lambda _: LONDON_ZONE) == "due Fri 09:15"

    assert fire_due_timers(at(friday, 8, 59)) == 0  # nothing before the opening
    assert fire_due_timers(at(friday, 9, 0)) == 1
    lead.refresh_from_db()
    assert (lead.owner, lead.respond_by, lead.assignment_round) == (shop, at(friday, 9, 15), 2)
    assert timers(lead) == {  # the clock as it was, now the owner's round
        ("remind", 2, 0): at(friday, 9, 10),
        ("breach", 2, 0): at(friday, 9, 15),
        ("reassign", 2, 0): at(friday, 9, 45),
    }
    (task,) = FollowUpTask.objects.filter(lead=lead)
    assert (task.assignee, task.due_at) == (shop, at(friday, 9, 15))
    (notice,) = Notice.objects.filter(lead=lead, key="assigned:2")
    assert (notice.to_user, notice.subject) == (
        shop,
        f"Lead #{lead.pk} is yours, respond by Fri 27 Mar 09:15 GMT",
    )
    assert fire_due_timers(at(friday, 9, 10)) == 1
    assert Notice.objects.filter(lead=lead, key="remind:2", to_user=shop).count() == 1
    assert fire_due_timers(at(friday, 9, 10)) == 0  # once


@pytest.mark.parametrize(
    ("arrival", "opening"),
    [
        # Saturday 21 March (GMT): Monday 23 opens 09:00 GMT
        (datetime(2026, 3, 21, 11, 0, tzinfo=UTC), datetime(2026, 3, 23, 9, 0, tzinfo=UTC)),
        # Saturday 28 March, before the change: Monday 30 opens 09:00 BST = 08:00 UTC
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), datetime(2026, 3, 30, 8, 0, tzinfo=UTC)),
        # Sunday 25 October, the day clocks go back: Monday 26 opens 09:00 GMT
        (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 9, 0, tzinfo=UTC)),
    ],
)
def test_on_a_closed_day_the_clock_starts_at_the_next_opening_in_the_location_zone(
    workspace, shop, clock_at, arrival, opening
):
    lead = lead_at(workspace, arrival, clock_at)
    assert (lead.owner, lead.respond_by) == (None, opening + timedelta(minutes=15))
    assert timers(lead)[("assign", 1, 0)] == opening
    assert due_words(lead, arrival, lambda _: LONDON_ZONE) == "due Mon 09:15"
    fire_due_timers(opening)
    lead.refresh_from_db()
    assert lead.owner == shop and lead.respond_by == opening + timedelta(minutes=15)


def test_a_shift_starting_after_the_opening_is_tried_again_every_15_working_minutes(
    workspace, north, shop, clock_at
):
    late = {**LONDON, "weekly": {"fri": [["09:30", "17:00"]]}}
    ann_agent = shop.agent_set.get()
    ann_agent.shift = late
    ann_agent.save()
    lead = lead_at(workspace, at(THURSDAY, 20, 0), clock_at)
    friday = THURSDAY + timedelta(days=1)
    fire_due_timers(at(friday, 9, 0))
    lead.refresh_from_db()
    assert lead.owner is None and lead.respond_by == at(friday, 9, 15)
    assert timers(lead)[("assign", 2, 1)] == at(friday, 9, 15)
    fire_due_timers(at(friday, 9, 15))  # the breach (managers) and the second try
    fire_due_timers(at(friday, 9, 30))
    lead.refresh_from_db()
    assert (lead.owner, lead.assignment_round) == (shop, 4)
    assert set(timers(lead)) == {("reassign", 4, 0)}  # the breach fired at 09:15


def test_an_answer_while_waiting_cancels_the_assignment_and_nobody_set_up_means_no_wait(
    workspace, north, shop, clock_at
):
    lead = lead_at(workspace, at(THURSDAY, 18, 0), clock_at)
    log_activity(workspace, lead.pk, "call", at=at(THURSDAY, 18, 5), actor=shop)
    assert timers(lead) == {}
    assert fire_due_timers(at(THURSDAY + timedelta(days=1), 9, 0)) == 0
    lead.refresh_from_db()
    assert lead.owner is None

    shop.agent_set.all().delete()  # nobody set up to take North's leads at all
    other = lead_at(workspace, at(THURSDAY, 18, 10), clock_at, n=1)
    assert (other.owner, other.respond_by, timers(other)) == (None, None, {})
