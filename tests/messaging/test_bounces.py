"""Bounces and complaints for real: every message leaves with a signed VERP return path;
DSNs (RFC 3464) and ARF reports (RFC 5965) sent over SMTP to the inbound receiver, or
posted by a provider, suppress the address and record one event on the right message;
the same mail twice records once; a malformed mail is kept as unparseable and changes
nothing."""

import smtplib
import socket
from datetime import timedelta
from email import message_from_bytes

import pytest

from pacer.messaging import actions, bounces, reports, selectors
from pacer.messaging.delivery import deliver
from pacer.messaging.models import (
    InboundMail,
    Message,
    MessageEvent,
    MessagingSettings,
    SuppressedAddress,
)
from tests.messaging.conftest import person
from tests.messaging.test_api import bearer
from tests.messaging.test_broadcasts import setup_broadcast

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def inbound(monkeypatch):
    """The inbound SMTP receiver on a free port; the feedback address is fbl@acme.test."""
    monkeypatch.setenv("PACER_FEEDBACK_ADDRESS", "fbl@acme.test")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = bounces.start_receiver("127.0.0.1", port)
    yield port
    controller.stop()


def send_back(port, recipient, data):
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as relay:
        relay.sendmail("", [recipient], data)


def sent_mail(workspace, smtp, *emails):
    """Broadcast to ``emails`` over the sink; returns {email: (message, envelope sender,
    the bytes received)}."""
    for email in emails:
        person(workspace, email)
    broadcast = setup_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == len(emails)
    received = {rcpt[0]: (mail_from, data) for mail_from, rcpt, data in smtp.messages}
    return {m.email: (m, *received[m.email]) for m in Message.objects.filter(broadcast=broadcast)}


def dsn(original: bytes, action="failed", status="5.1.1", mail_id="<dsn-1@mx.test>"):
    """A delivery status notification as a receiving MTA writes it, carrying the
    original's headers."""
    headers = original.split(b"\r\n\r\n", 1)[0].decode()
    recipient = message_from_bytes(original)["To"]
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.test>\r\n"
        f"Message-ID: {mail_id}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B1"\r\n'
        "\r\n--B1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "\r\n--B1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.test\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; 550 {status} mailbox unknown\r\n"
        "\r\n--B1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"{headers}\r\n"
        "\r\n--B1--\r\n"
    ).encode()


def arf(original: bytes, feedback_type="abuse"):
    """An abuse report (RFC 5965) with the original message attached."""
    return (
        b"From: feedback@mailbox.test\r\n"
        b"Message-ID: <arf-1@mailbox.test>\r\n"
        b"Subject: FW: Spring sale\r\n"
        b"MIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=feedback-report; boundary="F1"\r\n'
        b"\r\n--F1\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n"
        b"\r\n--F1\r\nContent-Type: message/feedback-report\r\n\r\n"
        b"Feedback-Type: " + feedback_type.encode() + b"\r\n"
        b"User-Agent: MailboxFBL/1.0\r\n"
        b"Version: 1\r\n"
        b"\r\n--F1\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"\r\n--F1--\r\n"
    )


def test_every_message_leaves_with_a_signed_verp_return_path(workspace, smtp, now, settings):
    sent = sent_mail(workspace, smtp, "ada@x.test")
    message, mail_from, data = sent["ada@x.test"]
    assert mail_from == f"bounce+{reports.token(message.pk, workspace.pk)}@acme.test"
    assert reports.ids_of(mail_from) == (message.pk, workspace.pk)
    assert reports.ids_of(mail_from.upper()) == (message.pk, workspace.pk)  # case folded
    assert message_from_bytes(data)["X-Pacer-Id"] == reports.token(message.pk, workspace.pk)
    forged = mail_from.replace(f"bounce+{message.pk}-", f"bounce+{message.pk + 1}-")
    assert reports.ids_of(forged) is None
    settings.MESSAGING_BOUNCE_DOMAIN = "bounces.acme.test"
    assert bounces.return_path(message).endswith("@bounces.acme.test")


