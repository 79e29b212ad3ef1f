"""Webhooks survive kills: a real ``deliver_webhooks`` process is killed with SIGKILL
after claiming a delivery (not sent), after the endpoint answered (nothing recorded) and
after logging the answer (not marked delivered), on a first attempt and on a retry.

The guarantee (at least once, Standard Webhooks): no delivery is lost — a killed one
stays pending and goes again once its claim's backoff has passed; none is marked
delivered before the endpoint took it; and the only repeats are the delivery in flight
when a kill came after the endpoint's answer, sent again with the same ``webhook-id``
and body (the receiver's key for deduplication), one per such kill.

Attempts (issue 10): an attempt is counted when its request is made, so kills between
the claim and the request use up no retries (attempts recorded = requests the endpoint
saw), and kills after the request still leave an endpoint asked at most
``len(BACKOFF) + 1`` times."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import clock
from pacer.messaging import webhooks
from pacer.messaging.models import WebhookAttempt, WebhookDelivery
from tests.core.loop_processes import SIGKILL, Endpoint, run_loop

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DELIVERIES = 8
LOOP = "pacer.messaging.webhooks.deliver_webhooks"


@pytest.fixture
def endpoint():
    found = Endpoint()
    yield found
    found.close()


def deliver(at, fault=""):
    return run_loop(LOOP, at, fault=fault, PACER_OUTBOUND_ALLOW="127.0.0.1/32")


def state(deliveries, endpoint) -> dict[int, tuple]:
    """Per delivery (1-based, in emission order): status, attempts, times the endpoint
    received it, attempts logged."""
    received = Counter(headers["webhook-id"] for headers, _ in endpoint.seen)
    logged = Counter(WebhookAttempt.objects.values_list("delivery_id", flat=True))
    found = {d.pk: d for d in WebhookDelivery.objects.all()}
    return {
        n: (found[d.pk].status, found[d.pk].attempts, received[f"msg_{d.pk}"], logged[d.pk])
        for n, d in enumerate(deliveries, 1)
    }


def test_kills_lose_no_webhook_and_repeat_only_the_one_in_flight(workspace, endpoint, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: T0)
    hook = webhooks.add_webhook(workspace, url=endpoint.url, event_types=["message.bounced"])
    for n in range(DELIVERIES):
        webhooks.emit(workspace.pk, "message.bounced", str(n), {"message_id": n})
    deliveries = list(WebhookDelivery.objects.order_by("id"))
    done = ("delivered", 1, 1, 1)
    untouched = ("pending", 0, 0, 0)

    # first attempts at T0: each kill leaves the delivery in flight claimed for 30 s
    status, output = deliver(T0, "messaging.webhook.claimed:2")
    assert status == SIGKILL, output
    assert state(deliveries, endpoint) == {
        1: done,
        2: ("pending", 0, 0, 0),  # claimed, never sent: no attempt counted, goes again
        **{n: untouched for n in range(3, 9)},
    }
    status, output = deliver(T0, "messaging.webhook.answered:1")
    assert status == SIGKILL, output
    assert state(deliveries, endpoint)[3] == ("pending", 1, 1, 0)  # received, not recorded
    status, output = deliver(T0, "messaging.webhook.logged:2")
    assert status == SIGKILL, output
    expected = {
        1: done,
        2: ("pending", 0, 0, 0),
        3: ("pending", 1, 1, 0),
        4: done,
        5: ("pending", 1, 1, 1),  # received and logged, not marked delivered
        **{n: untouched for n in range(6, 9)},
    }
    assert state(deliveries, endpoint) == expected
    assert WebhookDelivery.objects.get(pk=deliveries[4].pk).next_attempt_at == T0 + timedelta(
        seconds=30
    )
    status, output = deliver(T0)  # the claimed ones are not due yet
    assert (status, output.strip()) == (0, "3"), output
    assert state(deliveries, endpoint) == expected | {6: done, 7: done, 8: done}

    # the retries, after the first backoff; the 2nd, never attempted, is claimed for 30 s
    retry = T0 + timedelta(seconds=31)
    status, output = deliver(retry, "messaging.webhook.claimed:1")
    assert status == SIGKILL, output
    assert state(deliveries, endpoint)[2] == ("pending", 0, 0, 0)
    assert WebhookDelivery.objects.get(pk=deliveries[1].pk).next_attempt_at == retry + timedelta(
        seconds=30
    )
    status, output = deliver(retry)
    assert (status, output.strip()) == (0, "2"), output  # the 3rd and 5th
    status, output = deliver(retry + timedelta(minutes=2))
    assert (status, output.strip()) == (0, "1"), output  # the 2nd
    assert deliver(retry + timedelta(hours=7)) == (0, "0\n")
    assert state(deliveries, endpoint) == {
        1: done,
        2: done,  # two claims killed before sending: sent once, one attempt
        3: ("delivered", 2, 2, 1),  # the kill after the answer: sent twice
        4: done,
        5: ("delivered", 2, 2, 2),
        **{n: done for n in range(6, 9)},
    }
    # every request is signed, and a repeat has the id and body of the first
    bodies: dict[str, set] = {}
    for headers, body in endpoint.seen:
        timestamp = int(headers["webhook-timestamp"])
        signature = webhooks.sign(hook.secret, headers["webhook-id"], timestamp, body)
        assert headers["webhook-signature"] == signature
        bodies.setdefault(headers["webhook-id"], set()).add(body)
        assert json.loads(body)["type"] == "message.bounced"
    assert {len(found) for found in bodies.values()} == {1}
    assert {
        json.loads(next(iter(bodies[f"msg_{d.pk}"])))["data"]["message_id"]: n
        for n, d in enumerate(deliveries)
    } == {n: n for n in range(DELIVERIES)}


def test_kills_before_the_request_use_up_no_attempt(workspace, endpoint, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: T0)
    webhooks.add_webhook(workspace, url=endpoint.url, event_types=["message.bounced"])
    webhooks.emit(workspace.pk, "message.bounced", "1", {"message_id": 1})
    (delivery,) = WebhookDelivery.objects.all()
    at = T0
    for kill in range(len(webhooks.BACKOFF) + 2):  # more kills than there are attempts
        status, output = deliver(at, "messaging.webhook.claimed:1")
        assert status == SIGKILL, output
        assert state([delivery], endpoint) == {1: ("pending", 0, 0, 0)}, kill
        at += timedelta(seconds=31)  # the claim's 30 s lease has run out
    assert deliver(at) == (0, "1\n")
    assert state([delivery], endpoint) == {1: ("delivered", 1, 1, 1)}


def test_kills_after_the_request_leave_at_most_the_allowed_attempts(workspace, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: T0)
    refusing = Endpoint(status=500)
    try:
        webhooks.add_webhook(workspace, url=refusing.url, event_types=["message.bounced"])
        webhooks.emit(workspace.pk, "message.bounced", "1", {"message_id": 1})
        allowed = len(webhooks.BACKOFF) + 1
        at = T0
        for _ in range(allowed + 2):  # each run asks, then dies before logging the answer
            status, output = deliver(at, "messaging.webhook.answered:1")
            if status == 0:
                break
            assert status == SIGKILL, output
            at += timedelta(hours=7)  # past the longest backoff
        assert (status, output.strip()) == (0, "0"), output  # the last run only gave up
        (delivery,) = WebhookDelivery.objects.all()
        assert (delivery.status, delivery.attempts, len(refusing.seen)) == (
            "failed",
            allowed,
            allowed,
        )
        assert not WebhookAttempt.objects.exists()  # every answer was lost to a kill
    finally:
        refusing.close()
