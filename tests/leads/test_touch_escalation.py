"""A missed next touch escalates along the lead's escalation chain, as a missed first
response does: each step at its exact time in working minutes after the next-touch
deadline (North: London, Mon-Fri 09:00-17:00), to its recipients, once each (a double run
of the timer task), none after the next touch, and a form without escalation escalates
no missed touch."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import faults
from pacer.leads import escalation, forms
from pacer.leads.followup import log_activity
from pacer.leads.models import LocationHours, Notice, Timer
from pacer.leads.timers import fire_due_timers
from pacer.messaging.models import WebhookDelivery
from pacer.messaging.webhooks import add_webhook
from tests.leads.test_followup import agent, lead_at, member
from tests.leads.test_next_touch import WEEKDAYS_9_TO_5, policy

pytestmark = pytest.mark.django_db
SECOND = timedelta(seconds=1)
CHAIN = [
    {"delay_minutes": 0, "to": "managers"},
    {"delay_minutes": 10, "to": "email", "address": "desk@north.test"},
    {"delay_minutes": 10, "to": "owner"},
    {"delay_minutes": 20, "to": "user", "user": "zoe"},
    {"delay_minutes": 480, "to": "webhook"},  # past closing: on Tuesday
]


def t(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of March 2026 in UTC (London keeps GMT until the 29th)."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def team(workspace, north):
    """North's hours and chain; Ann takes its leads, Mia manages it, Zoe is a member."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London", weekly=WEEKDAYS_9_TO_5
    )
    people = {name: member(workspace, name) for name in ("ann", "mia", "zoe")}
    agent(workspace, people["ann"], north, max_open=10)
    agent(workspace, people["mia"], north, weight=0, is_manager=True)
    policy(workspace, "lead", 15, 5, 30, 60)
    add_webhook(workspace, url="https://hooks.example.com/pacer", event_types=["lead.escalated"])
    escalation.save_chain(workspace, {"location": "north", "steps": CHAIN})
    return people


def answered_lead(workspace, clock_at):
    """A lead of Monday 10:00, called at 10:05: its next touch is due by 11:05."""
    lead = lead_at(workspace, t(9, 10), clock_at, 1)
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 5), outcome="reached")
    lead.refresh_from_db()
    assert lead.next_touch_by == t(9, 11, 5)
    return lead


def late_notices() -> set[tuple[str, str]]:
    found = Notice.objects.filter(key__startswith="touch-late")
    return {
        (key, user or email)
        for key, user, email in found.values_list("key", "to_user__username", "to_email")
    }


def sent() -> set:
    return late_notices() | set(WebhookDelivery.objects.values_list("key", flat=True))


def test_each_step_of_the_chain_fires_at_its_working_minute_after_the_missed_touch(
    workspace, team, clock_at
):
    lead = answered_lead(workspace, clock_at)
    steps = Timer.objects.filter(lead=lead, kind="touch-late").order_by("position")
    tuesday = t(10, 11, 5)  # 355 minutes left on Monday, 125 from Tuesday's opening
    assert list(steps.values_list("step", "position", "due_at")) == [
        (1, 0, t(9, 11, 5)),
        (1, 1, t(9, 11, 15)),
        (1, 2, t(9, 11, 15)),
        (1, 3, t(9, 11, 25)),
        (1, 4, tuesday),
    ]
    zoe, mia, ann = team["zoe"], team["mia"], team["ann"]
    expected = [
        (t(9, 11, 5), {(f"touch-late:1:0:{mia.pk}", "mia")}),
        (
            t(9, 11, 15),
            {("touch-late:1:1:inbox", "desk@north.test"), (f"touch-late:1:2:{ann.pk}", "ann")},
        ),
        (t(9, 11, 25), {(f"touch-late:1:3:{zoe.pk}", "zoe")}),
        (tuesday, {f"lead.escalated:{lead.pk}:touch:1:4"}),
    ]
    fire_due_timers(t(9, 11))  # the reminder
    before = sent()
    assert before == set()
    for due, new in expected:
        clock_at(due - SECOND)
        assert fire_due_timers(due - SECOND) == 0, due
        assert sent() == before, due
        clock_at(due)
        fire_due_timers(due)
        assert sent() - before == new, due
        before = sent()
    subjects = dict(Notice.objects.values_list("key", "subject"))
    assert subjects[f"touch-late:1:0:{mia.pk}"] == (
        f"Lead #{lead.pk} missed its next touch (due Mon 9 Mar 11:05 GMT)"
    )
    assert subjects["touch-late:1:1:inbox"] == (
        f"Lead #{lead.pk} missed its next touch (due Mon 9 Mar 11:05 GMT) (10 min ago)"
    )
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.payload["data"] == {
        "lead": lead.pk,
        "missed": "next_touch",
        "location_id": lead.location_id,
        "owner_id": ann.pk,
        "next_touch_by": t(9, 11, 5).isoformat(),
        "round": 1,
        "step": 4,
        "delay_minutes": 480,
    }


