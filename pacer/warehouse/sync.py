"""The incremental, idempotent sync from the operational database into the warehouse.

Append tables move the id cursor in the same Delta commit as the rows, so a sync killed
at any point resumes exactly where the last commit left off: nothing lost, nothing twice.
One sync runs at a time (a file lock); a second one returns at once as ``busy``.
"""

from collections.abc import Callable

import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from pacer.core.domains import loaded
from pacer.warehouse.models import SyncRun
from pacer.warehouse.store import Store
from pacer.warehouse.tables import read_rows, registered


def default_store() -> Store:
    return Store(settings.WAREHOUSE_DIR)


def sync(
    store: Store | None = None,
    *,
    chunk: int = 50_000,
    on_progress: Callable[[str, int], None] | None = None,
    after_sync: Callable[[Store], None] | None = None,
) -> SyncRun:
    """Copy new and changed rows into the warehouse, then, if anything changed, run
    ``after_sync`` (the KPI cube). ``SyncRun.rows`` counts the rows written per table."""
    store = store or default_store()
    run = SyncRun.objects.create()
    with store.lock() as acquired:
        if not acquired:
            run.status, run.finished_at = "busy", timezone.now()
            run.save()
            return run
        try:
            counts = {}
            for spec in registered().values():
                counts[spec.name] = _sync_table(store, spec, chunk, on_progress)
            if after_sync is not None and any(counts.values()):
                after_sync(store)
        except Exception as error:
            run.status, run.error, run.finished_at = "failed", repr(error), timezone.now()
            run.save()
            raise
    run.status, run.rows, run.finished_at = "done", counts, timezone.now()
    run.save()
    return run


def _sync_table(store: Store, spec, chunk: int, on_progress) -> int:
    if spec.append:
        copied = 0
        for batch in read_rows(spec, after_id=store.cursor(spec.name), chunk=chunk):
            store.append(spec.name, batch, max_id=batch.column("id")[-1].as_py())
            copied += batch.num_rows
            if on_progress:
                on_progress(spec.name, batch.num_rows)
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
