"""Rules of ``pacer.messaging.actions`` that its seeded mutant sample (``10:3912``: stop 39,
and its unrun rest in stop 40) showed no test of the sample's selection pinned: each test
here fails on the mutants named in docs/testing.md."""

import itertools
from datetime import UTC, datetime

import pytest

from pacer.core.errors import ValidationFailed
from pacer.messaging import actions, webhooks
from pacer.messaging.models import (
    Broadcast,
    Message,
    Sender,
    SuppressedAddress,
    Template,
    WebhookDelivery,
)
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db
NUMBERS = itertools.count()
PURPOSE_REASON = "must be text of 1 to 60 characters"


def _draft(workspace, **fields) -> Broadcast:
    template = actions.save_template(
        workspace, name=f"T{next(NUMBERS)}", subject="Hi", html="<p>Hi</p>"
    )
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    return actions.create_broadcast(
        workspace,
        name="Spring",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
        **fields,
    )


def test_a_purpose_of_one_to_sixty_characters_is_kept_and_any_other_refused(workspace):
    assert _draft(workspace, purpose="x").purpose == "x"
    assert _draft(workspace, purpose="p" * 60).purpose == "p" * 60
    for bad in ("", "p" * 61, 7):
        with pytest.raises(ValidationFailed) as refused:
            _draft(workspace, purpose=bad)
        assert refused.value.errors == {"purpose": PURPOSE_REASON}
    assert sorted(Broadcast.objects.values_list("purpose", flat=True)) == ["p" * 60, "x"]


def test_a_broadcast_keeps_only_the_time_its_schedule_uses(workspace):
    at = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    now = _draft(workspace, schedule="now", send_at=at, send_local="2026-06-01T09:00")
    timed = _draft(workspace, schedule="at", send_at=at, send_local="2026-06-01T09:00")
    local = _draft(workspace, schedule="local", send_at=at, send_local="2026-06-01T09:00")
    stored = {
        b.pk: (b.schedule, b.send_at, b.send_local)
        for b in Broadcast.objects.filter(pk__in=[now.pk, timed.pk, local.pk])
    }
    assert stored == {
        now.pk: ("now", None, ""),
        timed.pk: ("at", at, ""),
        local.pk: ("local", None, "2026-06-01T09:00"),
    }


def _sender_refused(workspace, **fields) -> dict[str, str]:
    values = {"name": "Acme", "from_email": "news@acme.test"} | fields
    with pytest.raises(ValidationFailed) as refused:
        actions.save_sender(workspace, **values)
    assert not Sender.objects.exists()
    return refused.value.errors


def test_a_sender_is_refused_field_by_field_in_its_own_words(workspace):
    assert _sender_refused(workspace, name="", from_email="") == {
        "name": "must not be empty",
        "from_email": "must not be empty",
    }
    assert _sender_refused(workspace, name=7, from_email="news") == {
        "name": "must be text",
        "from_email": "must be an email address",
    }
    assert _sender_refused(workspace, dkim_selector="s" * 201) == {
        "dkim_selector": "must be at most 200 characters",
        "dkim_private_key": "a DKIM selector needs its private key (PEM)",
    }
    assert _sender_refused(workspace, dkim_selector=7) == {"dkim_selector": "must be text"}
    assert _sender_refused(workspace, dkim_private_key="a key") == {
        "dkim_selector": "a DKIM key needs its selector"
    }
    assert _sender_refused(workspace, dkim_selector="mail", dkim_private_key="a key") == {
        "dkim_private_key": "cannot sign with this key: not a PEM private key without a password"
    }


NUL = "must not contain NUL characters"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"text": 7}, {"text": "must be text"}),
        ({"text": "a\x00b"}, {"text": NUL}),
        ({"text": "t" * 200_001}, {"text": "must be at most 200000 characters"}),
        # the reason stays the NUL's: the HTML is not read for its assets
        ({"html": "<p>\x00</p><img src='/assets/999/'>"}, {"html": NUL}),
        # the name is not looked up among the others (PostgreSQL refuses a NUL in a query)
        ({"name": "T\x00"}, {"name": NUL}),
    ],
)
def test_a_template_part_that_cannot_be_stored_is_refused_in_its_own_words(
    workspace, fields, errors
):
    values = {"name": "T", "subject": "Hi", "html": "<p>Hi</p>", "text": ""} | fields
    with pytest.raises(ValidationFailed) as refused:
        actions.save_template(workspace, **values)
    assert refused.value.errors == errors
    assert not Template.objects.exists()


def test_a_template_text_of_up_to_200000_characters_is_kept(workspace):
    template = actions.save_template(
        workspace, name="T", subject="Hi", html="<p>Hi</p>", text="t" * 200_000
    )
    assert Template.objects.get(pk=template.pk).text == "t" * 200_000


def test_a_senders_change_is_refused_field_by_field_and_changes_nothing(workspace):
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    for fields, errors in (
        ({"from_email": ""}, {"from_email": "must not be empty"}),
        ({"from_email": 7}, {"from_email": "must be text"}),
        (
            {"name": "", "reply_to": "nobody"},
            {"name": "must not be empty", "reply_to": "must be an email address"},
        ),
    ):
        values = {"name": "Acme", "from_email": "news@acme.test", "reply_to": ""} | fields
        with pytest.raises(ValidationFailed) as refused:
            actions.update_sender(workspace, sender.pk, **values)
        assert refused.value.errors == errors
    kept = Sender.objects.get(pk=sender.pk)
    assert (kept.name, kept.from_email, kept.reply_to) == ("Acme", "news@acme.test", "")


def test_an_address_of_at_most_254_characters_is_suppressed(workspace):
    longest = "a" * 241 + "@example.test"
    assert actions.suppress(workspace, longest.upper(), "manual") is True
    with pytest.raises(ValidationFailed) as refused:
        actions.suppress(workspace, "a" + longest, "manual")
    assert refused.value.errors == {"email": "must be an email address of at most 254 characters"}
    assert list(SuppressedAddress.objects.values_list("email", flat=True)) == [longest]


def test_a_one_click_unsubscribe_is_sent_to_the_subscribed_endpoints(workspace):
    webhooks.add_webhook(
        workspace, url="https://hooks.example/u", event_types=["message.unsubscribed"]
    )
    person(workspace, "ada@x.test", "Ada")
    broadcast = _draft(workspace)
    actions.queue_broadcast(workspace, broadcast.pk)
    message = Message.objects.get()

    assert actions.unsubscribe(actions.unsubscribe_token(message)) == message

    delivery = WebhookDelivery.objects.get()
    assert delivery.key == f"message.unsubscribed:{message.pk}"
    assert delivery.payload["type"] == "message.unsubscribed"
    assert delivery.payload["data"] == {
        "message_id": message.pk,
        "broadcast_id": broadcast.pk,
        "email": "ada@x.test",
    }
