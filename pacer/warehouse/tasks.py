"""Background work for the warehouse: the scheduled and on-demand sync."""

from django_tasks import task

from pacer.core.domains import loaded
from pacer.warehouse.sync import refresh_derived, sync


@task(queue_name="warehouse")
def sync_warehouse() -> dict:
    """Sync new rows and rebuild what is derived from them; safe to run twice (the second
    finds nothing). A sync that brought rows then queues the domains' slower refits
    (``after_sync_tasks``, e.g. attribution), which it does not wait for."""
    run = sync(after_sync=refresh_derived)
    queued = []
    if run.status == "done" and any(run.rows.values()):
        for follow_up in loaded("after_sync_tasks"):
            follow_up.enqueue()
            queued.append(follow_up.module_path)
    return {"status": run.status, "rows": run.rows, "queued": queued}


def schedule_sync() -> int:
    """Queue a sync (the worker's ``warehouse-sync`` loop, every WAREHOUSE_SYNC_SECONDS)."""
    sync_warehouse.enqueue()
    return 0
