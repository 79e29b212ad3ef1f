"""What the frequency cap counts: sends, the messages the relay accepted. A message that
bounced after it was sent still counts (it stays sent; the bounce is an event on it: the
contact may well have received it, and a soft bounce is no reason to send more); a
message the relay never accepted (refused until its attempts ran out) does not."""

from email import message_from_bytes

import pytest

from pacer.messaging import actions, bounces, rules, webhooks
from pacer.messaging.delivery import MAX_ATTEMPTS, deliver
from pacer.messaging.models import Message, MessageEvent, SuppressedAddress, WebhookDelivery
from tests.messaging.conftest import person
from tests.messaging.test_bounces import dsn
from tests.messaging.test_scheduling import make_broadcast

pytestmark = pytest.mark.django_db
CAPPED = "frequency cap: 1 in 7 days reached"


def test_a_send_that_bounced_afterwards_counts_towards_the_cap(workspace, smtp, now):
    rules.save_settings(workspace, time_zone="UTC", cap_count=1, cap_days=7)
    person(workspace, "ada@x.test")
    first = make_broadcast(workspace)
    actions.queue_broadcast(workspace, first.pk)
    assert deliver() == 1
    [(return_path, _, data)] = smtp.messages
    assert message_from_bytes(data)["To"] == "ada@x.test"
    # her mailbox is full: a soft bounce comes back for the message the relay accepted
    mail, new = bounces.receive(dsn(data, status="4.2.2"), return_path)
    assert (new, mail.status) == (True, "recorded")
    assert list(MessageEvent.objects.values_list("kind", "message__broadcast")) == [
        ("soft_bounce", first.pk)
    ]
    second = make_broadcast(workspace)
    actions.queue_broadcast(workspace, second.pk)
    assert deliver() == 0
    assert len(smtp.messages) == 1
    messages = Message.objects.order_by("id").values_list("broadcast", "status", "reason")
    assert list(messages) == [(first.pk, "sent", ""), (second.pk, "skipped", CAPPED)]
    assert Message.objects.get(broadcast=first).sent_at == now["at"]


def test_a_message_the_relay_never_accepted_does_not_count(workspace, smtp, now):
    rules.save_settings(workspace, time_zone="UTC", cap_count=1, cap_days=7)
    person(workspace, "ada@x.test")
    smtp.refuse = {"ada@x.test": "451 4.3.0 try later"}
    first = make_broadcast(workspace)
    actions.queue_broadcast(workspace, first.pk)
    for _ in range(MAX_ATTEMPTS + 1):  # refused each time, then given up
        assert deliver() == 0
    refused = Message.objects.get(broadcast=first)
    assert (refused.status, refused.attempts, refused.sent_at) == ("failed", MAX_ATTEMPTS, None)
    assert refused.reason == f"gave up after {MAX_ATTEMPTS}: 451 4.3.0 try later"
    smtp.refuse = {}
    second = make_broadcast(workspace)
    actions.queue_broadcast(workspace, second.pk)
    assert deliver() == 1
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["ada@x.test"]]
    assert Message.objects.get(broadcast=second).status == "sent"


def test_a_capped_groups_refused_recipients_fail_or_wait_as_uncapped_ones_do(workspace, smtp, now):
    """Under a cap the group goes through ``_send_capped``: a 5xx fails the message and
    suppresses the address with its bounced event, a 4xx leaves it queued for the next
    run, and neither counts towards the cap."""
    rules.save_settings(workspace, time_zone="UTC", cap_count=1, cap_days=7)
    webhooks.add_webhook(workspace, url="https://hooks.example/y", event_types=["message.bounced"])
    for email in ("ada@x.test", "gone@x.test", "busy@x.test"):
        person(workspace, email)
    smtp.refuse = {"gone@x.test": "550 5.1.1 no such user", "busy@x.test": "451 4.3.0 try later"}
    broadcast = make_broadcast(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 1
    state = Message.objects.order_by("email").values_list(
        "email", "status", "reason", "attempts", "claimed_until"
    )
    assert list(state) == [
        ("ada@x.test", "sent", "", 1, None),
        ("busy@x.test", "queued", "451 4.3.0 try later", 1, None),
        ("gone@x.test", "failed", "550 5.1.1 no such user", 1, None),
    ]
    suppressed = SuppressedAddress.objects.values_list("workspace", "email", "reason")
    assert list(suppressed) == [(workspace.pk, "gone@x.test", "hard_bounce")]
    gone = Message.objects.get(email="gone@x.test")
    bounced = WebhookDelivery.objects.values_list("key", "payload__data__reason")
    assert list(bounced) == [(f"message.bounced:{gone.pk}", "550 5.1.1 no such user")]
    smtp.refuse = {}
    assert deliver() == 1  # busy's retry, within the cap (the refusal did not count)
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["ada@x.test"], ["busy@x.test"]]
    assert smtp.tried["gone@x.test"] == 1
