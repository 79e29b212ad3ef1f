"""Reminder and escalation emails to staff go through the staff email outbox (ADR 0010):
queued in the transaction that fires the timer and records the notice, under the key
``leads.notice:<lead>:<notice key>``, and sent by the ``staff-email`` loop to a real SMTP
server (aiosmtpd) once; a rerun of the timers queues nothing twice, a rolled-back firing
queues nothing, and the leads' own sender never sends them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from pacer.core import faults, outbox
from pacer.core.models import EmailStatus, OutboxEmail
from pacer.leads.followup import send_notices
from pacer.leads.models import Notice, SlaPolicy
from pacer.leads.notices import queue_notice
from pacer.leads.timers import fire_due_timers
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 10, 0, tzinfo=UTC)
REMIND_AT = MONDAY + timedelta(minutes=10)


@pytest.fixture
def lead(workspace, north, clock_at):
    """A lead of ann's (with an email address) whose reminder falls due at ``REMIND_AT``."""
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    ann = member(workspace, "ann")
    ann.email = "ann@x.test"
    ann.save(update_fields=["email"])
    agent(workspace, ann, north)
    made = lead_at(workspace, MONDAY, clock_at, 1)
    Notice.objects.filter(key="auto-reply").update(claimed_at=MONDAY, sent_at=MONDAY)
    return made


def test_a_reminder_reaches_the_smtp_server_once_through_the_outbox(
    lead, clock_at, settings, smtp_sink
):
    controller, received = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = (
        "127.0.0.1",
        controller.server.sockets[0].getsockname()[1],
    )
    clock_at(REMIND_AT)
    assert fire_due_timers(REMIND_AT) == 1
    assert fire_due_timers(REMIND_AT) == 0  # a rerun: fired once
    notice = Notice.objects.get(key="remind:1")
    queue_notice(lead, "remind:1", subject="again", body="again", to_email="ann@x.test")
    (email,) = OutboxEmail.objects.all()
    assert (email.key, email.source, email.to_email, email.status) == (
        f"leads.notice:{lead.pk}:remind:1",
        "leads",
        "ann@x.test",
        EmailStatus.QUEUED,
    )
    assert email.subject == notice.subject and email.subject.startswith(f"Lead #{lead.pk}")
    assert notice.to_user.username == "ann" and notice.read_at is None  # in-app, unread
    assert send_notices() == 0  # not the leads' sender's
    assert outbox.send_due() == 1 and outbox.send_due() == 0
    ((recipients, content),) = received.messages
    assert recipients == ["ann@x.test"] and "is waiting for its first response" in content
    assert "Auto-Submitted: auto-generated" in content
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT


def test_a_firing_rolled_back_queues_no_email(lead, clock_at):
    clock_at(REMIND_AT)

    def crash():
        raise RuntimeError("killed after the notice, before COMMIT")

    with faults.hooked("leads.timer.fired", crash), pytest.raises(RuntimeError):
        fire_due_timers(REMIND_AT)
    assert not Notice.objects.filter(key="remind:1").exists()
    assert not OutboxEmail.objects.exists()
    assert fire_due_timers(REMIND_AT) == 1  # the next run fires it, once
    assert OutboxEmail.objects.count() == 1


def test_an_escalation_email_goes_through_the_outbox_per_recipient(workspace, north, lead):
    max_ = member(workspace, "max")
    max_.email = "max@x.test"
    max_.save(update_fields=["email"])
    agent(workspace, max_, north, is_manager=True, max_open=0)
    with transaction.atomic():
        assert fire_due_timers(MONDAY + timedelta(minutes=16)) == 2  # reminder, breach
    keys = sorted(OutboxEmail.objects.values_list("key", "to_email"))
    breach = Notice.objects.get(key__startswith="breach:")
    assert keys == [
        (f"leads.notice:{lead.pk}:{breach.key}", "max@x.test"),
        (f"leads.notice:{lead.pk}:remind:1", "ann@x.test"),
    ]