def test_a_hard_bounce_over_smtp_suppresses_and_is_recorded_once(workspace, smtp, inbound, now):
    sent = sent_mail(workspace, smtp, "ada@x.test", "bob@x.test")
    message, return_path, data = sent["ada@x.test"]
    report = dsn(data)
    send_back(inbound, return_path, report)
    send_back(inbound, return_path, report)  # the same DSN again
    send_back(inbound, return_path, dsn(data, mail_id="<dsn-2@mx.test>"))  # a second one
    events = list(MessageEvent.objects.values_list("message_id", "kind", "detail"))
    assert events == [
        (message.pk, "bounce", "failed 5.1.1 rfc822; ada@x.test smtp; 550 5.1.1 mailbox unknown")
    ]
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.email, suppressed.reason) == ("ada@x.test", "hard_bounce")
    assert suppressed.detail == events[0][2]
    mails = list(InboundMail.objects.order_by("id").values_list("status", "message_id"))
    assert mails == [("recorded", message.pk), ("duplicate", message.pk)]
    figures = selectors.report(workspace, selectors.broadcast(workspace, message.broadcast_id))
    assert (figures["sent"], figures["bounced"], figures["bounce_rate"]) == (2, 1, 0.5)
    assert (figures["delivered"], figures["delivery_rate"]) == (1, 0.5)  # ada's came back


def test_a_failure_with_a_temporary_status_is_a_soft_bounce(workspace, smtp, inbound, now):
    message, return_path, data = sent_mail(workspace, smtp, "ada@x.test")["ada@x.test"]
    send_back(inbound, return_path, dsn(data, status="4.2.2"))
    assert list(MessageEvent.objects.values_list("kind", flat=True)) == ["soft_bounce"]
    assert not SuppressedAddress.objects.exists()


def test_soft_bounces_suppress_after_the_limit_within_the_window(workspace, smtp, inbound, now):
    MessagingSettings.objects.create(workspace=workspace, soft_bounce_limit=2, soft_bounce_days=7)
    message, return_path, data = sent_mail(workspace, smtp, "ada@x.test")["ada@x.test"]
    delayed = dsn(data, action="delayed", status="4.4.1", mail_id="<d1@mx.test>")
    send_back(inbound, return_path, delayed)
    send_back(inbound, return_path, delayed)  # the same one again: not a second
    assert MessageEvent.objects.filter(kind="soft_bounce").count() == 1
    now["at"] += timedelta(days=8)  # the first is out of the window now
    send_back(inbound, return_path, dsn(data, "delayed", "4.4.1", "<d2@mx.test>"))
    assert not SuppressedAddress.objects.exists()
    now["at"] += timedelta(days=1)
    send_back(inbound, return_path, dsn(data, "delayed", "4.4.1", "<d3@mx.test>"))
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.email, suppressed.reason) == ("ada@x.test", "soft_bounces")
    assert suppressed.detail.startswith("2 soft bounces in 7 days; last: delayed 4.4.1")
    assert MessageEvent.objects.filter(kind="soft_bounce").count() == 3


def test_an_abuse_report_to_the_feedback_address_suppresses(workspace, smtp, inbound, now):
    sent = sent_mail(workspace, smtp, "ada@x.test", "bob@x.test")
    message, _, data = sent["bob@x.test"]
    send_back(inbound, "FBL@acme.test", arf(data))
    send_back(inbound, "fbl@acme.test", arf(data).replace(b"arf-1", b"arf-2"))  # resent
    events = list(MessageEvent.objects.values_list("message_id", "kind", "detail"))
    assert events == [(message.pk, "complaint", "abuse report from MailboxFBL/1.0")]
    suppressed = SuppressedAddress.objects.get()
    assert (suppressed.email, suppressed.reason) == ("bob@x.test", "complaint")
    figures = selectors.report(workspace, selectors.broadcast(workspace, message.broadcast_id))
    assert (figures["complained"], figures["complaint_rate"], figures["bounced"]) == (1, 0.5, 0)
    assert any("Complaint rate 50.00%" in warning for warning in figures["warnings"])


def test_a_not_spam_report_and_a_delivered_notice_change_nothing(workspace, smtp, inbound, now):
    message, return_path, data = sent_mail(workspace, smtp, "ada@x.test")["ada@x.test"]
    send_back(inbound, "fbl@acme.test", arf(data, feedback_type="not-spam"))
    send_back(inbound, return_path, dsn(data, action="delivered", status="2.0.0"))
    assert list(InboundMail.objects.values_list("status", flat=True)) == ["ignored", "ignored"]
    assert not MessageEvent.objects.exists()
    assert not SuppressedAddress.objects.exists()


