"""A contact's events and consent through the REST API."""

from decimal import Decimal

import pytest

from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.people.actions import upsert_products
from pacer.people.models import Contact, Product
from tests.api_client import ApiClient

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


def refused(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["errors"]


def test_contacts_are_paged_within_bounds(workspace, admin, tracker):
    tracker.batch(
        [
            {"type": "identify", "messageId": f"i{n}", "userId": f"u{n}", "traits": {}}
            for n in range(3)
        ]
    )
    api = ApiClient(workspace, admin)
    newest_first = [c["id"] for c in api.get("people/contacts").json()]
    assert len(newest_first) == 3 and newest_first == sorted(newest_first, reverse=True)
    assert [c["id"] for c in api.get("people/contacts", offset=1, limit=1).json()] == [
        newest_first[1]
    ]
    assert api.get("people/contacts", offset=10_000_000).json() == []
    assert refused(api.get("people/contacts", offset=-1)) == {
        "offset": "Input should be greater than or equal to 0"
    }
    assert refused(api.get("people/contacts", offset=10**20)) == {
        "offset": "Input should be less than or equal to 10000000"
    }
    assert refused(api.get("people/contacts", limit=0, stage="vip")) == {
        "stage": "'vip' is not one of '', 'subscriber', 'lead', 'mql', 'sql', 'opportunity', "
        "'customer', 'evangelist' or 'other'",
        "limit": "Input should be greater than or equal to 1",
    }
    assert refused(api.get("people/contacts", search="a\x00")) == {
        "search": "must not contain NUL characters"
    }
    assert refused(api.get(f"people/contacts/{2**63}")) == {
        "contact_id": "Input should be less than or equal to 9223372036854775807"
    }


def test_prices_beyond_their_decimal_12_2_column_are_refused(workspace):
    """Prices and unit costs are Decimal(12, 2): PostgreSQL would raise on more."""
    with pytest.raises(ValidationFailed) as refusal:
        upsert_products(workspace, [{"sku": "S", "price": "10000000000", "unit_cost": 1e15}])
    assert refusal.value.errors == {"rows[0].price": "must be at most 9,999,999,999.99"}
    assert not Product.objects.exists()
    (product,) = upsert_products(workspace, [{"sku": "S", "price": "9999999999.99"}])
    assert Product.objects.get().price == Decimal("9999999999.99") == product.price
