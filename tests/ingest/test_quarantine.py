"""An event processing cannot write is set aside with its reason; the rest go on.

Quarantined events are listed on the ingestion page and the REST API, can be processed
again (reaching the warehouse once) or discarded, and never block the warehouse sync.
"""

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry, ChangeBatch
from pacer.ingest.actions import reprocess
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.people.commerce import MAX_AMOUNT
from pacer.people.models import Contact, Order, Product
from pacer.warehouse.sync import default_store, sync
from tests.ingest.test_limits import _assert_contact_surfaces_answer

pytestmark = pytest.mark.django_db

MAX_ORDER = {
    "type": "track",
    "userId": "whale",
    "event": "Order Completed",
    "timestamp": "2026-03-02T09:00:00Z",
    "properties": {"total": str(MAX_AMOUNT)},
}


def _page(mid: str, user: str, ts: str = "2026-03-03T09:00:00Z") -> dict:
    return {"type": "page", "messageId": mid, "userId": user, "name": "Home", "timestamp": ts}


def _orders(start: int, count: int) -> list[dict]:
    return [
        {
            **MAX_ORDER,
            "messageId": f"o{i}",
            "properties": {**MAX_ORDER["properties"], "order_id": i},
        }
        for i in range(start, start + count)
    ]


def _feed_event_ids(workspace) -> list[int]:
    """Every event id the change feed announced as processed, with repeats."""
    ids = []
    for first, last in ChangeBatch.objects.filter(workspace=workspace, source="events").values_list(
        "first_event_id", "last_event_id"
    ):
        ids += Event.objects.filter(workspace=workspace, id__gte=first, id__lte=last).values_list(
            "id", flat=True
        )
    return ids


def test_an_order_past_the_revenue_a_contact_holds_is_quarantined_and_the_rest_processed(
    tracker, workspace, admin
):
    # 100 of the largest orders fill a contact's revenue column; the 101st cannot be added
    batch = [*_orders(0, 101), _page("after", "whale"), _page("other", "minnow")]
    response = tracker.batch(batch, process=False)
    assert response.json()["accepted"] == 103
    assert process_pending(workspace) == 103

    (held,) = Event.objects.filter(quarantined_at__isnull=False)
    assert held.message_id == "o100" and not held.pending and held.contact_id is None
    assert held.quarantine_reason.startswith("contact.revenue: would reach 1,009,999,999,998.99")
    assert not Event.objects.filter(pending=True).exists()
    whale = Contact.objects.get(identities__value="whale")
    assert whale.order_count == 100 and whale.revenue == 100 * MAX_AMOUNT
    assert Order.objects.count() == 100
    assert whale.last_seen_at.isoformat() == "2026-03-03T09:00:00+00:00"
    assert Contact.objects.filter(identities__value="minnow").exists()
    processed = set(Event.objects.filter(contact__isnull=False).values_list("id", flat=True))
    announced = _feed_event_ids(workspace)
    assert sorted(announced) == sorted(processed) and held.pk not in announced
    _assert_contact_surfaces_answer(admin)


def test_events_stored_before_validation_existed_are_quarantined_not_retried_forever(
    tracker, workspace
):
    tracker.batch([_page("p1", "u1")], process=False)
    # an order event as an older version could have stored it: its total is not a number
    Event.objects.create(
        workspace=workspace,
        message_id="legacy",
        type="track",
        event="Order Completed",
        user_id="u1",
        timestamp=timezone.now(),
        received_at=timezone.now(),
        pending=True,
        properties={"total": "lots"},
    )
    tracker.batch([_page("p2", "u1")], process=False)
    assert process_pending(workspace) == 3
    legacy = Event.objects.get(message_id="legacy")
    assert legacy.quarantine_reason == "properties.total: 'lots' is not a number"
    assert set(
        Event.objects.filter(pending=False, contact__isnull=False).values_list(
            "message_id", flat=True
        )
    ) == {"p1", "p2"}
    assert process_pending(workspace) == 0


def _cost_overflow(tracker, workspace):
    """p1, a quarantined order whose cost (from the catalogue) overflows, then p2."""
    Product.objects.create(workspace=workspace, sku="yacht", unit_cost=MAX_AMOUNT)
    order = {
        "type": "track",
        "messageId": "yachts",
        "userId": "u1",
        "event": "Order Completed",
        "timestamp": "2026-03-02T09:00:00Z",
        "properties": {"total": 5, "products": [{"sku": "yacht", "price": 1, "quantity": 1000}]},
    }
    tracker.batch([_page("p1", "u1"), order, _page("p2", "u1")])
    held = Event.objects.get(message_id="yachts")
    assert held.quarantine_reason.startswith("order.cost: order yachts would hold")
    return held


