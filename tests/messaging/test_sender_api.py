"""A sender over the REST API, as on its page: read (the DKIM record, never the key),
changed, its key rotated, deleted only when no broadcast uses it; refusals name the field
and change nothing; another workspace's sender is not found; an analyst only reads."""

import pytest

from pacer.core.models import AuditEntry, Workspace
from pacer.messaging import actions, sealing
from pacer.messaging.models import Sender
from pacer.messaging.signing import dns_record
from tests.messaging.test_api import bearer
from tests.messaging.test_scheduling import make_broadcast

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(client, workspace):
    headers = {role: bearer(workspace, role) for role in ("marketer", "analyst")}

    def send(method, path, body=None, role="marketer"):
        if body is None:
            return getattr(client, method)(f"/api/messaging{path}", **headers[role])
        return getattr(client, method)(
            f"/api/messaging{path}", body, content_type="application/json", **headers[role]
        )

    return send


def _row(sender_id) -> tuple:
    found = Sender.objects.get(pk=sender_id)
    return found.name, found.from_email, found.reply_to, found.dkim_selector, found.dkim_key_sealed


def test_a_sender_is_read_changed_rotated_and_deleted(call, workspace):
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    assert call("get", f"/senders/{sender.pk}").json() == {
        "id": sender.pk,
        "name": "Acme",
        "from_email": "news@acme.test",
        "reply_to": "",
        "dkim_selector": "",
        "dkim": None,
        "in_use": None,
    }
    body = {"name": "Acme News", "from_email": "Hi@Acme.test", "reply_to": "help@acme.test"}
    changed = call("put", f"/senders/{sender.pk}", body)
    assert changed.status_code == 200
    assert changed.json()["from_email"] == "hi@acme.test"
    assert _row(sender.pk) == ("Acme News", "hi@acme.test", "help@acme.test", "", "")

    rotated = call("post", f"/senders/{sender.pk}/dkim-key", {"dkim_selector": "Pacer2026"})
    assert rotated.status_code == 200
    key = sealing.open_dkim_key(Sender.objects.get(pk=sender.pk))
    assert rotated.json()["dkim"] == {
        "name": "pacer2026._domainkey.acme.test",
        "value": dns_record(key),
        "problem": None,
    }
    assert "PRIVATE" not in rotated.content.decode()

    deleted = call("delete", f"/senders/{sender.pk}")
    assert deleted.status_code == 204
    assert not Sender.objects.filter(pk=sender.pk).exists()
    actions_logged = AuditEntry.objects.filter(action__startswith="messaging.sender_")
    assert sorted(actions_logged.values_list("action", flat=True)) == [
        "messaging.sender_changed",
        "messaging.sender_deleted",
        "messaging.sender_key_rotated",
    ]


def test_refusals_name_the_field_and_change_nothing(call, workspace):
    broadcast = make_broadcast(workspace)
    sender = broadcast.sender
    before, audited = _row(sender.pk), AuditEntry.objects.count()
    bad = {"name": "Acme", "from_email": "not-an-address", "reply_to": ""}
    refused = call("put", f"/senders/{sender.pk}", bad)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"from_email": "must be an email address"}
    refused = call("post", f"/senders/{sender.pk}/dkim-key", {"dkim_selector": "bad selector"})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["dkim_selector"]
    refused = call("delete", f"/senders/{sender.pk}")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "sender": "cannot be deleted: broadcast 'B' is a draft with it: give it another "
        "sender or delete it first"
    }
    assert call("get", f"/senders/{sender.pk}").json()["in_use"] == (
        "broadcast 'B' is a draft with it: give it another sender or delete it first"
    )
    assert call("delete", f"/senders/{sender.pk}", role="analyst").status_code == 403
    body = {"name": "X", "from_email": "x@acme.test", "reply_to": ""}
    assert call("put", f"/senders/{sender.pk}", body, role="analyst").status_code == 403
    other = Workspace.objects.create(name="Other", slug="other")
    theirs = actions.save_sender(other, name="Them", from_email="them@other.test")
    for method, path, payload in (
        ("get", f"/senders/{theirs.pk}", None),
        ("put", f"/senders/{theirs.pk}", body),
        ("delete", f"/senders/{theirs.pk}", None),
    ):
        answer = call(method, path, payload)
        assert answer.status_code == 404, (method, answer.content)
        assert answer.json()["errors"] == {"sender_id": "no such sender in this workspace"}
    assert (_row(sender.pk), AuditEntry.objects.count()) == (before, audited)
    assert Sender.objects.get(pk=theirs.pk).from_email == "them@other.test"
