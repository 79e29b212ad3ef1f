"""A sender's DKIM private key is kept sealed (``pacer.messaging.sealing``, bound to its
workspace), opened only to sign, never shown back (the senders table, the API, a refused
form), and migration 0016 seals the keys kept in plain text before (reversibly)."""

import base64

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from pacer.core import actions as core
from pacer.messaging import actions, sealing
from pacer.messaging.delivery import UNREADABLE_KEY, deliver
from pacer.messaging.models import Message, Sender
from tests.messaging.conftest import person
from tests.messaging.test_api import bearer
from tests.messaging.test_broadcasts import setup_broadcast


@pytest.fixture(scope="module")
def key():
    """A DKIM key: its PEM, one line of the PEM's body, and a DNS that publishes it."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)

    def dns(name, timeout=5):
        return record if name == b"s1._domainkey.acme.test." else None

    return pem, pem.splitlines()[3], dns


def _sender_form(key_pem: str, from_email="news@acme.test") -> dict:
    return {
        "name": "Acme",
        "from_email": from_email,
        "dkim_selector": "s1",
        "dkim_private_key": key_pem,
    }


@pytest.mark.django_db
def test_a_dkim_key_is_kept_sealed_signs_and_is_never_shown_back(
    client, workspace, admin, smtp, now, key
):
    pem, body_line, dns = key
    client.force_login(admin)
    refused = client.post("/messages/senders/new/", _sender_form(pem, from_email="nope"))
    assert refused.status_code == 422
    shown = refused.content.decode()
    assert body_line not in shown and "PRIVATE KEY" not in shown
    assert "not shown again: paste the key again" in shown
    assert "must be an email address" in shown
    assert not Sender.objects.exists()

    assert client.post("/messages/senders/new/", _sender_form(pem)).status_code == 302
    sender = Sender.objects.get()
    assert sender.dkim_key_sealed.startswith("v2:")
    assert body_line not in sender.dkim_key_sealed
    assert sealing.open_dkim_key(sender) == pem
    for page in (
        client.get("/messages/"),
        client.get("/api/messaging/senders", **bearer(workspace, "marketer")),
    ):
        assert page.status_code == 200
        assert "news@acme.test" in page.content.decode()
        assert body_line not in page.content.decode() and "v2:" not in page.content.decode()

    person(workspace, "ada@x.test", "Ada")
    broadcast = setup_broadcast(workspace, sender=sender)
    actions.queue_broadcast(workspace, broadcast.pk)
    assert deliver() == 1
    assert dkim.verify(smtp.messages[0][2], dnsfunc=dns)


@pytest.mark.django_db
def test_a_sealed_key_copied_to_another_workspace_opens_nowhere(client, workspace, smtp, now, key):
    pem, _, _ = key
    ours = actions.save_sender(
        workspace,
        name="Acme",
        from_email="news@acme.test",
        dkim_selector="s1",
        dkim_private_key=pem,
    )
    other = core.create_workspace("Other", slug="other")
    theirs = actions.save_sender(other, name="Other", from_email="news@other.test")
    Sender.objects.filter(pk=theirs.pk).update(
        dkim_selector="s1", dkim_key_sealed=ours.dkim_key_sealed
    )
    person(other, "eve@x.test", "Eve")
    broadcast = setup_broadcast(other, sender=Sender.objects.get(pk=theirs.pk))
    client.force_login(core.create_user(other, "eve", "correct-horse-1", "admin"))
    page = client.get(f"/messages/broadcasts/{broadcast.pk}/").content.decode()
    assert 'id="sender-key-unreadable"' in page  # said before anything is sent
    actions.queue_broadcast(other, broadcast.pk)

    assert deliver() == 0
    assert smtp.messages == []  # not sent unsigned either
    message = Message.objects.get()
    assert (message.status, message.reason) == ("failed", UNREADABLE_KEY)


BEFORE = [("messaging", "0015_sms_number_sent_index")]


@pytest.mark.migrations  # migrates the database itself
@pytest.mark.django_db(transaction=True)
def test_migration_0016_seals_plain_keys_and_going_back_opens_them(workspace, smtp, now, key):
    pem, body_line, dns = key
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("messaging", "Sender")
    signed = old.objects.create(
        workspace_id=workspace.pk,
        name="Acme",
        from_email="news@acme.test",
        dkim_selector="s1",
        dkim_private_key=pem,
    )
    unsigned = old.objects.create(workspace_id=workspace.pk, name="B", from_email="b@acme.test")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    sender = Sender.objects.get(pk=signed.pk)
    assert sender.dkim_key_sealed.startswith("v2:") and body_line not in sender.dkim_key_sealed
    assert sealing.open_dkim_key(sender) == pem
    assert Sender.objects.get(pk=unsigned.pk).dkim_key_sealed == ""

    person(workspace, "ada@x.test", "Ada")
    actions.queue_broadcast(workspace, setup_broadcast(workspace, sender=sender).pk)
    assert deliver() == 1
    assert dkim.verify(smtp.messages[0][2], dnsfunc=dns)

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    back = executor.loader.project_state(BEFORE).apps.get_model("messaging", "Sender")
    assert back.objects.get(pk=signed.pk).dkim_private_key == pem
    assert back.objects.get(pk=unsigned.pk).dkim_private_key == ""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
