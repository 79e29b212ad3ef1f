"""A sender's page: its name, From and Reply-To change (inline errors naming the field,
nothing saved when refused); its DKIM key is rotated to a new sealed key whose public
record the page shows (never the private key), and messages are then signed with it; it
is deleted only when no broadcast uses it, refused with the reason otherwise; each change
is audited; only those who may send reach it, in their own workspace."""

import base64
import html

import dkim
import pytest
from cryptography.hazmat.primitives import serialization

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.messaging import actions, sealing
from pacer.messaging.delivery import deliver
from pacer.messaging.models import Broadcast, Sender
from pacer.messaging.signing import dns_record
from tests.messaging.conftest import person
from tests.messaging.test_broadcasts import setup_broadcast

pytestmark = pytest.mark.django_db


@pytest.fixture
def sender(workspace):
    return actions.save_sender(workspace, name="Acme", from_email="news@acme.test")


def _state(sender) -> tuple:
    sender = Sender.objects.get(pk=sender.pk)
    fields = ("name", "from_email", "reply_to", "dkim_selector", "dkim_key_sealed")
    return tuple(getattr(sender, field) for field in fields)


def test_a_sender_is_changed_and_audited(client, workspace, admin, sender):
    client.force_login(admin)
    page = f"/messages/senders/{sender.pk}/"
    answer = client.post(
        page, {"form": "edit", "name": "Acme News", "from_email": "Hi@Acme.test ", "reply_to": ""}
    )
    assert (answer.status_code, answer["Location"]) == (302, page)
    assert _state(sender) == ("Acme News", "hi@acme.test", "", "", "")
    client.post(
        page,
        {"form": "edit", "name": "Acme News", "from_email": "hi@acme.test", "reply_to": "r@x.test"},
    )
    assert _state(sender)[2] == "r@x.test"
    entries = AuditEntry.objects.filter(action="messaging.sender_changed").order_by("pk")
    assert [(e.before["name"], e.after["name"], e.after["reply_to"]) for e in entries] == [
        ("Acme", "Acme News", ""),
        ("Acme News", "Acme News", "r@x.test"),
    ]
    assert entries[0].actor == admin and "dkim_key_sealed" not in entries[0].after


def test_bad_input_is_refused_inline_naming_the_field_with_nothing_saved(
    client, workspace, admin, sender
):
    client.force_login(admin)
    page = f"/messages/senders/{sender.pk}/"
    before = _state(sender)
    refused = client.post(
        page, {"form": "edit", "name": "", "from_email": "nope", "reply_to": "also nope"}
    )
    assert refused.status_code == 422
    shown = refused.content.decode()
    assert 'href="#field-name"' in shown and 'href="#field-from_email"' in shown
    assert (
        'href="#field-reply_to"' in shown and "Reply-To address: must be an email address" in shown
    )
    assert 'value="nope"' in shown  # what was typed stays in the form
    bad_selector = client.post(page, {"form": "rotate", "dkim_selector": "bad selector!"})
    assert bad_selector.status_code == 422
    assert 'href="#field-rotate-dkim_selector"' in bad_selector.content.decode()
    assert _state(sender) == before
    assert not AuditEntry.objects.filter(object_type="Sender").exists()


def test_rotating_makes_a_new_sealed_key_that_signs_and_shows_only_its_record(
    client, workspace, admin, sender, smtp, now
):
    client.force_login(admin)
    page = f"/messages/senders/{sender.pk}/"
    assert 'id="dkim-none"' in client.get(page).content.decode()
    assert client.post(page, {"form": "rotate", "dkim_selector": "S2026"}).status_code == 302
    first = Sender.objects.get(pk=sender.pk)
    pem = sealing.open_dkim_key(first)
    assert first.dkim_selector == "s2026" and first.dkim_key_sealed.startswith("v2:")
    private = serialization.load_pem_private_key(pem.encode(), password=None)
    assert private.key_size == 2048
    public = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    record = f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"
    shown = client.get(page).content.decode()
    assert "s2026._domainkey.acme.test" in shown and record in shown
    assert "PRIVATE KEY" not in shown and pem.splitlines()[3] not in shown
    assert first.dkim_key_sealed not in shown

    # messages are signed with it: dkimpy verifies against the record the page showed
    person(workspace, "ada@x.test", "Ada")
    actions.queue_broadcast(workspace, setup_broadcast(workspace, sender=first).pk)
    assert deliver() == 1

    def dns(name, timeout=5):
        return record.encode() if name == b"s2026._domainkey.acme.test." else None

    assert dkim.verify(smtp.messages[0][2], dnsfunc=dns)

    client.post(page, {"form": "rotate", "dkim_selector": "s2027"})
    second = Sender.objects.get(pk=sender.pk)
    assert second.dkim_selector == "s2027"
    assert sealing.open_dkim_key(second) != pem
    assert dns_record(sealing.open_dkim_key(second)) in client.get(page).content.decode()
    rotations = AuditEntry.objects.filter(action="messaging.sender_key_rotated").order_by("pk")
    assert [(e.before["dkim_selector"], e.after["dkim_selector"]) for e in rotations] == [
        ("", "s2026"),
        ("s2026", "s2027"),
    ]
    assert all(pem not in str(e.after) for e in rotations)


def test_delete_is_refused_while_a_broadcast_uses_the_sender(client, workspace, admin, sender):
    client.force_login(admin)
    page = f"/messages/senders/{sender.pk}/"
    broadcast = setup_broadcast(workspace, sender=sender)
    for status, reason in (
        ("queued", "broadcast 'Spring sale' is scheduled or sending with it"),
        ("draft", "broadcast 'Spring sale' is a draft with it: give it another sender"),
        ("sent", "broadcast 'Spring sale' was sent with it (its report counts by sender)"),
    ):
        Broadcast.objects.filter(pk=broadcast.pk).update(status=status)
        refused = client.post(page, {"form": "delete"})
        assert refused.status_code == 422
        shown = html.unescape(refused.content.decode())
        assert f"Sender: cannot be deleted: {reason}" in shown
        assert Sender.objects.filter(pk=sender.pk).exists()
    assert not AuditEntry.objects.filter(action="messaging.sender_deleted").exists()

    Broadcast.objects.filter(pk=broadcast.pk).delete()
    answer = client.post(page, {"form": "delete"})
    assert (answer.status_code, answer["Location"]) == (302, "/messages/")
    assert not Sender.objects.filter(pk=sender.pk).exists()
    entry = AuditEntry.objects.get(action="messaging.sender_deleted")
    assert (entry.object_id, entry.before["from_email"]) == (str(sender.pk), "news@acme.test")


def test_only_who_may_send_in_the_senders_workspace_reach_the_page(client, workspace, sender):
    page = f"/messages/senders/{sender.pk}/"
    before = _state(sender)
    client.force_login(core.create_user(workspace, "ana", "correct-horse-1", "analyst"))
    assert client.get(page).status_code == 403
    assert client.post(page, {"form": "delete"}).status_code == 403
    assert client.post(page, {"form": "rotate", "dkim_selector": "x"}).status_code == 403
    other = core.create_workspace("Other", slug="other")
    client.force_login(core.create_user(other, "eve", "correct-horse-1", "admin"))
    assert client.get(page).status_code == 404
    assert client.post(page, {"form": "delete"}).status_code == 404
    assert _state(sender) == before and Sender.objects.count() == 1
    assert not AuditEntry.objects.filter(object_type="Sender").exists()
