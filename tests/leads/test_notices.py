"""The notices to staff write a lead's deadline in its location's own time (here New
York, across the start of daylight-saving time): "Lead #N is yours" when it goes to
someone at the opening and when its owner goes away, and the reminder before the
deadline."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.leads import handover
from pacer.leads.models import Agent, LocationHours, Notice, SlaPolicy
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
WEEKDAYS = {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
NEW_YORK = {"timezone": "America/New_York", "weekly": WEEKDAYS, "holidays": []}
# Friday 6 March 2026 18:00 in New York (EST, UTC-5); clocks go forward on Sunday 8 March
FRIDAY_EVENING = datetime(2026, 3, 6, 23, 0, tzinfo=UTC)
MONDAY_TEN = datetime(2026, 3, 9, 14, 0, tzinfo=UTC)  # 10:00 EDT (UTC-4)


@pytest.fixture
def shop(workspace, north):
    """North, in New York, open Mon-Fri 09:00-17:00; a 15-minute SLA, the reminder 5
    minutes before."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="America/New_York", weekly=WEEKDAYS
    )
    SlaPolicy.objects.create(
        workspace=workspace, respond_minutes=15, remind_minutes=5, reassign_minutes=30
    )


def test_the_notice_at_the_opening_shows_the_deadline_in_new_york_time(
    workspace, north, shop, clock_at
):
    ann = member(workspace, "ann")
    agent(workspace, ann, north, shift=NEW_YORK)
    lead = lead_at(workspace, FRIDAY_EVENING, clock_at)
    assert lead.owner is None  # closed: it waits for Monday's opening, 09:00 EDT
    assert fire_due_timers(datetime(2026, 3, 9, 13, 0, tzinfo=UTC)) == 1
    lead.refresh_from_db()
    assert (lead.owner, lead.respond_by) == (ann, datetime(2026, 3, 9, 13, 15, tzinfo=UTC))
    (notice,) = Notice.objects.filter(lead=lead, key="assigned:2")
    assert notice.subject == f"Lead #{lead.pk} is yours, respond by Mon 9 Mar 09:15 EDT"
    assert notice.body == (
        f"Lead #{lead.pk} arrived while the location was closed. It waits for its first "
        "response, due Mon 9 Mar 09:15 EDT.\n"
    )


def test_the_away_hand_over_notice_and_the_reminder_show_new_york_time(
    workspace, north, shop, clock_at
):
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    ann_row = agent(workspace, ann, north)  # first: a tie goes to her
    agent(workspace, ben, north)
    lead = lead_at(workspace, MONDAY_TEN, clock_at)
    assert (lead.owner, lead.respond_by) == (ann, MONDAY_TEN + timedelta(minutes=15))
    Agent.objects.filter(pk=ann_row.pk).update(away_until=MONDAY_TEN + timedelta(days=2))
    moved = handover.hand_over_away(workspace, ann.pk, MONDAY_TEN + timedelta(minutes=1))
    assert moved.moved == [lead.pk]
    (notice,) = Notice.objects.filter(lead=lead, key="assigned:2")
    assert (notice.to_user, notice.subject) == (
        ben,
        f"Lead #{lead.pk} is yours, respond by Mon 9 Mar 10:15 EDT",
    )
    assert notice.body == (
        f"Lead #{lead.pk} was handed to you: its owner is away. It waits for its first "
        "response, due Mon 9 Mar 10:15 EDT.\n"
    )
    assert fire_due_timers(MONDAY_TEN + timedelta(minutes=10)) == 1
    (reminder,) = Notice.objects.filter(lead=lead, key="remind:2")
    assert (reminder.to_user, reminder.subject) == (
        ben,
        f"Lead #{lead.pk}: respond by Mon 9 Mar 10:15 EDT",
    )
