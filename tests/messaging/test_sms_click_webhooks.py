"""The first click on a tracked link of an SMS broadcast's text reaches the outgoing
webhooks subscribed to ``sms.clicked``, as an email's click reaches ``message.clicked``:
signed (the Standard Webhooks reference library verifies it), once per recipient however
often they click, and not at all for endpoints not subscribed to it."""

from datetime import UTC, datetime, timedelta

import pytest
from standardwebhooks import Webhook as Verifier

from pacer.messaging import sms_links, webhooks
from pacer.messaging.models import SmsMessage, WebhookDelivery
from tests.messaging import test_sms_clicks, test_webhooks
from tests.messaging.test_sms import NUMBER, texter
from tests.messaging.test_sms_broadcasts import phone_person

pytestmark = pytest.mark.django_db

endpoint = test_webhooks.endpoint  # a real HTTP endpoint on 127.0.0.1
outbox = test_sms_clicks.outbox  # the SMS provider of the tests: a folder


def test_the_first_click_of_each_recipient_is_delivered_once_signed(
    workspace, outbox, client, now, endpoint
):
    url, seen, _ = endpoint
    hook = webhooks.add_webhook(workspace, url=url, event_types=["sms.clicked"])
    webhooks.add_webhook(workspace, url=url + "/opens", event_types=["message.opened"])
    ada = texter(workspace)
    bob = phone_person(workspace, "bob@x.test", test_sms_clicks.BOB, "Bob")
    broadcast = test_sms_clicks._queued_and_sent(workspace)
    ada_text = SmsMessage.objects.get(contact_id=ada.pk)
    bob_text = SmsMessage.objects.get(contact_id=bob.pk)
    first = now["at"]
    for text, later in ((ada_text, 0), (ada_text, 2), (bob_text, 3), (ada_text, 5)):
        now["at"] = first + timedelta(hours=later)
        link = test_sms_clicks._path(sms_links.short_link(workspace.pk, text.pk, 0))
        assert client.get(link).status_code == 302

    now["at"] = datetime.now(UTC)  # the receiver checks the signature's timestamp
    assert webhooks.deliver_webhooks() == 2
    assert webhooks.deliver_webhooks() == 0
    received = [Verifier(hook.secret).verify(body, headers) for headers, body in seen]
    assert sorted(received, key=lambda p: p["data"]["text_id"]) == [
        {
            "type": "sms.clicked",
            "timestamp": (first + timedelta(hours=hours)).isoformat(),
            "data": {
                "text_id": text.pk,
                "sms_broadcast_id": broadcast.pk,
                "contact_id": contact.pk,
                "phone": number,
                "url": "https://shop.example/spring?c=sms&x=1",
                "at": (first + timedelta(hours=hours)).isoformat(),
            },
        }
        for text, contact, number, hours in sorted(
            [(ada_text, ada, NUMBER, 0), (bob_text, bob, test_sms_clicks.BOB, 3)],
            key=lambda t: t[0].pk,
        )
    ]
    keys = sorted(WebhookDelivery.objects.values_list("key", flat=True))
    assert keys == sorted([f"sms.clicked:{ada_text.pk}", f"sms.clicked:{bob_text.pk}"])
    ada_text.refresh_from_db()
    assert (ada_text.clicked_at, ada_text.clicks) == (first, 3)


def test_a_refused_click_emits_nothing(workspace, outbox, client, now, endpoint):
    url, seen, _ = endpoint
    webhooks.add_webhook(workspace, url=url, event_types=["sms.clicked"])
    texter(workspace)
    test_sms_clicks._queued_and_sent(workspace)
    text = SmsMessage.objects.get()
    link = test_sms_clicks._path(
        sms_links.short_link(workspace.pk, text.pk, 1)
    )  # the text has one link
    assert client.get(link).status_code != 302
    assert WebhookDelivery.objects.count() == 0 and webhooks.deliver_webhooks() == 0
    assert seen == []
