"""Timers and notices survive a kill: a real process running ``fire_due_timers`` or
``send_notices`` is killed with SIGKILL at the moments that matter (``pacer.core.faults``
points), then run again; every reminder is made exactly once, with its email queued
once on the staff email outbox in the same transaction, and no auto-reply is sent twice
(one left claimed and unsent by a kill mid-send is shown, not resent)."""

import signal
from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.models import OutboxEmail
from pacer.leads.models import Notice, SlaPolicy, Timer
from tests import forked
from tests.ingest.live import environment
from tests.leads.test_followup import agent, lead_at, member

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
START = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
LEADS = 6
FIRE = """
import sys, django
django.setup()
from datetime import datetime
from pacer.leads.timers import fire_due_timers
print(fire_due_timers(datetime.fromisoformat(sys.argv[1])))
"""
SEND = """
import django
django.setup()
from pacer.leads.followup import send_notices
print(send_notices())
"""


def run(script: str, *args: str, fault: str = "", data_dir) -> tuple[int, str]:
    process = forked.run(
        ["-c", script, *args],
        env=environment(PACER_FAULT=fault, PACER_DATA_DIR=str(data_dir)),
        timeout=120,
    )
    return process.returncode, process.stdout + process.stderr


def subjects(data_dir) -> int:
    """Emails in the file outbox (one file per SMTP session, a message per Subject)."""
    return sum(
        line.startswith("Subject:")
        for path in (data_dir / "outbox").iterdir()
        for line in path.read_text().splitlines()
    )


@pytest.fixture
def waiting(workspace, north, clock_at):
    """Six leads with 15-minute deadlines whose reminders (at 10 minutes) are due."""
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    ann = member(workspace, "ann")
    ann.email = "ann@x.test"
    ann.save(update_fields=["email"])
    agent(workspace, ann, north, max_open=100)
    for n in range(LEADS):
        lead_at(workspace, START, clock_at, n)
    Notice.objects.filter(key="auto-reply").update(claimed_at=START, sent_at=START)
    return (START + timedelta(minutes=11)).isoformat()


@pytest.mark.parametrize("fault", ["leads.timer.fired:3", "leads.timer.committed:3"])
def test_a_kill_mid_firing_loses_no_reminder_and_makes_none_twice(waiting, tmp_path, fault):
    status, output = run(FIRE, waiting, fault=fault, data_dir=tmp_path)
    assert status == -signal.SIGKILL, output
    fired_before = Timer.objects.filter(fired_at__isnull=False).count()
    assert fired_before == (2 if fault.endswith("fired:3") else 3)  # the third undone or kept
    assert Notice.objects.filter(key="remind:1").count() == fired_before
    assert OutboxEmail.objects.filter(source="leads").count() == fired_before
    status, output = run(FIRE, waiting, data_dir=tmp_path)
    assert status == 0 and output.strip() == str(LEADS - fired_before), output
    assert Timer.objects.filter(kind="remind", fired_at__isnull=False).count() == LEADS
    reminders = Notice.objects.filter(key="remind:1")
    assert sorted(reminders.values_list("lead_id", flat=True)) == sorted(
        Timer.objects.filter(kind="remind").values_list("lead_id", flat=True)
    )
    emails = OutboxEmail.objects.filter(source="leads")
    assert sorted(emails.values_list("key", flat=True)) == sorted(
        f"leads.notice:{lead_id}:remind:1"
        for lead_id in reminders.values_list("lead_id", flat=True)
    )
    assert run(FIRE, waiting, data_dir=tmp_path)[1].strip() == "0"
    assert emails.count() == LEADS


def test_a_kill_mid_send_sends_no_email_twice(waiting, tmp_path):
    """Killed before the third hand-over of a claimed chunk of auto-replies: two emails
    went, the chunk stays claimed (sent or not is unknown for it), and nothing is sent
    again."""
    Notice.objects.filter(key="auto-reply").update(claimed_at=None, sent_at=None)
    status, output = run(SEND, fault="leads.notice.sending:3", data_dir=tmp_path)
    assert status == -signal.SIGKILL, output
    assert subjects(tmp_path) == 2
    status, output = run(SEND, data_dir=tmp_path)
    assert status == 0 and output.strip() == "0", output
    assert subjects(tmp_path) == 2  # nothing resent
    replies = Notice.objects.filter(key="auto-reply")
    assert replies.filter(claimed_at__isnull=False, sent_at__isnull=True).count() == LEADS
