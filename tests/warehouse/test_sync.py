"""The warehouse sync: incremental and idempotent (killing it: test_crash.py)."""

import orjson
import pytest
from deltalake import DeltaTable

from pacer.ingest.actions import accept, ingest
from pacer.ingest.csv_io import import_contacts
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.people.models import Contact
from pacer.warehouse.sync import default_store, sync

pytestmark = pytest.mark.django_db(transaction=True)


def page(i: int) -> dict:
    return {
        "type": "page",
        "messageId": f"m{i}",
        "anonymousId": f"anon-{i % 50}",
        "timestamp": "2026-01-05T09:00:00Z",
        "context": {"page": {"url": "https://s.test/"}},
    }


def load(workspace, start: int, count: int) -> None:
    from django.utils import timezone

    for offset in range(start, start + count, 500):
        ingest(
            workspace,
            [page(i) for i in range(offset, min(offset + 500, start + count))],
            received_at=timezone.now(),
        )


def warehouse_event_ids() -> list[int]:
    return default_store().arrow("events").column("id").to_pylist()


def test_sync_is_incremental_and_a_rerun_adds_nothing(workspace):
    load(workspace, 0, 1200)
    first = sync(chunk=500)
    assert first.rows["events"] == 1200
    assert sync(chunk=500).rows["events"] == 0
    load(workspace, 1200, 300)
    assert sync(chunk=500).rows["events"] == 300
    ids = warehouse_event_ids()
    assert sorted(ids) == sorted(Event.objects.values_list("id", flat=True))
    assert len(ids) == len(set(ids)) == 1500
    assert default_store().cursor("events") == max(ids)


def test_pending_events_reach_the_warehouse_only_once_processed(workspace):
    from django.utils import timezone

    load(workspace, 0, 100)
    accept(workspace, [page(i) for i in range(100, 150)], received_at=timezone.now())
    assert sync().rows["events"] == 100
    assert default_store().cursor("events") == max(
        Event.objects.filter(pending=False).values_list("id", flat=True)
    )
    assert process_pending(workspace) == 50
    assert sync().rows["events"] == 50
    assert sorted(warehouse_event_ids()) == sorted(Event.objects.values_list("id", flat=True))
    assert set(default_store().arrow("events").column("contact_id").to_pylist()) == set(
        Event.objects.values_list("contact_id", flat=True)
    )


def test_sync_of_unchanged_tables_writes_no_new_versions_and_skips_the_cube(workspace):
    load(workspace, 0, 100)
    cube_runs = []
    assert sync(after_sync=cube_runs.append).rows == {
        "events": 100,
        "orders": 0,
        "contacts": 50,
        "spend": 0,
        "locations": 0,
        "contact_profiles": 50,  # segments' snapshot of the contacts
        "consents": 0,
        "order_lines": 0,
        "message_clicks": 0,  # clicks on broadcasts' links (messaging's touchpoints)
    }
    store = default_store()
    snapshots = ("contacts", "spend", "locations", "contact_profiles")
    versions = {name: store.table(name).version() for name in snapshots}
    assert set(sync(after_sync=cube_runs.append).rows.values()) == {0}
    assert {name: store.table(name).version() for name in versions} == versions
    assert len(cube_runs) == 1
    import_contacts(workspace, "email\nnew@x.com\n", {"email": "email"})  # no event rows
    assert sync(after_sync=cube_runs.append).rows["contacts"] == 51
    assert len(cube_runs) == 2


def test_second_sync_while_one_runs_reports_busy(workspace):
    store = default_store()
    with store.lock() as held:
        assert held
        assert sync(store).status == "busy"


def test_synced_rows_keep_their_values(workspace):
    from datetime import UTC, datetime

    from django.utils import timezone

    ingest(
        workspace,
        [
            {
                "type": "track",
                "messageId": "o1",
                "userId": "u1",
                "event": "Order Completed",
                "timestamp": "2026-03-01T10:00:00.250Z",
                "properties": {"order_id": "A-1", "total": 27.5, "note": "ünïcode"},
            }
        ],
        received_at=timezone.now(),
    )
    sync()
    store = default_store()
    event = store.arrow("events").to_pylist()[0]
    assert event["timestamp"] == datetime(2026, 3, 1, 10, 0, 0, 250_000, tzinfo=UTC)
    assert orjson.loads(event["properties"]) == {
        "order_id": "A-1",
        "total": 27.5,
        "note": "ünïcode",
    }
    assert (event["type"], event["event"], event["channel"]) == ("track", "Order Completed", "")
    contact = store.arrow("contacts").to_pylist()[0]
    assert contact["revenue"] == 27.5 and contact["order_count"] == 1
    assert contact["customer_at"] == datetime(2026, 3, 1, 10, 0, 0, 250_000, tzinfo=UTC)
    assert contact["lead_at"] is None and contact["canonical_id"] == contact["id"]
    order = store.arrow("orders").to_pylist()[0]
    assert (order["external_id"], order["total"]) == ("A-1", 27.5)


def test_each_append_commit_carries_the_cursor_of_its_own_rows(workspace):
    """The cursor is written in the same Delta commit as the rows it counts (ADR 0001):
    the only way a kill between "rows written" and "cursor moved" cannot happen."""
    load(workspace, 0, 230)
    sync(chunk=50)
    load(workspace, 230, 70)
    sync(chunk=50)
    table = default_store().table("events")
    versions = sorted(table.history(), key=lambda commit: commit["version"])
    assert [commit["operation"] for commit in versions] == ["WRITE"] * 7
    seen: set[int] = set()
    for commit in versions:
        path = default_store().path("events")
        ids = set(
            DeltaTable(str(path), version=commit["version"])
            .to_pyarrow_table(columns=["id"])
            .column("id")
            .to_pylist()
        )
        added = ids - seen
        assert seen < ids and len(added) == commit["operationMetrics"]["num_added_rows"]
        assert int(commit["pacer.max_id"]) == max(added)
        seen = ids
    assert len(seen) == 300


def test_snapshot_read_in_other_chunks_is_not_rewritten(workspace):
    load(workspace, 0, 120)  # 50 contacts
    assert sync(chunk=7).rows["contacts"] == 50
    version = default_store().table("contacts").version()
    assert sync(chunk=500).rows["contacts"] == 0
    assert default_store().table("contacts").version() == version


def test_each_snapshot_replace_is_one_commit_of_the_whole_table(workspace):
    """Readers see the old snapshot or the new one, never a table in between: every
    version of a snapshot table is the whole source as one sync read it."""
    from django.utils import timezone

    expected = []
    for start in (0, 100, 200):
        visitors = [{**page(i), "anonymousId": f"v-{i}"} for i in range(start, start + 100)]
        ingest(workspace, visitors, received_at=timezone.now())
        sync(chunk=30)
        expected.append(sorted(Contact.objects.values_list("id", flat=True)))
    path = str(default_store().path("contacts"))
    versions = sorted(c["version"] for c in default_store().table("contacts").history())
    assert [
        sorted(
            DeltaTable(path, version=v).to_pyarrow_table(columns=["id"]).column("id").to_pylist()
        )
        for v in versions
    ] == expected
