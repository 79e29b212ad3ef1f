"""A lead that no SLA policy gives a deadline is not forgotten: its owner gets the
first-response task due one working day (the default follow-up time, in the location's
opening hours) after it arrived, and a reminder then, by email through a real SMTP server;
the follow-up goes with the lead to a fallback owner and at an away hand-over, and the
first response cancels it. It still has no deadline (no escalation, no re-assignment,
not counted in SLA attainment); the locations page counts such leads ("No deadline")."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import outbox
from pacer.leads import handover, selectors, todo
from pacer.leads.fallback import set_owner
from pacer.leads.followup import log_activity
from pacer.leads.models import FollowUpTask, LocationHours, Notice, Timer
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
ARRIVED = datetime(2026, 3, 31, 9, 0, tzinfo=UTC)  # Tuesday 10:00 in London (BST)
# 8 working hours in 09:00-17:00: 7 on Tuesday, 1 on Wednesday: Wednesday 10:00 BST
FOLLOW_UP = datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def hours(workspace, north):
    LocationHours.objects.create(
        workspace=workspace,
        location_id=north.pk,
        timezone="Europe/London",
        weekly={day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    )


def _with_email(workspace, name):
    user = member(workspace, name)
    user.email = f"{name}@x.test"
    user.save(update_fields=["email"])
    return user


def _first_response(lead):
    return FollowUpTask.objects.get(lead=lead, key=todo.FIRST_RESPONSE)


def _sent_through(smtp_sink, settings) -> list[tuple[list[str], str]]:
    """Send the staff email outbox to the real SMTP sink: (recipients, subject) each."""
    controller, received = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.server.sockets[0].getsockname()[1]
    while outbox.send_due():
        pass
    return [
        (recipients, next(line[9:] for line in content.splitlines() if line[:9] == "Subject: "))
        for recipients, content in received.messages
    ]


def test_a_lead_without_a_policy_gets_a_follow_up_task_and_a_reminder_a_working_day_on(
    workspace, north, hours, clock_at, settings, smtp_sink
):
    ann = _with_email(workspace, "ann")
    agent(workspace, ann, north, phone="+447700900001")
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    Notice.objects.filter(key="auto-reply").update(claimed_at=ARRIVED, sent_at=ARRIVED)
    assert (lead.owner, lead.respond_by) == (ann, None)  # no deadline: no SLA applies
    task = _first_response(lead)
    assert (task.assignee, task.due_at, task.done_at) == (ann, FOLLOW_UP, None)
    (timer,) = Timer.objects.filter(lead=lead)  # no escalation, no re-assignment
    assert (timer.kind, timer.assignment_round, timer.due_at) == ("remind", 1, FOLLOW_UP)
    (queue,) = selectors.queues(workspace, ARRIVED - timedelta(days=30), FOLLOW_UP)
    assert (queue.open, queue.no_deadline, queue.overdue) == (1, 1, 0)  # counted apart
    assert fire_due_timers(FOLLOW_UP - timedelta(seconds=1)) == 0
    clock_at(FOLLOW_UP)
    assert fire_due_timers(FOLLOW_UP) == 1
    assert fire_due_timers(FOLLOW_UP) == 0  # once
    subject = f"Lead #{lead.pk}: follow up (no response deadline)"
    assert _sent_through(smtp_sink, settings) == [(["ann@x.test"], subject)]
    notice = Notice.objects.get(key="remind:1")
    assert notice.to_user == ann and notice.read_at is None  # in the inbox too
    assert notice.body == (
        f"Lead #{lead.pk} has waited for its first response since Tue 31 Mar 10:00 BST. "
        "No SLA deadline applies to it; its follow-up was due Wed 1 Apr 10:00 BST.\n"
    )
    sms = Notice.objects.get(key="remind-sms:1")
    assert (sms.to_phone, sms.body) == ("+447700900001", subject)


def test_the_first_response_cancels_the_follow_up(workspace, north, hours, clock_at):
    ann = member(workspace, "ann")
    agent(workspace, ann, north)
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    answered = ARRIVED + timedelta(hours=3)
    log_activity(workspace, lead.pk, "call", at=answered, actor=ann, outcome="booked")
    assert _first_response(lead).done_at == answered
    (queue,) = selectors.queues(workspace, ARRIVED - timedelta(days=30), answered)
    assert (queue.open, queue.no_deadline) == (1, 0)
    assert fire_due_timers(FOLLOW_UP + timedelta(days=1)) == 0
    assert not Notice.objects.filter(key__startswith="remind").exists()


def test_the_fallback_owner_gets_the_follow_up_task_and_the_reminder(
    workspace, north, hours, clock_at, settings, smtp_sink
):
    ann, fay = _with_email(workspace, "ann"), _with_email(workspace, "fay")
    agent(workspace, ann, north, away_until=ARRIVED + timedelta(days=7))
    set_owner(workspace, "north", "fay")
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    assert (lead.owner, lead.respond_by) == (fay, None)
    task = _first_response(lead)
    assert (task.assignee, task.due_at) == (fay, FOLLOW_UP)
    clock_at(FOLLOW_UP)
    assert fire_due_timers(FOLLOW_UP) == 1
    assert _sent_through(smtp_sink, settings) == [
        (["fay@x.test"], f"Lead #{lead.pk} is yours"),
        (["fay@x.test"], f"Lead #{lead.pk}: follow up (no response deadline)"),
    ]


def test_an_away_hand_over_moves_the_follow_up_task_and_its_reminder(
    workspace, north, hours, clock_at, settings, smtp_sink
):
    ann, ben = _with_email(workspace, "ann"), _with_email(workspace, "ben")
    ann_row = agent(workspace, ann, north)
    lead = lead_at(workspace, ARRIVED, clock_at, 1)
    assert lead.owner == ann
    ben_row = agent(workspace, ben, north)
    away_at = ARRIVED + timedelta(hours=1)
    ann_row.away_until = away_at + timedelta(days=7)
    ann_row.save(update_fields=["away_until"])
    assert ben_row.pk and handover.hand_over_away(workspace, ann.pk, away_at).moved == [lead.pk]
    task = _first_response(lead)
    assert (task.assignee, task.due_at) == (ben, FOLLOW_UP)  # the same follow-up time
    clock_at(FOLLOW_UP)
    assert fire_due_timers(FOLLOW_UP) == 1
    assert _sent_through(smtp_sink, settings) == [
        (["ben@x.test"], f"Lead #{lead.pk} is yours"),
        (["ben@x.test"], f"Lead #{lead.pk}: follow up (no response deadline)"),
    ]


def test_the_locations_page_counts_the_leads_without_a_deadline(
    workspace, north, hours, clock_at, admin
):
    agent(workspace, member(workspace, "ann"), north)
    lead_at(workspace, ARRIVED, clock_at, 1)
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/locations/").content.decode()
    table = page[page.index('id="lead-queues"') :]
    row = table[table.index("<tbody>") : table.index("</tbody>")]
    cells = [
        re.sub(r"<span class=\"visually-hidden\">.*?</span>|<[^>]+>", "", cell)
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
    ]
    # open, unassigned, nobody free, away, none, overdue
    assert cells[:7] == ["North", "1", "0", "0", "0", "1", "0"]
    assert "follow-up task due 480 working minutes after arrival" in row  # the hint
