"""After a warehouse sync that brought rows, the worker refits attribution on the new data
(``pacer.metrics.tasks.refit_after_sync``, queued by ``sync_warehouse``), once per sync
generation, in its own task: the sync does not wait for it."""

from datetime import date

import polars as pl
import pytest
from django_tasks_db.models import DBTaskResult

from pacer.metrics.analysis import SOURCES
from pacer.metrics.refits import read_result, result_path
from pacer.metrics.tasks import refit_after_sync
from pacer.metrics.views import data_bounds
from pacer.warehouse.sync import default_store
from pacer.warehouse.tasks import sync_warehouse
from tests.business_fixture import BRAND, order

pytestmark = pytest.mark.django_db
REFIT = "pacer.metrics.tasks.refit_after_sync"


def _kept(workspace_id: int, by: str) -> pl.DataFrame | None:
    """The result kept for the warehouse's present snapshot and the default range."""
    store = default_store()
    snapshot = tuple(store.snapshot_key(name) for name in SOURCES)
    bounds = data_bounds(workspace_id)
    return read_result(result_path(str(store.root), snapshot, workspace_id, *bounds, by))


def _linear(frame: pl.DataFrame) -> dict:
    rows = frame.filter(pl.col("model") == "linear").to_dicts()
    return {row["channel"]: (row["conversions"], row["revenue"]) for row in rows}


def _queued_refits() -> int:
    return DBTaskResult.objects.ready().filter(task_path=REFIT).count()


def test_a_sync_queues_one_refit_and_the_refit_fits_the_new_data_once(
    workspace, small_business, tracker
):
    synced = sync_warehouse.call()
    assert synced["queued"] == [REFIT]
    assert _queued_refits() == 1
    # the sync did not wait for it: nothing fitted yet
    assert _kept(workspace.pk, "channel") is None
    assert data_bounds(workspace.pk) == (date(2026, 1, 5), date(2026, 2, 15))

    assert refit_after_sync.call() == {"refitted": 2, "kept": 0, "empty": 0, "removed": 0}
    assert _linear(_kept(workspace.pk, "channel")) == {"paid_search": (2, 300), "direct": (0, 0)}
    assert "brand" in set(_kept(workspace.pk, "campaign")["channel"])
    # the same generation again (the task run twice, or a second worker): nothing refitted
    assert refit_after_sync.call() == {"refitted": 0, "kept": 2, "empty": 0, "removed": 0}

    newcomer = [  # D arrives by the brand campaign in February and buys for 100
        {
            "type": "page",
            "messageId": "d1",
            "anonymousId": "anon-d",
            "timestamp": "2026-02-10T09:00:00Z",
            "context": BRAND,
        },
        {
            "type": "identify",
            "messageId": "d2",
            "anonymousId": "anon-d",
            "userId": "D",
            "timestamp": "2026-02-10T09:05:00Z",
            "traits": {"email": "d@x.com"},
        },
        order("d3", "D", "2026-02-20T12:00:00Z", "o9", "S1", 1),
    ]
    assert tracker.batch(newcomer).json()["accepted"] == 3
    assert sync_warehouse.call()["queued"] == [REFIT]
    assert _kept(workspace.pk, "channel") is None  # a new generation, not fitted yet
    assert refit_after_sync.call() == {"refitted": 2, "kept": 0, "empty": 0, "removed": 0}
    assert _linear(_kept(workspace.pk, "channel"))["paid_search"] == (3, 400)
    assert refit_after_sync.call() == {"refitted": 0, "kept": 2, "empty": 0, "removed": 0}


def test_a_sync_that_brings_nothing_queues_no_refit(workspace, small_business):
    sync_warehouse.call()
    queued = _queued_refits()
    assert sync_warehouse.call() == {"status": "done", "rows": _rows_nothing(), "queued": []}
    assert _queued_refits() == queued


def _rows_nothing() -> dict:
    from pacer.warehouse.tables import registered

    return {name: 0 for name in registered()}


def test_the_attribution_page_reads_the_kept_result(workspace, small_business, admin):
    from pacer.metrics import analysis

    sync_warehouse.call()
    refit_after_sync.call()
    analysis._attribution.cache_clear()  # a fresh web process: nothing in its memory
    kept = _kept(workspace.pk, "channel")
    start, end = data_bounds(workspace.pk)
    report = analysis.attribution_report(default_store(), workspace.pk, start, end)
    assert report.equals(kept)
