"""Rules of ``pacer.ingest.actions`` that its seeded mutant sample (stop 39, ``5:3910``)
showed no test pinned: each test here fails on the mutants named in docs/testing.md."""

from datetime import UTC, datetime

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.ingest.actions import accept, discard, ingest, reprocess, set_allowed_origins
from pacer.ingest.models import Event, TrackingOrigin
from pacer.ingest.processing import process_pending
from pacer.people.commerce import MAX_AMOUNT
from pacer.people.models import Product

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


def _held(workspace) -> Event:
    """A quarantined order (its cost, from the catalogue, overflows)."""
    Product.objects.create(workspace=workspace, sku="yacht", unit_cost=MAX_AMOUNT)
    order = {
        "type": "track",
        "messageId": "yachts",
        "userId": "u1",
        "event": "Order Completed",
        "timestamp": "2026-03-02T09:00:00Z",
        "properties": {"total": 5, "products": [{"sku": "yacht", "price": 1, "quantity": 1000}]},
    }
    assert [r.status for r in accept(workspace, [order], received_at=AT)] == ["accepted"]
    process_pending(workspace)
    held = Event.objects.get(message_id="yachts")
    assert held.quarantined_at is not None
    return held


def test_reprocessing_records_who_and_both_ids_and_clears_the_reason(workspace, admin):
    held = _held(workspace)
    reason = held.quarantine_reason
    again = reprocess(workspace, held.pk, actor=admin)
    stored = Event.objects.get(message_id="yachts")
    assert stored.pk == again.pk != held.pk
    assert (stored.pending, stored.quarantined_at, stored.quarantine_reason) == (True, None, "")
    entry = AuditEntry.objects.get(action="event.reprocess")
    assert (entry.workspace_id, entry.actor_id) == (workspace.pk, admin.pk)
    assert entry.before == {"event_id": held.pk, "reason": reason}
    assert entry.after == {"event_id": again.pk}


def test_discarding_records_who_and_what_was_thrown_away(workspace, admin):
    held = _held(workspace)
    discard(workspace, held.pk, actor=admin)
    assert not Event.objects.filter(message_id="yachts").exists()
    entry = AuditEntry.objects.get(action="event.discard")
    assert (entry.workspace_id, entry.actor_id) == (workspace.pk, admin.pk)
    assert entry.before == {"message_id": "yachts", "reason": held.quarantine_reason}


def test_a_quarantined_event_is_reached_only_from_its_own_workspace(workspace):
    held = _held(workspace)
    other = core_actions.create_workspace("Other", slug="other")
    for act in (reprocess, discard):
        with pytest.raises(ValidationFailed) as refused:
            act(other, held.pk)
        assert refused.value.errors == {
            "event_id": "no quarantined event with this id in this workspace"
        }
    assert Event.objects.get(pk=held.pk).quarantined_at is not None
    assert not AuditEntry.objects.filter(action__startswith="event.").exists()


def test_an_event_not_quarantined_is_neither_reprocessed_nor_discarded(workspace):
    accept(workspace, [{"type": "page", "messageId": "p", "userId": "u"}], received_at=AT)
    process_pending(workspace)
    event = Event.objects.get(message_id="p")
    for act in (reprocess, discard):
        with pytest.raises(ValidationFailed):
            act(workspace, event.pk)
    assert Event.objects.filter(pk=event.pk, pending=False, quarantined_at=None).exists()


def test_setting_origins_records_who_and_the_lists_before_and_after(workspace, admin):
    set_allowed_origins(workspace, ["https://a.test"], actor=admin)
    set_allowed_origins(workspace, ["https://c.test", "https://b.test"], actor=admin)
    first, second = AuditEntry.objects.filter(action="ingest.origins").order_by("id")
    assert (first.workspace_id, first.actor_id) == (workspace.pk, admin.pk)
    assert (first.before, first.after) == ({"origins": []}, {"origins": ["https://a.test"]})
    assert second.before == {"origins": ["https://a.test"]}
    assert second.after == {"origins": ["https://b.test", "https://c.test"]}


def test_an_origin_already_allowed_is_kept_when_the_list_is_replaced(workspace):
    set_allowed_origins(workspace, ["https://a.test", "https://b.test"])
    kept = set_allowed_origins(workspace, ["HTTPS://B.test/", "https://c.test"])
    assert kept == ["https://b.test", "https://c.test"]
    stored = TrackingOrigin.objects.filter(workspace=workspace).values_list("origin", flat=True)
    assert sorted(stored) == ["https://b.test", "https://c.test"]


def test_a_hundred_origins_are_allowed(workspace):
    origins = [f"https://s{i}.test" for i in range(100)]
    assert set_allowed_origins(workspace, origins) == sorted(origins)


def test_the_same_message_id_in_another_workspace_is_not_a_duplicate(workspace):
    other = core_actions.create_workspace("Other", slug="other")
    page = {"type": "page", "messageId": "m1", "userId": "u"}
    assert accept(other, [page], received_at=AT)[0].status == "accepted"
    assert accept(workspace, [page], received_at=AT)[0].status == "accepted"
    assert accept(workspace, [page], received_at=AT)[0].status == "duplicate"
    assert Event.objects.filter(message_id="m1", workspace=workspace).count() == 1


def test_identify_group_and_alias_store_their_own_fields_as_properties(workspace):
    messages = [
        {"type": "identify", "messageId": "i", "userId": "u", "traits": {"plan": "gold"}},
        {"type": "group", "messageId": "g", "userId": "u", "groupId": "g1", "traits": {"n": 2}},
        {"type": "alias", "messageId": "a", "userId": "u", "previousId": "anon"},
    ]
    results = accept(workspace, messages, received_at=AT)
    assert [r.status for r in results] == ["accepted"] * 3
    stored = dict(Event.objects.values_list("message_id", "properties"))
    assert stored == {
        "i": {"traits": {"plan": "gold"}},
        "g": {"groupId": "g1", "traits": {"n": 2}},
        "a": {"previousId": "anon"},
    }


def test_all_or_nothing_stores_every_message_when_none_is_refused(workspace):
    pages = [{"type": "page", "messageId": f"p{i}", "userId": "u"} for i in range(2)]
    results = accept(workspace, pages, received_at=AT, all_or_nothing=True)
    assert [(r.message_id, r.status, r.error) for r in results] == [
        ("p0", "accepted", ""),
        ("p1", "accepted", ""),
    ]
    assert sorted(Event.objects.values_list("message_id", flat=True)) == ["p0", "p1"]


def test_ingest_accepts_and_processes_at_once(workspace):
    results = ingest(workspace, [{"type": "page", "messageId": "p", "userId": "u"}], received_at=AT)
    assert [r.status for r in results] == ["accepted"]
    event = Event.objects.get()
    assert (event.message_id, event.pending) == ("p", False) and event.contact_id is not None


def test_a_long_utm_medium_is_cut_to_its_100_character_column(workspace):
    url = "https://shop.test/?utm_source=s&utm_medium=" + "m" * 150
    page = {"type": "page", "messageId": "p", "userId": "u", "properties": {"url": url}}
    assert accept(workspace, [page], received_at=AT)[0].status == "accepted"
    assert Event.objects.get().utm_medium == "m" * 100
