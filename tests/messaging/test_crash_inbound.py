"""Returned mail survives kills: a real inbound receiver process (the
``messaging-inbound`` loop's SMTP endpoint) is killed with SIGKILL while bounces and a
complaint come in over SMTP, and the loop's reading of what was left is killed too.

The guarantee: a mail the receiver acknowledged (250) is stored, and each stored mail's
effects (its event, the suppression, the webhook) are made once, all together, with the
mail's status, or not at all (the mail stays pending, and the loop reads it a minute on).
A mail whose sender got no answer is sent again by the sender (this test plays the
relay); stored already, it is neither stored nor read twice. The end state equals that
of the same mails received undisturbed in another workspace."""

import smtplib
import socket
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from pacer.core import actions as core_actions
from pacer.messaging import webhooks
from pacer.messaging.bounces import receive
from pacer.messaging.models import InboundMail, MessageEvent, SuppressedAddress, WebhookDelivery
from tests.core.loop_processes import SIGKILL, run_loop
from tests.ingest.live import environment
from tests.messaging.test_bounces import arf, dsn, sent_mail

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
FEEDBACK = "fbl@acme.test"
# the receivers' clock stands still at argv[1], so a receiver started after a kill does
# not read the mails left pending (the loop's part, run later by the test)
SERVE = """
import sys, django
from datetime import datetime
django.setup()
from pacer.core import clock
at = datetime.fromisoformat(sys.argv[1])
clock.now = lambda: at
from pacer.messaging.bounces import serve_and_read
serve_and_read()
print("ready", flush=True)
sys.stdin.read()  # serve until the test closes stdin
"""
# each receiver in turn, armed at a point (the last one never dies)
RECEIVERS = [
    "messaging.inbound.stored:2",  # the 2nd mail stored, not read, not acknowledged
    "messaging.inbound.recorded:1",  # its effects written, not committed
    "messaging.inbound.read:2",  # read and committed, not acknowledged
    "messaging.inbound.recorded:1",  # the last mail stored, its reading rolled back
    "",
]
EMAILS = ["ada@x.test", "bob@x.test", "cy@x.test", "dee@x.test", "eve@x.test", "fay@x.test"]


def mails(workspace, smtp) -> list[tuple[str, bytes]]:
    """(recipient, raw) of the returned mails for the broadcast's messages: hard
    bounces, soft bounces, a complaint, and one DSN twice."""
    smtp.messages.clear()
    sent = sent_mail(workspace, smtp, *EMAILS)
    webhooks.add_webhook(
        workspace,
        url="https://hooks.example.com/in",
        event_types=["message.bounced", "message.complained"],
    )
    (ada, bob, cy, dee, eve, fay) = (sent[email] for email in EMAILS)
    return [
        (ada[1], dsn(ada[2])),
        (bob[1], dsn(bob[2], status="4.2.2")),
        (FEEDBACK, arf(cy[2])),
        (dee[1], dsn(dee[2], mail_id="<dsn-dee@mx.test>")),
        (eve[1], dsn(eve[2], action="delayed", status="4.4.1")),
        (ada[1], dsn(ada[2])),  # the same DSN again
        (fay[1], dsn(fay[2], mail_id="<dsn-fay@mx.test>")),
    ]


def effects(workspace) -> dict:
    """What the returned mail did in ``workspace``, by address and in arrival order."""
    return {
        "events": sorted(
            MessageEvent.objects.filter(workspace=workspace).values_list(
                "message__email", "kind", "detail"
            )
        ),
        "suppressed": sorted(
            SuppressedAddress.objects.filter(workspace=workspace).values_list(
                "email", "reason", "detail"
            )
        ),
        "webhooks": sorted(
            (d.payload["type"], d.payload["data"]["email"], d.payload["data"].get("bounce"))
            for d in WebhookDelivery.objects.filter(workspace=workspace)
        ),
        "mails": list(
            InboundMail.objects.filter(message__workspace=workspace)
            .order_by("id")
            .values_list("message__email", "status", "detail")
        ),
    }


class Receiver:
    def __init__(self, fault: str, at):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = environment(
            PACER_FAULT=fault,
            PACER_BOUNCE_SMTP_PORT=str(self.port),
            PACER_FEEDBACK_ADDRESS=FEEDBACK,
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, at.isoformat()],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout.readline().strip() == "ready", self.process.stderr.read()

    def send(self, recipient: str, raw: bytes) -> bool:
        """Relay one mail; whether the receiver acknowledged it."""
        try:
            with smtplib.SMTP("127.0.0.1", self.port, timeout=60) as relay:
                relay.sendmail("", [recipient], raw)
        except (smtplib.SMTPException, OSError):
            return False
        return True

    def stop(self) -> int:
        """Close its stdin (a live receiver ends) and wait: its exit status."""
        self.process.communicate(timeout=60)
        return self.process.returncode


def test_kills_lose_no_acknowledged_mail_and_record_each_once(workspace, smtp):
    twin = core_actions.create_workspace("Twin", slug="twin")
    undisturbed = mails(twin, smtp)
    for recipient, raw in undisturbed:
        receive(raw, recipient)
    expected = effects(twin)
    returned = mails(workspace, smtp)
    acknowledged: list[bytes] = []
    receivers = iter(RECEIVERS)
    at = timezone.now()
    receiver = Receiver(next(receivers), at)
    for recipient, raw in returned:
        while not receiver.send(recipient, raw):  # killed: check, start another, resend
            assert receiver.stop() == SIGKILL
            check(workspace, acknowledged)
            receiver = Receiver(next(receivers), at)
        acknowledged.append(raw)
    assert receiver.stop() == 0  # its stdin closed: it ends
    assert next(receivers, None) is None, "every armed receiver was killed"
    check(workspace, acknowledged)
    pending = InboundMail.objects.filter(status="pending").count()
    assert pending == 3  # the one stored, not read, and the two whose reading rolled back
    # the loop reads what was left a minute ago; killed mid-way, it rolls that one back
    later = at + timedelta(minutes=2)
    status, output = run_loop(
        "pacer.messaging.bounces.serve_and_read", later, fault="messaging.inbound.recorded:2"
    )
    assert status == SIGKILL, output
    assert InboundMail.objects.filter(status="pending").count() == 2
    check(workspace, acknowledged)
    assert run_loop("pacer.messaging.bounces.serve_and_read", later) == (0, "2\n")
    assert run_loop("pacer.messaging.bounces.serve_and_read", later) == (0, "0\n")
    assert effects(workspace) == expected


def check(workspace, acknowledged: list[bytes]) -> None:
    """Right after a kill: every acknowledged mail is stored; the effects are exactly
    those of the mails read (recorded), each once, with the mail's detail; pending mails
    (not matched to a message yet) did nothing."""
    stored = {bytes(raw) for raw in InboundMail.objects.values_list("raw", flat=True)}
    assert set(acknowledged) <= stored
    found = effects(workspace)
    assert {status for _, status, _ in found["mails"]} <= {"recorded"}
    read = sorted((email, detail) for email, _, detail in found["mails"])
    assert sorted((email, detail) for email, _, detail in found["events"]) == read
    hooks = {"bounce": "message.bounced", "soft_bounce": "message.bounced"}
    assert sorted(
        (hooks.get(kind, "message.complained"), email) for email, kind, _ in found["events"]
    ) == sorted((kind, email) for kind, email, _ in found["webhooks"])
    assert sorted((email, detail) for email, _, detail in found["suppressed"]) == sorted(
        (email, detail)
        for email, kind, detail in found["events"]
        if kind in ("bounce", "complaint")
    )
