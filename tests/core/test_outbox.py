"""The staff email outbox (``pacer.core.outbox``) against a real SMTP server (aiosmtpd):
an email written in a transaction is sent once after it commits and never when it rolls
back; the same key is one email; a temporary failure waits longer each time and gives up
after ``MAX_ATTEMPTS``; a 5xx refusal fails at once with the reason and blocks no one; a
lapsed claim is taken again and a live one is not; the staff email page shows the
failed ones and an admin can queue one again."""

import email
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock, outbox
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, OutboxEmail
from pacer.core.roles import Role
from tests.leads.conftest import smtp_sink  # noqa: F401  (a real SMTP server)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def smtp(settings, smtp_sink):  # noqa: F811  (the fixture imported above)
    """Django's mail connection pointed at a real SMTP server (aiosmtpd): its handler."""
    controller, received = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        controller.server.sockets[0].getsockname()[1],
        2,
    )
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER = False, ""
    return received


@pytest.fixture
def at(monkeypatch):
    """Set Pacer's clock: ``at(t)`` (it starts at NOW)."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    set_to(NOW)
    return set_to


def note(workspace, n: int, to: str = "") -> bool:
    return outbox.queue(
        workspace,
        key=f"test:{n}",
        to=to or f"p{n}@x.test",
        subject=f"Note {n}",
        body=f"Body {n}\nsecond line",
        source="tests",
    )


def received(sink) -> list[tuple[list[str], str, str]]:
    """(recipients, subject, body) of each message the server took, in order."""
    found = []
    for recipients, content in sink.messages:
        message = email.message_from_string(content)
        body = message.get_payload().replace("\r\n", "\n")
        found.append((recipients, message["Subject"], body))
    return found


def rows() -> list[tuple]:
    return list(
        OutboxEmail.objects.order_by("pk").values_list(
            "to_email", "status", "attempts", "claimed_until", "due_at", "last_error"
        )
    )


def test_an_email_queued_twice_is_sent_once_after_commit_and_marked_sent(workspace, smtp, at):
    with transaction.atomic():
        assert note(workspace, 1) is True
        assert note(workspace, 1, to="other@x.test") is False  # the same key: nothing new
    assert note(workspace, 1) is False
    assert outbox.send_due() == 1
    assert received(smtp) == [(["p1@x.test"], "Note 1", "Body 1\nsecond line\n")]
    assert "Auto-Submitted: auto-generated" in smtp.messages[0][1]
    sent = OutboxEmail.objects.get()
    assert (sent.status, sent.attempts, sent.sent_at, sent.claimed_until) == ("sent", 1, NOW, None)
    assert outbox.send_due() == 0
    assert len(smtp.messages) == 1


def test_a_rolled_back_transaction_queues_and_sends_nothing(workspace, smtp, at):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert note(workspace, 1) is True
        raise RuntimeError("the caller's change failed")
    assert OutboxEmail.objects.count() == 0
    assert outbox.send_due() == 0
    assert smtp.messages == []
    assert note(workspace, 1) is True  # the key was never taken
    assert outbox.send_due() == 1


def test_a_bad_key_is_refused_by_field_and_a_bad_address_is_written_failed(workspace, smtp, at):
    with pytest.raises(ValidationFailed) as refused:
        outbox.queue(workspace, key="", to="p1@x.test", subject="s", body="b", source="")
    assert refused.value.errors == {
        "key": "must be 1 to 200 characters",
        "source": "must be 1 to 60 characters",
    }
    assert OutboxEmail.objects.count() == 0
    with transaction.atomic():  # the caller's change is not stopped by a bad address
        assert note(workspace, 1, to="bob at home") is True
    assert [r[:3] + r[5:] for r in rows()] == [
        ("bob at home", "failed", 0, "'bob at home' is not an email address")
    ]
    assert outbox.send_due() == 0 and smtp.messages == []


def test_a_server_that_is_down_is_tried_again_later_each_time_then_given_up(
    workspace, smtp, settings, at
):
    note(workspace, 1)
    port, settings.EMAIL_PORT = settings.EMAIL_PORT, 9  # nothing listens there
    moment, waits = NOW, []
    for attempt in range(1, outbox.MAX_ATTEMPTS):
        assert outbox.send_due() == 0
        (row,) = rows()
        assert row[:4] == ("p1@x.test", "queued", attempt, None)
        assert row[5].startswith("no connection to the mail server: ")
        waits.append(row[4] - moment)
        at(row[4] - SECOND)  # not due yet: not even claimed
        assert outbox.send_due() == 0 and rows()[0][2] == attempt
        moment = row[4]
        at(moment)
    assert waits == [timedelta(minutes=m) for m in (1, 4, 16, 64, 256)][: len(waits)]
    assert outbox.send_due() == 0  # the last attempt fails too: given up
    (row,) = rows()
    assert row[:4] == ("p1@x.test", "failed", outbox.MAX_ATTEMPTS, None)
    assert row[5].startswith(f"gave up after {outbox.MAX_ATTEMPTS} attempts; the last: no conn")
    settings.EMAIL_PORT = port
    at(moment + timedelta(days=1))
    assert outbox.send_due() == 0 and smtp.messages == []  # a failed email stays failed


def test_the_wait_grows_fourfold_up_to_six_hours():
    assert [outbox.retry_after(n) for n in (1, 2, 3, 5, 6, 9)] == [
        timedelta(minutes=1),
        timedelta(minutes=4),
        timedelta(minutes=16),
        timedelta(minutes=256),
        timedelta(hours=6),
        timedelta(hours=6),
    ]


def test_a_refused_address_fails_at_once_with_the_reason_and_blocks_no_one(workspace, smtp, at):
    smtp.refuse = {"p1@x.test"}
    note(workspace, 1), note(workspace, 2)
    assert outbox.send_due() == 1  # p2's goes although p1's, before it, is refused
    assert [r[:3] for r in rows()] == [("p1@x.test", "failed", 1), ("p2@x.test", "sent", 1)]
    assert rows()[0][5] == "the mail server refused it: 554 Refused"
    at(NOW + timedelta(days=1))
    assert outbox.send_due() == 0
    assert [r for r, _, _ in received(smtp)] == [["p2@x.test"]]


def test_a_lapsed_claim_is_taken_again_but_a_live_one_is_not(workspace, smtp, at):
    note(workspace, 1)
    OutboxEmail.objects.update(claimed_until=NOW + outbox.LEASE, attempts=1)  # died at NOW
    at(NOW + outbox.LEASE - SECOND)
    assert outbox.send_due() == 0 and smtp.messages == []
    at(NOW + outbox.LEASE)
    assert outbox.send_due() == 1
    assert rows()[0][1:3] == ("sent", 2)


def test_the_staff_email_page_shows_failed_emails_and_an_admin_queues_them_again(
    workspace, admin, smtp, at
):
    smtp.refuse = {"p1@x.test"}
    note(workspace, 1), note(workspace, 2)
    outbox.send_due()
    other = core.create_workspace("Other", slug="other")
    note(other, 3, to="p3@x.test")
    OutboxEmail.objects.filter(workspace=other).update(status="failed")  # never shown here
    client = Client()
    client.force_login(admin)
    page = client.get("/settings/staff-email/").content.decode()
    assert "the mail server refused it: 554 Refused" in page and "Note 1" in page
    assert "Note 2" not in page and "Note 3" not in page  # failed ones by default
    assert "Queue failed again" in page
    assert "Note 2" in client.get("/settings/staff-email/?status=sent").content.decode()
    smtp.refuse = set()
    assert client.post("/settings/staff-email/retry/").status_code == 302
    failed = OutboxEmail.objects.get(to_email="p1@x.test")
    assert (failed.status, failed.attempts, failed.due_at) == ("queued", 0, NOW)
    assert OutboxEmail.objects.get(workspace=other).status == "failed"  # not this workspace's
    (entry,) = AuditEntry.objects.filter(action="outbox.retry")
    assert (entry.actor, entry.after) == (admin, {"emails": [failed.pk], "count": 1})
    assert outbox.send_due() == 1
    assert [r for r, _, _ in received(smtp)] == [["p2@x.test"], ["p1@x.test"]]
    page = client.get("/settings/staff-email/").content.decode()
    assert "No failed emails." in page and "Queue failed again" not in page


def test_only_admins_see_the_staff_email_page(workspace, admin):
    for role in (Role.MARKETER, Role.ANALYST):
        user = core.create_user(workspace, f"u-{role}", "correct-horse-9", role)
        client = Client()
        client.force_login(user)
        assert client.get("/settings/staff-email/").status_code == 403
