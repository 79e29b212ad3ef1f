"""The staff email outbox survives kills: real ``send_due`` processes (the worker's
``staff-email`` loop) sending to a real SMTP server (aiosmtpd) kill themselves with
SIGKILL, round after round, at points the test draws: after the claim committed and
before any hand-over, before a hand-over, and after the server accepted an email but
before it was marked sent. Each round runs after the dead sender's lease has lapsed.

The guarantee, checked after every round and at the end: no email is marked sent that
the server did not receive; every queued email reaches the server at least once; and
the duplicates are exactly the kills between a hand-over and its mark (each of those
sends one email twice, no other kill sends anything twice)."""

import email
import random
from collections import Counter
from datetime import UTC, datetime

import pytest

from pacer.core import clock, outbox
from pacer.core.models import OutboxEmail
from tests.core.loop_processes import SIGKILL, run_loop
from tests.leads.conftest import smtp_sink  # noqa: F401  (a real SMTP server)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LOOP = "pacer.core.outbox.send_due"
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
EMAILS = 10
ROUNDS = 9  # each kill marks at most one email sent, so each of the rounds is a kill
POINTS = ("core.outbox.claimed", "core.outbox.sending", "core.outbox.handed_over")


def _send(sink, at, fault=""):
    controller, _ = sink
    port = controller.server.sockets[0].getsockname()[1]
    return run_loop(LOOP, at, fault=fault, PACER_SMTP_HOST="127.0.0.1", PACER_SMTP_PORT=str(port))


def _received(sink) -> Counter:
    """How many times the server received each subject."""
    return Counter(email.message_from_string(c)["Subject"] for _, c in sink[1].messages)


def _marked_sent() -> set[str]:
    return set(OutboxEmail.objects.filter(status="sent").values_list("subject", flat=True))


def test_kills_at_any_point_lose_no_email_and_repeat_only_the_one_in_flight(
    workspace,
    smtp_sink,  # noqa: F811  (the fixture imported above)
    monkeypatch,
):
    monkeypatch.setattr(clock, "now", lambda: NOW)  # queued at NOW, due then
    for n in range(EMAILS):
        outbox.queue(
            workspace, key=f"k{n}", to=f"p{n}@x.test", subject=f"Note {n}", body="b", source="t"
        )
    queued = {f"Note {n}" for n in range(EMAILS)}
    draw = random.Random(20261203)
    kills = Counter()
    at = NOW
    for round_ in range(ROUNDS):
        point = POINTS[round_ % len(POINTS)]
        nth = 1 if point == "core.outbox.claimed" else draw.randint(1, 2)
        status, output = _send(smtp_sink, at, f"{point}:{nth}")
        assert status == SIGKILL, output
        kills[point] += 1
        received = _received(smtp_sink)
        assert _marked_sent() <= set(received), f"marked sent, never received ({point}:{nth})"
        assert set(received) <= queued
        at += outbox.LEASE  # the dead sender's claims have lapsed
    status, output = _send(smtp_sink, at)
    assert status == 0, output
    received = _received(smtp_sink)
    assert set(received) == queued  # none lost
    assert _marked_sent() == queued
    duplicates = sum(received.values()) - len(received)
    assert duplicates == kills["core.outbox.handed_over"] == 3
    assert all(count <= 2 for count in received.values())
    assert _send(smtp_sink, at + outbox.LEASE) == (0, "0\n")
    assert sum(_received(smtp_sink).values()) == EMAILS + duplicates