def test_the_next_touch_cancels_the_steps_still_to_come(workspace, team, clock_at):
    lead = answered_lead(workspace, clock_at)
    mia = team["mia"]
    clock_at(t(9, 11, 5))
    assert fire_due_timers(t(9, 11, 5)) == 2  # the reminder (11:00) and the first step
    assert late_notices() == {(f"touch-late:1:0:{mia.pk}", "mia")}

    log_activity(workspace, lead.pk, "email", at=t(9, 11, 10), outcome="sent prices")
    cancelled = Timer.objects.filter(
        lead=lead, kind="touch-late", step=1, cancelled_at=t(9, 11, 10)
    )
    assert sorted(cancelled.values_list("position", flat=True)) == [1, 2, 3, 4]
    for moment in (t(9, 11, 15), t(9, 11, 25), t(10, 11, 5)):
        clock_at(moment)
        fire_due_timers(moment)
    # round 2 (due 12:10) had its own steps by Tuesday; round 1 sent nothing after the touch
    assert {key for key, _ in late_notices() if key.startswith("touch-late:1:")} == {
        f"touch-late:1:0:{mia.pk}"
    }
    assert not WebhookDelivery.objects.filter(key__contains=":touch:1:").exists()


def test_each_step_fires_once_under_a_double_run(workspace, team, clock_at):
    lead = answered_lead(workspace, clock_at)
    clock_at(t(9, 11, 15))
    inner, started = [], []

    def second_run():  # another worker fires what this run has listed, before it claims
        if not started:
            started.append(True)
            inner.append(fire_due_timers(t(9, 11, 15)))

    with faults.hooked("leads.timer.listed", second_run):
        outer = fire_due_timers(t(9, 11, 15))
    assert (inner, outer) == ([4], 0)  # the reminder and steps 0, 1 and 2
    assert fire_due_timers(t(9, 11, 15)) == 0
    counted = Notice.objects.filter(lead=lead, key__startswith="touch-late").values_list("key")
    assert sorted(key for (key,) in counted) == sorted(
        ["touch-late:1:1:inbox", f"touch-late:1:0:{team['mia'].pk}"]
        + [f"touch-late:1:2:{team['ann'].pk}"]
    )


def test_a_form_without_escalation_escalates_no_missed_touch(workspace, team, clock_at):
    forms.save_form(
        workspace, {"key": "quiet", "title": "Quiet", "fields": {"email": "required"}}, now=t(9, 9)
    )
    escalation.save_form_chain(workspace, "quiet", {"mode": "none"})
    lead = lead_at(workspace, t(9, 10), clock_at, 1, form="quiet")
    assert lead.form == "quiet"
    log_activity(workspace, lead.pk, "call", at=t(9, 10, 5), outcome="reached")
    assert list(Timer.objects.filter(lead=lead, kind__startswith="touch").values_list("kind")) == [
        ("touch",)
    ]
    clock_at(t(10, 17))
    fire_due_timers(t(10, 17))
    assert late_notices() == set()
    assert Notice.objects.filter(lead=lead, key="touch:1").count() == 1
