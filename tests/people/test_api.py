"""A contact's events and consent through the REST API."""

import pytest

from pacer.core import actions
from pacer.people.models import Contact

pytestmark = pytest.mark.django_db


def test_contact_timeline_and_consent(client, workspace, admin, tracker):
    tracker.batch(
        [
            {
                "type": "page",
                "messageId": "p1",
                "userId": "u1",
                "name": "Home",
                "timestamp": "2026-03-01T10:00:00Z",
            },
            {
                "type": "track",
                "messageId": "t1",
                "userId": "u1",
                "event": "Signed Up",
                "timestamp": "2026-03-01T10:05:00Z",
            },
            {
                "type": "track",
                "messageId": "c1",
                "userId": "u1",
                "event": "Consent Updated",
                "properties": {"channel": "email", "purpose": "marketing", "granted": True},
                "timestamp": "2026-03-01T10:06:00Z",
            },
            {
                "type": "track",
                "messageId": "c2",
                "userId": "u1",
                "event": "Consent Updated",
                "properties": {"channel": "email", "purpose": "marketing", "granted": False},
                "timestamp": "2026-03-02T10:06:00Z",
            },
        ]
    )
    contact = Contact.objects.get()
    _, token = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    events = client.get(f"/api/people/contacts/{contact.pk}/events?limit=2", **auth).json()
    assert [e["message_id"] for e in events] == ["c2", "c1"]
    consent = client.get(f"/api/people/contacts/{contact.pk}/consent", **auth).json()
    assert consent == [{"channel": "email", "purpose": "marketing", "granted": False}]
    assert client.get("/api/people/contacts/999999/events", **auth).status_code == 404
    other = actions.create_workspace("Other", slug="other")
    outsider = actions.create_user(other, "kim", "long-password", "admin")
    _, other_token = actions.issue_api_key(other, "personal", "x", user=outsider)
    hidden = client.get(
        f"/api/people/contacts/{contact.pk}/events", HTTP_AUTHORIZATION=f"Bearer {other_token}"
    )
    assert hidden.status_code == 404
