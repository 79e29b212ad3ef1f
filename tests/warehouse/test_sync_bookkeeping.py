"""The sync's bookkeeping without killing a process: a run a dead process left running is
closed as interrupted and makes the next sync rebuild the derived tables, a failed run
says why, a busy run is only a record, and progress is reported per chunk (found by
mutation testing: docs/testing.md; the kills themselves are in test_crash.py)."""

import pytest
from django.utils import timezone

from pacer.ingest.actions import ingest
from pacer.warehouse.models import SyncRun
from pacer.warehouse.sync import INTERRUPTED, default_store, last_sync, sync

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = (
    "events",
    "orders",
    "contacts",
    "spend",
    "locations",
    "contact_profiles",
    "consents",
    "order_lines",
    "message_clicks",
)


def visits(workspace, count: int, start: int = 0) -> None:
    ingest(
        workspace,
        [
            {
                "type": "page",
                "messageId": f"m{i}",
                "anonymousId": f"anon-{i}",
                "timestamp": "2026-01-05T09:00:00Z",
            }
            for i in range(start, start + count)
        ],
        received_at=timezone.now(),
    )


def test_a_run_a_dead_process_left_running_is_closed_and_the_next_sync_rebuilds(workspace):
    visits(workspace, 3)
    rebuilt = []
    first = sync(after_sync=rebuilt.append)
    dead = SyncRun.objects.create()  # as a process killed mid-sync leaves it
    assert dead.status == "running"
    second = sync(after_sync=rebuilt.append)
    dead.refresh_from_db()
    assert (dead.status, dead.error) == ("failed", INTERRUPTED)
    assert dead.finished_at is not None and dead.finished_at <= second.finished_at
    assert second.status == "done" and set(second.rows.values()) == {0}
    assert second.rows == dict.fromkeys(TABLES, 0)
    assert len(rebuilt) == 2  # nothing new, but the dead run may have changed tables
    assert sync(after_sync=rebuilt.append).status == "done"
    assert len(rebuilt) == 2  # the last run finished: nothing to rebuild
    first.refresh_from_db()
    assert (first.status, first.error) == ("done", "")


def test_a_busy_run_between_does_not_hide_a_failed_one(workspace):
    visits(workspace, 2)
    rebuilt = []
    sync(after_sync=rebuilt.append)
    SyncRun.objects.create(status="failed", error="boom", finished_at=timezone.now())
    with default_store().lock() as held:
        assert held
        busy = sync(after_sync=rebuilt.append)
    assert (busy.status, busy.rows, busy.error) == ("busy", {}, "")
    assert busy.finished_at is not None
    assert len(rebuilt) == 1  # a busy run rebuilds nothing
    sync(after_sync=rebuilt.append)
    assert len(rebuilt) == 2
    failed = SyncRun.objects.get(error="boom")
    assert failed.status == "failed"  # a finished run is not closed again


def test_a_sync_that_fails_is_recorded_with_its_error_and_raises(workspace):
    visits(workspace, 2)

    def broken(store):
        raise RuntimeError("cube exploded")

    with pytest.raises(RuntimeError, match="cube exploded"):
        sync(after_sync=broken)
    run = SyncRun.objects.get()
    assert (run.status, run.error) == ("failed", "RuntimeError('cube exploded')")
    assert run.finished_at is not None and run.rows == {}
    assert last_sync() is None
    rebuilt = []
    done = sync(after_sync=rebuilt.append)
    assert len(rebuilt) == 1  # the failed run may have left the cube stale
    assert last_sync() == done


def test_last_sync_is_the_newest_finished_run(workspace):
    assert last_sync() is None
    visits(workspace, 1)
    first = sync()
    assert last_sync() == first
    second = sync()
    with default_store().lock():
        assert sync().status == "busy"
    assert last_sync() == second


def test_progress_is_reported_per_chunk_of_each_table(workspace, settings):
    settings.WAREHOUSE_SYNC_CHUNK = 2
    visits(workspace, 5)
    progress = []
    run = sync(on_progress=lambda name, rows: progress.append((name, rows)))
    # each chunk of an append table as it is committed (none for an empty one), each
    # snapshot once with all its rows, in the tables' registered order
    assert progress == [
        ("contacts", 5),
        ("locations", 0),
        ("events", 2),
        ("events", 2),
        ("events", 1),
        ("spend", 0),
        ("contact_profiles", 5),
    ]
    assert run.rows["events"] == 5 and run.rows["contacts"] == 5
    # a second run with nothing new reports the snapshots again, and no chunk of events
    again = []
    sync(chunk=2, on_progress=lambda name, rows: again.append((name, rows)))
    assert again == [("contacts", 5), ("locations", 0), ("spend", 0), ("contact_profiles", 5)]