@pytest.mark.django_db(transaction=True)
def test_a_quarantined_event_does_not_block_the_sync_and_reaches_it_once_reprocessed(
    tracker, workspace
):
    held = _cost_overflow(tracker, workspace)
    assert sync().rows["events"] == 2  # p1 and p2: the sync went past the held event
    store = default_store()
    assert store.cursor("events") > held.pk

    Product.objects.filter(sku="yacht").update(unit_cost=Decimal("10.00"))  # the fix
    again = reprocess(workspace, held.pk)
    assert again.pk > store.cursor("events") and again.pending
    assert not Event.objects.filter(pk=held.pk).exists()
    assert process_pending(workspace) == 1
    assert Order.objects.get().cost == Decimal("10000.00")
    assert sync().rows["events"] == 1
    rows = store.arrow("events").to_pylist()
    assert sorted(r["message_id"] for r in rows) == ["p1", "p2", "yachts"]
    contact = Contact.objects.get()
    assert {r["contact_id"] for r in rows} == {contact.pk}
    assert sync().rows["events"] == 0


def test_admins_see_reprocess_and_discard_quarantined_events_on_the_ingestion_page(
    tracker, workspace, admin
):
    held = _cost_overflow(tracker, workspace)
    core_actions.create_user(workspace, "sam", "long-password", "marketer")
    client = Client()
    client.login(username="sam", password="long-password")
    assert client.get("/settings/ingestion/").status_code == 403
    assert client.post(f"/settings/ingestion/{held.pk}/discard/").status_code == 403
    assert Event.objects.filter(pk=held.pk).exists()

    client.login(username="ada", password="correct-horse-1")
    html = client.get("/settings/ingestion/").content.decode()
    assert "yachts" in html and "order.cost: order yachts would hold" in html
    client.post(f"/settings/ingestion/{held.pk}/reprocess/")
    assert Event.objects.get(message_id="yachts").pending
    process_pending(workspace)  # still too costly: set aside again, under its new id
    held = Event.objects.get(message_id="yachts")
    assert held.quarantined_at is not None
    response = client.post(f"/settings/ingestion/{held.pk}/discard/", follow=True)
    assert "The event is discarded." in response.content.decode()
    assert not Event.objects.filter(message_id="yachts").exists()
    assert list(
        AuditEntry.objects.filter(action__startswith="event.").values_list("action", flat=True)
    ) == ["event.discard", "event.reprocess"]
    missing = client.post(f"/settings/ingestion/{held.pk}/discard/", follow=True)
    assert "event_id: no quarantined event" in missing.content.decode()


def test_the_rest_api_lists_reprocesses_and_discards_quarantined_events(tracker, workspace, admin):
    held = _cost_overflow(tracker, workspace)
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    listed = client.get("/api/ingest/quarantine")
    assert listed.status_code == 200
    (item,) = listed.json()
    assert item["id"] == held.pk and item["message_id"] == "yachts"
    assert item["reason"].startswith("order.cost:") and item["properties"]["total"] == 5
    assert client.get("/api/ingest/quarantine?limit=0").status_code == 422
    assert client.get("/api/ingest/quarantine?limit=501").status_code == 422
    assert client.post(f"/api/ingest/quarantine/{2**70}/reprocess").status_code == 422
    assert client.post("/api/ingest/quarantine/999999/reprocess").status_code == 404

    again = client.post(f"/api/ingest/quarantine/{held.pk}/reprocess")
    assert again.status_code == 200 and again.json()["pending"] is True
    assert again.json()["id"] > held.pk
    assert client.get("/api/ingest/quarantine").json() == []
    process_pending(workspace)
    held = Event.objects.get(message_id="yachts")
    assert client.post(f"/api/ingest/quarantine/{held.pk}/discard").status_code == 204
    assert not Event.objects.filter(message_id="yachts").exists()

    staff = core_actions.create_user(workspace, "sam", "long-password", "analyst")
    _, staff_token = core_actions.issue_api_key(workspace, "personal", "s", user=staff)
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {staff_token}").get("/api/ingest/quarantine").status_code
        == 403
    )


def test_another_workspace_cannot_see_or_touch_quarantined_events(tracker, workspace, admin):
    held = _cost_overflow(tracker, workspace)
    other = core_actions.create_workspace("Other", slug="other")
    boss = core_actions.create_user(other, "bo", "long-password", "admin")
    _, token = core_actions.issue_api_key(other, "personal", "t", user=boss)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/ingest/quarantine").json() == []
    assert client.post(f"/api/ingest/quarantine/{held.pk}/discard").status_code == 404
    assert Event.objects.filter(pk=held.pk, quarantined_at__isnull=False).exists()
