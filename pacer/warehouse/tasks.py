"""Background work for the warehouse: the scheduled and on-demand sync."""

from django_tasks import task

from pacer.warehouse.sync import refresh_derived, sync


@task(queue_name="warehouse")
def sync_warehouse() -> dict:
    """Sync new rows and rebuild what is derived from them; safe to run twice (the second
    finds nothing)."""
    run = sync(after_sync=refresh_derived)
    return {"status": run.status, "rows": run.rows}


def schedule_sync() -> int:
    """Queue a sync (the worker's ``warehouse-sync`` loop, every WAREHOUSE_SYNC_SECONDS)."""
    sync_warehouse.enqueue()
    return 0
