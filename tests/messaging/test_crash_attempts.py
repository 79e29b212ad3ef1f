"""Email attempts survive kills: a real sender process (``deliver``) is killed with
SIGKILL between its claim and the relay, again and again, and after the relay took a
message, again and again.

The guarantee: an attempt is counted when the message goes to the relay, so kills before
that use up none of its ``MAX_ATTEMPTS`` (attempts recorded = SMTP transactions the sink
saw, and a temporary refusal afterwards is retried, not given up early); kills after the
relay took it still leave it tried at most ``MAX_ATTEMPTS`` times."""

import signal
import time

import pytest

from pacer.messaging import actions
from pacer.messaging.delivery import MAX_ATTEMPTS, deliver
from pacer.messaging.models import Message
from tests.messaging.conftest import person
from tests.messaging.test_crash import LEASE_SECONDS, sender
from tests.messaging.test_scheduling import make_broadcast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
BUSY = "busy@x.test"
# the named points between the claim and the hand-over, taken in turn
BEFORE_THE_RELAY = ("messaging.claimed:1", "messaging.prepared:1")


def outcome() -> tuple[str, int, str]:
    message = Message.objects.get(email=BUSY)
    return message.status, message.attempts, message.reason


def test_kills_before_the_relay_use_up_no_attempt_and_a_later_refusal_is_retried(
    workspace, smtp, tmp_path, settings
):
    person(workspace, BUSY)
    actions.queue_broadcast(workspace, make_broadcast(workspace).pk)
    smtp.refuse = {BUSY: "451 4.3.0 try later"}
    for kill in range(MAX_ATTEMPTS + 1):  # more kills than the message has attempts
        status, output = sender(settings.EMAIL_PORT, BEFORE_THE_RELAY[kill % 2], tmp_path)
        assert status == -signal.SIGKILL, output
        assert (outcome()[:2], smtp.tried[BUSY]) == (("queued", 0), 0), kill
        time.sleep(LEASE_SECONDS + 0.1)  # the dead worker's claim runs out
    # the retries run here (no kill to arm: a child process each would only be slower)
    for attempt in range(1, MAX_ATTEMPTS):  # the relay refuses for now: retried each time
        assert deliver() == 0
        assert outcome() == ("queued", attempt, "451 4.3.0 try later")
        assert smtp.tried[BUSY] == attempt
    smtp.refuse = {}
    assert deliver() == 1  # the last attempt goes
    assert outcome() == ("sent", MAX_ATTEMPTS, "")
    assert smtp.tried[BUSY] == MAX_ATTEMPTS
    assert [rcpt for _, rcpt, _ in smtp.messages] == [[BUSY]]


def test_kills_after_the_relay_took_it_leave_at_most_the_allowed_attempts(
    workspace, smtp, tmp_path, settings
):
    person(workspace, BUSY)
    actions.queue_broadcast(workspace, make_broadcast(workspace).pk)
    for kill in range(1, MAX_ATTEMPTS + 1):  # each run hands it over, then dies unmarked
        status, output = sender(settings.EMAIL_PORT, "messaging.accepted:1", tmp_path)
        assert status == -signal.SIGKILL, output
        assert (outcome()[:2], smtp.tried[BUSY]) == (("queued", kill), kill)
        time.sleep(LEASE_SECONDS + 0.1)
    assert deliver() == 0  # only gives up
    assert outcome() == ("failed", MAX_ATTEMPTS, f"gave up after {MAX_ATTEMPTS} attempts")
    assert smtp.tried[BUSY] == len(smtp.messages) == MAX_ATTEMPTS