def test_the_receiver_refuses_addresses_that_are_not_its_own(workspace, smtp, inbound, now):
    message, return_path, data = sent_mail(workspace, smtp, "ada@x.test")["ada@x.test"]
    forged = return_path.replace("bounce+", "bounce+9")
    for address in ("postmaster@acme.test", forged, "news@acme.test"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            send_back(inbound, address, dsn(data))
        assert refused.value.recipients[address][0] == 550
    assert not InboundMail.objects.exists()
    assert not SuppressedAddress.objects.exists()


@pytest.mark.parametrize(
    ("mangle", "detail"),
    [
        (lambda m: b"Subject: hi\r\n\r\nnot a report\r\n", "not a multipart/report mail"),
        (lambda m: m.replace(b"Action: failed\r\n", b""), "a recipient block has no Action"),
        (lambda m: m.replace(b"Status: 5.1.1", b"Status: soon"), "Status 'soon' is not"),
        (lambda m: m.replace(b"delivery-status", b"disposition-notification"), "report-type"),
    ],
)
def test_a_malformed_mail_is_unparseable_and_changes_nothing(
    workspace, smtp, inbound, now, mangle, detail
):
    message, return_path, data = sent_mail(workspace, smtp, "ada@x.test")["ada@x.test"]
    send_back(inbound, return_path, mangle(dsn(data)))
    mail = InboundMail.objects.get()
    assert mail.status == "unparseable"
    assert detail in mail.detail
    assert not MessageEvent.objects.exists()
    assert not SuppressedAddress.objects.exists()


def test_a_report_without_our_token_is_unmatched(workspace, smtp, inbound, now):
    message, return_path, data = sent_mail(workspace, smtp, "ada@x.test")["ada@x.test"]
    stripped = b"\r\n".join(
        line for line in data.split(b"\r\n") if not line.startswith(b"X-Pacer-Id")
    )
    send_back(inbound, "fbl@acme.test", arf(stripped))
    mail = InboundMail.objects.get()
    assert (mail.status, mail.message_id) == ("unmatched", None)
    assert not SuppressedAddress.objects.exists()


def test_a_provider_posts_a_bounce_through_the_api(client, workspace, smtp, now):
    message, return_path, data = sent_mail(workspace, smtp, "ada@x.test")["ada@x.test"]
    headers = bearer(workspace, "marketer")
    body = {"raw": dsn(data).decode(), "recipient": return_path}

    def post(payload, auth=headers):
        return client.post(
            "/api/messaging/inbound-mail", payload, content_type="application/json", **auth
        )

    answer = post(body)
    assert answer.status_code == 200
    assert answer.json()["status"] == "recorded"
    assert answer.json()["message_id"] == message.pk
    assert post(body).json() == {
        "status": "duplicate",
        "detail": "received before",
        "message_id": message.pk,
    }
    assert SuppressedAddress.objects.get().reason == "hard_bounce"
    assert MessageEvent.objects.count() == 1
    viewer = post({"raw": arf(data).decode()}, bearer(workspace, "analyst"))
    assert viewer.status_code == 403
    assert InboundMail.objects.count() == 1  # the viewer's post wrote nothing


def test_undecodable_bytes_are_stored_replaced_and_lone_surrogates_refused(client, workspace, now):
    mangled = dsn(b"To: ada@x.test\r\n\r\nx").replace(b"Status: 5.1.1", b"Status: \xff\x00")
    mail, new = bounces.receive(mangled)
    assert new and mail.status == "unparseable"
    assert InboundMail.objects.get().detail.startswith("Status '\ufffd")  # saved
    answer = client.post(
        "/api/messaging/inbound-mail",
        {"raw": "\ud800 not mail", "recipient": "\ud800@x.test"},
        content_type="application/json",
        **bearer(workspace, "marketer"),
    )
    assert answer.status_code == 422  # refused before anything is stored
    assert InboundMail.objects.count() == 1
