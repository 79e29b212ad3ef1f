"""Every due reminder reaches the mail server once, whatever kills the timer worker: a
real ``fire_due_timers`` process (the worker's ``lead-timers`` loop) is killed with
SIGKILL at each fault point of the timer path, ``leads.timer.fired`` (a firing's notices
and outbox email made, before its COMMIT) and ``leads.timer.committed`` (after it),
round after round; after each round the staff email outbox is sent to a real SMTP server
(aiosmtpd), and a last run fires the rest.

Due at once: three SLA reminders to the owner and three escalations to the location's
manager at North (a policy), two follow-up reminders of leads without a deadline at South
(no policy, the workspace's follow-up time). After every round, the server has received
exactly the emails of the firings that committed, each once; at the end, all eight,
each once, and a further run fires and sends nothing."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import outbox
from pacer.leads import sla
from pacer.leads.models import Notice, SlaPolicy, Timer
from pacer.people.actions import upsert_locations
from tests.core.loop_processes import SIGKILL, run_loop
from tests.leads.test_followup import agent, lead_at, member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LOOP = "pacer.leads.timers.fire_due_timers"
START = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)  # a Monday; no opening hours: always open
DUE = START + timedelta(minutes=16)  # reminders at 10 min, escalations and follow-ups at 15
# (fault, timers fired and committed by the end of the round): each kill stops one run
ROUNDS = (
    ("leads.timer.fired:2", 1),  # the second firing undone
    ("leads.timer.committed:3", 4),  # three more committed
    ("leads.timer.fired:1", 4),  # nothing more
    ("leads.timer.committed:1", 5),
)


def _with_email(workspace, name):
    user = member(workspace, name)
    user.email = f"{name}@x.test"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def due(workspace, north, clock_at):
    """Eight timers due at ``DUE``; the emails sent before them (none expected) drained."""
    (south,) = upsert_locations(workspace, [{"code": "south", "name": "South"}])
    SlaPolicy.objects.create(
        workspace=workspace, location_id=north.pk, respond_minutes=15, remind_minutes=5
    )
    sla.save_follow_up(workspace, {"follow_up_minutes": 15})
    agent(workspace, _with_email(workspace, "ann"), north, max_open=100)
    agent(workspace, _with_email(workspace, "mia"), north, weight=0, is_manager=True)
    agent(workspace, _with_email(workspace, "bob"), south, max_open=100)
    for n in range(3):
        lead_at(workspace, START, clock_at, n)
    for n in range(3, 5):
        lead_at(workspace, START, clock_at, n, location="south")
    Notice.objects.filter(key="auto-reply").update(claimed_at=START, sent_at=START)
    assert Timer.objects.filter(due_at__lte=DUE).count() == 8
    clock_at(DUE)


def _deliver(smtp_sink, settings) -> Counter:
    """Send the staff email outbox to the SMTP server; every email it has received so
    far, as (recipient, subject) counts."""
    controller, received = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.server.sockets[0].getsockname()[1]
    while outbox.send_due():
        pass
    return Counter(
        (recipients[0], next(line[9:] for line in content.splitlines() if line[:9] == "Subject: "))
        for recipients, content in received.messages
    )


def _expected() -> Counter:
    """The email of each fired timer, once: (recipient, subject)."""
    emails = Counter()
    for notice in Notice.objects.exclude(key="auto-reply").select_related("to_user"):
        emails[notice.to_user.email, notice.subject] += 1
    return emails


def test_kills_at_each_timer_fault_point_lose_no_reminder_and_send_none_twice(
    due, smtp_sink, settings
):
    assert _deliver(smtp_sink, settings) == Counter()  # assignment sent nobody email
    for fault, committed in ROUNDS:
        status, output = run_loop(LOOP, DUE, fault=fault)
        assert status == SIGKILL, output
        assert Timer.objects.filter(fired_at__isnull=False).count() == committed, fault
        received = _deliver(smtp_sink, settings)
        assert len(_expected()) == committed and received == _expected(), fault
    status, output = run_loop(LOOP, DUE)
    assert (status, output.strip()) == (0, "3"), output
    received = _deliver(smtp_sink, settings)
    assert received == _expected() and set(received.values()) == {1}
    recipients = Counter(recipient for recipient, _ in received)
    assert recipients == {"ann@x.test": 3, "mia@x.test": 3, "bob@x.test": 2}
    follow_ups = [subject for (to, subject) in received if to == "bob@x.test"]
    assert all(subject.endswith(": follow up (no response deadline)") for subject in follow_ups)
    assert run_loop(LOOP, DUE) == (0, "0\n")
    assert _deliver(smtp_sink, settings) == received
