"""Outgoing webhook endpoints over the REST API: an admin adds one (the signing secret
in that answer only), lists them, reads an endpoint's delivery log and removes it; a bad
URL or event type is answered 422 naming it with nothing added; an address the SSRF guard
refuses is refused at delivery and the log says why; another workspace's endpoint is not
found; a marketer may not manage endpoints."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from standardwebhooks.webhooks import Webhook as Verifier

from pacer.core.models import AuditEntry, Workspace
from pacer.messaging import sealing, webhooks
from pacer.messaging.models import Webhook, WebhookDelivery
from tests.messaging.test_api import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(client, workspace):
    headers = {role: bearer(workspace, role) for role in ("admin", "marketer")}

    def send(method, path, body=None, role="admin"):
        if body is None:
            return getattr(client, method)(f"/api/messaging{path}", **headers[role])
        return getattr(client, method)(
            f"/api/messaging{path}",
            json.dumps(body),
            content_type="application/json",
            **headers[role],
        )

    return send


@pytest.fixture
def endpoint(settings):
    """A real HTTP endpoint on loopback that answers 500 to its first request, then 200."""
    seen, replies = [], [500]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["content-length"]))
            seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(replies.pop(0) if replies else 200)
            self.end_headers()
            self.wfile.write(b"thanks")

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    server.shutdown()


def test_an_admin_adds_an_endpoint_verifies_its_deliveries_and_reads_their_log(
    call, workspace, endpoint
):
    url, seen = endpoint
    added = call("post", "/webhooks", {"url": url, "event_types": ["message.unsubscribed"]})
    assert added.status_code == 201
    body = added.json()
    hook = Webhook.objects.get()
    assert body == {
        "id": hook.pk,
        "url": url,
        "event_types": ["message.unsubscribed"],
        "active": True,
        "created_at": body["created_at"],
        "secret": body["secret"],
    }
    assert body["secret"].startswith("whsec_")
    assert sealing.open_webhook_secret(hook) == body["secret"] != hook.secret_sealed
    listed = call("get", "/webhooks").json()
    assert listed == [{k: v for k, v in body.items() if k != "secret"}]  # never shown again
    entry = AuditEntry.objects.get(action="messaging.webhook_added")
    assert entry.after == {"url": url, "event_types": ["message.unsubscribed"]}
    assert entry.actor.username == "api-admin"

    webhooks.emit(workspace.pk, "message.unsubscribed", "7", {"message_id": 7})
    assert webhooks.deliver_webhooks() == 0  # the endpoint answers 500 first
    WebhookDelivery.objects.update(next_attempt_at="2000-01-01T00:00:00Z")  # due again
    assert webhooks.deliver_webhooks() == 1
    headers, sent = seen[-1]
    assert Verifier(body["secret"]).verify(sent, headers)["data"] == {"message_id": 7}

    (delivery,) = call("get", f"/webhooks/{hook.pk}/deliveries").json()
    assert {k: delivery[k] for k in ("type", "key", "status", "attempts", "next_attempt_at")} == {
        "type": "message.unsubscribed",
        "key": "message.unsubscribed:7",
        "status": "delivered",
        "attempts": 2,
        "next_attempt_at": None,
    }
    assert [(a["ok"], a["status_code"], a["detail"]) for a in delivery["log"]] == [
        (False, 500, "thanks"),
        (True, 200, "thanks"),
    ]
    assert call("get", f"/webhooks/{hook.pk}/deliveries?offset=1").json() == []

    assert call("delete", f"/webhooks/{hook.pk}").status_code == 204
    assert not Webhook.objects.exists() and not WebhookDelivery.objects.exists()
    assert AuditEntry.objects.get(action="messaging.webhook_removed").before == {
        "url": url,
        "event_types": ["message.unsubscribed"],
    }
    assert webhooks.emit(workspace.pk, "message.unsubscribed", "8", {"message_id": 8}) == 0


@pytest.mark.parametrize(
    "body, field, reason",
    [
        (
            {"url": "ftp://hooks.example.com/", "event_types": ["message.sent"]},
            "url",
            "only http and https",
        ),
        (
            {"url": "https://u:p@hooks.example.com/", "event_types": ["message.sent"]},
            "url",
            "must not carry a user name or password",
        ),
        ({"url": "https://hooks.example.com/", "event_types": []}, "event_types", "at least 1"),
        (
            {"url": "https://hooks.example.com/", "event_types": ["message.eaten"]},
            "event_types",
            "message.sent",
        ),
    ],
)
def test_a_refused_endpoint_names_its_field_and_adds_nothing(call, body, field, reason):
    answer = call("post", "/webhooks", body)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert [key for key in errors if key.split(".")[-1].split("[")[0] == field], errors
    assert reason in " ".join(errors.values())
    assert not Webhook.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="messaging.webhook").exists()


def test_a_metadata_address_is_refused_at_delivery_and_the_log_says_why(call, workspace):
    added = call(
        "post",
        "/webhooks",
        {"url": "http://169.254.169.254/latest/", "event_types": ["message.sent"]},
    )
    assert added.status_code == 201  # an address is checked when it is called
    webhooks.emit(workspace.pk, "message.sent", "1", {"message_id": 1})
    assert webhooks.deliver_webhooks() == 0
    (delivery,) = call("get", f"/webhooks/{added.json()['id']}/deliveries").json()
    assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
    assert [(a["ok"], a["status_code"], a["detail"]) for a in delivery["log"]] == [
        (
            False,
            None,
            "url: '169.254.169.254' resolves to an address that is not public (169.254.169.254)",
        )
    ]


def test_another_workspaces_endpoint_is_not_found_and_a_marketer_may_not_manage_them(
    call, workspace
):
    other = Workspace.objects.create(name="Other", slug="other")
    theirs = webhooks.add_webhook(
        other, url="https://hooks.example.com/", event_types=["message.sent"]
    )
    assert call("get", "/webhooks").json() == []
    assert call("get", f"/webhooks/{theirs.pk}/deliveries").status_code == 404
    assert call("delete", f"/webhooks/{theirs.pk}").status_code == 404
    assert Webhook.objects.filter(pk=theirs.pk).exists()
    body = {"url": "https://hooks.example.com/", "event_types": ["message.sent"]}
    for method, path in (
        ("get", "/webhooks"),
        ("post", "/webhooks"),
        ("delete", f"/webhooks/{theirs.pk}"),
    ):
        refused = call(method, path, body if method == "post" else None, role="marketer")
        assert refused.status_code == 403, (method, path)
    assert list(Webhook.objects.values_list("workspace_id", flat=True)) == [other.pk]
