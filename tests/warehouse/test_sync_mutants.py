"""What the sync's own tests left open, found by mutation testing (docs/testing.md)."""

from contextlib import ExitStack

import pytest
from django.utils import timezone

from pacer.core import faults
from pacer.ingest.actions import ingest
from pacer.warehouse.models import SyncRun
from pacer.warehouse.sync import default_store, sync

pytestmark = pytest.mark.django_db


def visit(workspace, message_id: str, anonymous_id: str = "anon") -> None:
    ingest(
        workspace,
        [
            {
                "type": "page",
                "messageId": message_id,
                "anonymousId": anonymous_id,
                "timestamp": "2026-01-05T09:00:00Z",
            }
        ],
        received_at=timezone.now(),
    )


def runs() -> list[tuple[str, str, bool]]:
    """Each run's status, error and whether it has finished, oldest first."""
    rows = SyncRun.objects.order_by("pk").values_list("status", "error", "finished_at")
    return [(status, error, finished is not None) for status, error, finished in rows]


def test_a_run_reads_running_while_it_syncs_and_leaves_the_runs_before_it_alone(workspace):
    visit(workspace, "m1")
    sync()
    visit(workspace, "m2")
    seen = []
    sync(on_progress=lambda name, rows: seen.append(runs()))
    # every time the sync reported progress, it was running, unfinished, without error,
    # and the finished run before it was still done
    assert seen and all(state == [("done", "", True), ("running", "", False)] for state in seen)
    assert runs() == [("done", "", True), ("done", "", True)]


def test_a_busy_run_after_a_finished_one_makes_the_next_sync_rebuild_nothing(workspace):
    visit(workspace, "m1")
    rebuilt = []
    sync(after_sync=rebuilt.append)
    with default_store().lock():
        assert sync(after_sync=rebuilt.append).status == "busy"
    assert sync(after_sync=rebuilt.append).status == "done"
    # nothing new, and the last run that did any work finished: the busy one between is
    # only a record, not a run that may have left the derived tables stale
    assert len(rebuilt) == 1
    assert [status for status, _, _ in runs()] == ["done", "busy", "done"]


def test_the_sync_passes_its_fault_points_where_the_crash_tests_kill_it(workspace, settings):
    """The SIGKILL tests (test_crash.py) arm these points by name: each is reached once
    per committed chunk of an append table, before the derived tables are rebuilt, and
    before the run is marked done."""
    settings.WAREHOUSE_SYNC_CHUNK = 2
    for number in range(5):
        visit(workspace, f"m{number}", f"anon-{number}")
    log = []

    def reached(point: str):
        return lambda: log.append((point, runs()[-1][0]))  # with the run's status then

    with ExitStack() as stack:
        for point in ("between_chunks", "before_derived", "before_bookkeeping"):
            stack.enter_context(faults.hooked(f"warehouse.sync.{point}", reached(point)))
        sync(
            on_progress=lambda name, rows: log.append((name, rows)),
            after_sync=lambda store: log.append(("derived", runs()[-1][0])),
        )
    assert log == [
        ("contacts", 5),
        ("locations", 0),
        ("events", 2),
        ("between_chunks", "running"),
        ("events", 2),
        ("between_chunks", "running"),
        ("events", 1),
        ("between_chunks", "running"),
        ("spend", 0),
        ("contact_profiles", 5),
        ("before_derived", "running"),
        ("derived", "running"),
        ("before_bookkeeping", "running"),
    ]
    assert runs()[-1] == ("done", "", True)
