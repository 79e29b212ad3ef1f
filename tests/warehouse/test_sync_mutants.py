"""What the sync's own tests left open, found by mutation testing (docs/testing.md)."""

import pytest
from django.utils import timezone

from pacer.ingest.actions import ingest
from pacer.warehouse.models import SyncRun
from pacer.warehouse.sync import default_store, sync

pytestmark = pytest.mark.django_db


def visit(workspace, message_id: str) -> None:
    ingest(
        workspace,
        [
            {
                "type": "page",
                "messageId": message_id,
                "anonymousId": "anon",
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
