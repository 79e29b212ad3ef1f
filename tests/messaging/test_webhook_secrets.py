"""A webhook endpoint's signing secret is kept sealed (``pacer.messaging.sealing``, bound to
the endpoint's row): it is in the answer that adds the endpoint and nowhere else (not the
database, the audit log, the list or the delivery log), a delivery still verifies with it,
a sealed value copied to another endpoint's row does not open there (the delivery fails,
its log says why, nothing is sent), and migration 0019 seals the secrets kept in plain
text before (reversibly)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from standardwebhooks.webhooks import Webhook as Verifier

from pacer.core import actions as core
from pacer.messaging import sealing, webhooks
from pacer.messaging.models import Webhook, WebhookAttempt, WebhookDelivery
from tests.messaging.test_api import bearer


@pytest.fixture
def endpoint(settings):
    """A real HTTP endpoint on loopback that answers 200 and keeps what it was sent."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["content-length"]))
            seen.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", seen
    server.shutdown()


def tables_holding(text: str) -> list[str]:
    """Every table of the database with a value that contains ``text``."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            if any(text in str(value) for row in cursor.fetchall() for value in row):
                found.append(table)
    return found


@pytest.mark.django_db
def test_the_secret_is_sealed_at_rest_shown_once_and_deliveries_verify_with_it(
    client, workspace, endpoint
):
    url, seen = endpoint
    admin = bearer(workspace, "admin")
    added = client.post(
        "/api/messaging/webhooks",
        json.dumps({"url": url, "event_types": ["message.bounced"]}),
        content_type="application/json",
        **admin,
    )
    assert added.status_code == 201
    secret = added.json()["secret"]
    key = secret.removeprefix("whsec_")
    assert secret.startswith("whsec_") and len(key) == 32
    hook = Webhook.objects.get()
    assert hook.secret_sealed.startswith("v2:") and key not in hook.secret_sealed
    assert sealing.open_webhook_secret(hook) == secret

    webhooks.emit(workspace.pk, "message.bounced", "9", {"message_id": 9})
    assert webhooks.deliver_webhooks() == 1
    ((headers, body),) = seen
    assert Verifier(secret).verify(body, headers)["data"] == {"message_id": 9}
    assert (WebhookDelivery.objects.get().status, WebhookAttempt.objects.get().ok) == (
        "delivered",
        True,
    )
    listed = client.get("/api/messaging/webhooks", **admin)
    log = client.get(f"/api/messaging/webhooks/{hook.pk}/deliveries", **admin)
    assert (listed.status_code, log.status_code) == (200, 200)
    assert key not in listed.content.decode() and key not in log.content.decode()
    assert tables_holding(key) == []  # not the webhook's row, not the audit log, nowhere


@pytest.mark.django_db
def test_a_sealed_secret_copied_to_another_endpoint_does_not_open_and_nothing_is_sent(
    client, workspace, endpoint
):
    url, seen = endpoint
    ours = webhooks.add_webhook(workspace, url=url, event_types=["message.bounced"])
    other = webhooks.add_webhook(workspace, url=url + "/other", event_types=["message.sent"])
    Webhook.objects.filter(pk=other.pk).update(secret_sealed=ours.secret_sealed)
    with pytest.raises(sealing.Unreadable, match="cannot be decrypted"):
        sealing.open_webhook_secret(Webhook.objects.get(pk=other.pk))

    webhooks.emit(workspace.pk, "message.sent", "1", {"message_id": 1})
    webhooks.emit(workspace.pk, "message.sent", "2", {"message_id": 2})
    webhooks.emit(workspace.pk, "message.bounced", "1", {"message_id": 1})
    assert webhooks.deliver_webhooks() == 1  # only the endpoint whose secret opens
    ((headers, body),) = seen
    assert Verifier(ours.secret).verify(body, headers)["data"] == {"message_id": 1}
    failed = WebhookDelivery.objects.filter(webhook_id=other.pk).order_by("id")
    assert [(d.key, d.status, d.attempts) for d in failed] == [
        ("message.sent:1", "failed", 1),
        ("message.sent:2", "failed", 1),
    ]
    assert [
        (a.ok, a.status_code, a.detail)
        for a in WebhookAttempt.objects.filter(delivery__webhook_id=other.pk).order_by("id")
    ] == [(False, None, webhooks.UNREADABLE_SECRET)] * 2
    answer = client.get(
        f"/api/messaging/webhooks/{other.pk}/deliveries", **bearer(workspace, "admin")
    )
    assert answer.status_code == 200
    assert [(d["status"], d["log"][0]["detail"]) for d in answer.json()] == [
        ("failed", webhooks.UNREADABLE_SECRET)
    ] * 2
    assert webhooks.deliver_webhooks() == 0 and len(seen) == 1  # failed: not tried again


@pytest.mark.django_db
def test_a_secret_sealed_for_another_workspace_endpoint_does_not_open(workspace):
    theirs = core.create_workspace("Other", slug="other")
    ours = webhooks.add_webhook(
        workspace, url="https://hooks.example/a", event_types=["message.sent"]
    )
    copied = webhooks.add_webhook(
        theirs, url="https://hooks.example/b", event_types=["message.sent"]
    )
    copied.secret_sealed = ours.secret_sealed
    with pytest.raises(sealing.Unreadable):
        sealing.open_webhook_secret(copied)
    assert sealing.open_webhook_secret(Webhook.objects.get(pk=ours.pk)) == ours.secret


BEFORE = [("messaging", "0018_message_clicks_sender_reply_to")]


@pytest.mark.migrations  # migrates the database itself
@pytest.mark.django_db(transaction=True)
def test_migration_0019_seals_plain_secrets_and_going_back_opens_them(workspace, endpoint):
    url, seen = endpoint
    theirs = core.create_workspace("Other", slug="other")
    plain = {
        workspace.pk: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        theirs.pk: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("messaging", "Webhook")
    kept = {
        space: old.objects.create(
            workspace_id=space, url=url, secret=secret, event_types=["message.sent"]
        ).pk
        for space, secret in plain.items()
    }

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    for space, secret in plain.items():
        hook = Webhook.objects.get(pk=kept[space])
        assert hook.secret_sealed.startswith("v2:")
        assert secret.removeprefix("whsec_") not in hook.secret_sealed
        assert sealing.open_webhook_secret(hook) == secret
    assert tables_holding(plain[theirs.pk].removeprefix("whsec_")) == []
    webhooks.emit(theirs.pk, "message.sent", "1", {"message_id": 1})
    assert webhooks.deliver_webhooks() == 1
    ((headers, body),) = seen
    assert Verifier(plain[theirs.pk]).verify(body, headers)["data"] == {"message_id": 1}

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("messaging", "Webhook")
    assert {space: back.objects.get(pk=pk).secret for space, pk in kept.items()} == plain
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert {
        space: sealing.open_webhook_secret(Webhook.objects.get(pk=pk)) for space, pk in kept.items()
    } == plain
