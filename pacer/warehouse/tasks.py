"""Background work for the warehouse: the scheduled and on-demand sync."""

from django_tasks import task

from pacer.metrics.cube import refresh_cube
from pacer.warehouse.sync import sync


@task(queue_name="warehouse")
def sync_warehouse() -> dict:
    """Sync new rows and rebuild the KPI cube; safe to run twice (the second finds nothing)."""
    run = sync(after_sync=refresh_cube)
    return {"status": run.status, "rows": run.rows}
