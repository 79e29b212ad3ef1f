"""Outbound webhooks: signed so the Standard Webhooks reference library verifies them,
delivered once per event, retried with backoff and logged, refused by the SSRF guard."""

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from standardwebhooks import Webhook as Verifier

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.messaging import webhooks
from pacer.messaging.models import WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def endpoint(settings):
    """A real HTTP endpoint on 127.0.0.1 answering with ``replies`` in turn (then 200)."""
    seen, replies = [], []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(replies.pop(0) if replies else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen, replies
    server.shutdown()


def test_deliveries_verify_with_the_reference_library_and_happen_once(workspace, endpoint):
    url, seen, _ = endpoint
    hook = webhooks.add_webhook(workspace, url=url, event_types=["message.unsubscribed"])
    assert hook.secret.startswith("whsec_")
    data = {"message_id": 7, "email": "ada@x.test"}
    assert webhooks.emit(workspace.pk, "message.unsubscribed", "7", data) == 1
    assert webhooks.emit(workspace.pk, "message.unsubscribed", "7", data) == 0  # same event
    assert webhooks.emit(workspace.pk, "message.sent", "7", data) == 0  # not subscribed
    assert webhooks.deliver_webhooks() == 1
    assert webhooks.deliver_webhooks() == 0
    ((headers, body),) = seen
    payload = Verifier(hook.secret).verify(body, headers)  # raises on a bad signature
    assert payload["type"] == "message.unsubscribed" and payload["data"] == data
    with pytest.raises(Exception, match="signature"):
        Verifier(hook.secret).verify(body.replace(b"ada", b"eve"), headers)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    (attempt,) = WebhookAttempt.objects.all()
    assert (attempt.ok, attempt.status_code) == (True, 200)


def test_failures_are_logged_and_retried_with_backoff_until_given_up(
    workspace, endpoint, monkeypatch
):
    url, seen, replies = endpoint
    moment = {"at": clock.now()}
    monkeypatch.setattr(clock, "now", lambda: moment["at"])
    webhooks.add_webhook(workspace, url=url, event_types=["message.bounced"])
    webhooks.emit(workspace.pk, "message.bounced", "1", {"message_id": 1})
    replies.extend([500, 503])
    assert webhooks.deliver_webhooks() == 0
    assert webhooks.deliver_webhooks() == 0  # not due for 30 s
    moment["at"] += timedelta(seconds=31)
    assert webhooks.deliver_webhooks() == 0  # 503
    moment["at"] += timedelta(minutes=2, seconds=1)
    assert webhooks.deliver_webhooks() == 1
    assert [a.status_code for a in WebhookAttempt.objects.order_by("id")] == [500, 503, 200]
    assert len(seen) == 3
    # an endpoint that never answers well is given up after the last backoff
    webhooks.emit(workspace.pk, "message.bounced", "2", {"message_id": 2})
    replies.extend([500] * 10)
    for wait in [timedelta(0), *webhooks.BACKOFF]:
        moment["at"] += wait + timedelta(seconds=1)
        webhooks.deliver_webhooks()
    failed = WebhookDelivery.objects.get(key="message.bounced:2")
    assert (failed.status, failed.attempts) == ("failed", len(webhooks.BACKOFF) + 1)
    moment["at"] += timedelta(days=1)
    webhooks.deliver_webhooks()
    assert WebhookDelivery.objects.get(pk=failed.pk).attempts == len(webhooks.BACKOFF) + 1


def test_the_guard_refuses_a_private_endpoint_and_the_log_says_why(workspace, endpoint, settings):
    url, seen, _ = endpoint
    webhooks.add_webhook(workspace, url=url, event_types=["message.sent"])
    settings.OUTBOUND_ALLOWED_NETWORKS = []  # loopback is not reachable by default
    webhooks.emit(workspace.pk, "message.sent", "1", {})
    assert webhooks.deliver_webhooks() == 0
    assert seen == []  # no request was made
    (attempt,) = WebhookAttempt.objects.all()
    assert attempt.status_code is None and "not public (127.0.0.1)" in attempt.detail


def test_a_bad_endpoint_is_refused_naming_the_field(workspace):
    with pytest.raises(ValidationFailed) as refused:
        webhooks.add_webhook(workspace, url="ftp://x.test/", event_types=["nope"])
    assert refused.value.errors == {
        "url": "only http and https addresses can be called",
        "event_types": "must be a list of: message.sent, message.bounced, message.complained, "
        "message.opened, message.clicked, message.unsubscribed, sms.clicked, content.published, "
        "asset.withdrawn, lead.escalated",
    }


def test_delivery_emits_sent_and_bounced_events_to_subscribed_endpoints(workspace, smtp, now):
    from pacer.messaging import actions
    from pacer.messaging.delivery import deliver
    from tests.messaging.conftest import person

    webhooks.add_webhook(workspace, url="https://hooks.example/x", event_types=["message.sent"])
    webhooks.add_webhook(workspace, url="https://hooks.example/y", event_types=["message.bounced"])
    person(workspace, "ada@x.test", "Ada")
    person(workspace, "gone@x.test")
    smtp.refuse = {"gone@x.test": "550 5.1.1 no such user"}
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>Hi</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="n@acme.test")
    broadcast = actions.create_broadcast(
        workspace, name="B", template_id=template.pk, sender_id=sender.pk, audience={"all": True}
    )
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 1
    queued = sorted(
        (d.webhook.url, d.payload["type"], d.payload["data"]["email"])
        for d in WebhookDelivery.objects.select_related("webhook")
    )
    assert queued == [
        ("https://hooks.example/x", "message.sent", "ada@x.test"),
        ("https://hooks.example/y", "message.bounced", "gone@x.test"),
    ]
    # each event whole: its once-key names the message, its data the message, the
    # broadcast and the contact (a subscriber joins on them), a bounce its reason
    from pacer.messaging.models import Message
    from pacer.people.models import Contact

    ids = {}
    for email in ("ada@x.test", "gone@x.test"):
        message = Message.objects.get(email=email)
        ids[email] = (message.pk, Contact.objects.get(workspace=workspace, email=email).pk)
    events = {d.payload["type"]: (d.key, d.payload["data"]) for d in WebhookDelivery.objects.all()}
    sent_id, ada = ids["ada@x.test"]
    bounced_id, gone = ids["gone@x.test"]
    assert events == {
        "message.sent": (
            f"message.sent:{sent_id}",
            {
                "message_id": sent_id,
                "broadcast_id": broadcast.pk,
                "contact_id": ada,
                "email": "ada@x.test",
            },
        ),
        "message.bounced": (
            f"message.bounced:{bounced_id}",
            {
                "message_id": bounced_id,
                "broadcast_id": broadcast.pk,
                "contact_id": gone,
                "email": "gone@x.test",
                "reason": "550 5.1.1 no such user",
            },
        ),
    }
