"""The incremental, idempotent sync from the operational database into the warehouse.

Append tables move the id cursor in the same Delta commit as the rows, so a sync killed
at any point resumes exactly where the last commit left off: nothing lost, nothing twice.
Snapshot tables are replaced in one commit. What is derived from the warehouse (the KPI
cube) is rebuilt when a table changed, or when the previous sync did not finish (it may
have changed tables and died before rebuilding). One sync runs at a time (a file lock);
a second one returns at once as ``busy``.
"""

from collections.abc import Callable

import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from pacer.core import faults
from pacer.core.domains import loaded
from pacer.warehouse.models import SyncRun
from pacer.warehouse.store import Store
from pacer.warehouse.tables import read_rows, registered

INTERRUPTED = "interrupted: the sync process died before it finished"


def default_store() -> Store:
    return Store(settings.WAREHOUSE_DIR)


def sync(
    store: Store | None = None,
    *,
    chunk: int | None = None,
    on_progress: Callable[[str, int], None] | None = None,
    after_sync: Callable[[Store], None] | None = None,
) -> SyncRun:
    """Copy new and changed rows into the warehouse, ``chunk`` rows per commit
    (``WAREHOUSE_SYNC_CHUNK`` by default), then, if anything changed, run ``after_sync``
    (the KPI cube). ``SyncRun.rows`` counts the rows written per table."""
    store = store or default_store()
    chunk = chunk or settings.WAREHOUSE_SYNC_CHUNK
    with store.lock() as acquired:
        if not acquired:
            now = timezone.now()
            return SyncRun.objects.create(status="busy", finished_at=now)
        run = SyncRun.objects.create()
        unfinished = _close_unfinished(run)
        try:
            counts = {}
            for spec in registered().values():
                counts[spec.name] = _sync_table(store, spec, chunk, on_progress)
            faults.point("warehouse.sync.before_derived")
            if after_sync is not None and (unfinished or any(counts.values())):
                after_sync(store)
        except Exception as error:
            run.status, run.error, run.finished_at = "failed", repr(error), timezone.now()
            run.save()
            raise
        faults.point("warehouse.sync.before_bookkeeping")
        run.status, run.rows, run.finished_at = "done", counts, timezone.now()
        run.save()
    return run


def _close_unfinished(run: SyncRun) -> bool:
    """Mark the runs a dead process left ``running`` as failed (none can be running: we
    hold the lock); True when the last run before ``run`` did not finish."""
    SyncRun.objects.filter(status="running", pk__lt=run.pk).update(
        status="failed", error=INTERRUPTED, finished_at=timezone.now()
    )
    previous = SyncRun.objects.filter(pk__lt=run.pk).exclude(status="busy").order_by("-pk")
    last = previous.values_list("status", flat=True).first()
    return last is not None and last != "done"


def _sync_table(store: Store, spec, chunk: int, on_progress) -> int:
    if spec.append:
        copied = 0
        for batch in read_rows(spec, after_id=store.cursor(spec.name), chunk=chunk):
            store.append(spec.name, batch, max_id=batch.column("id")[-1].as_py())
            copied += batch.num_rows
            if on_progress:
                on_progress(spec.name, batch.num_rows)
            faults.point("warehouse.sync.between_chunks")
        return copied
    batches = list(read_rows(spec, chunk=chunk))
    table = pa.Table.from_batches(batches, schema=spec.schema)
    written = table.num_rows if store.replace(spec.name, table) else 0
    if on_progress:
        on_progress(spec.name, table.num_rows)
    return written


def refresh_derived(store: Store) -> None:
    """Rebuild what the domains derive from the warehouse (the KPI cube, ...): each
    domain lists its refreshers, functions of the store, in ``warehouse_refreshers``."""
    for refresh in loaded("warehouse_refreshers"):
        refresh(store)


def last_sync() -> SyncRun | None:
    return SyncRun.objects.filter(status="done").first()
