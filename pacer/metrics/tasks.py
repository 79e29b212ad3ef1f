"""Background work for measurement: refits after a warehouse sync."""

from django_tasks import task

from pacer.metrics.refits import refit_attribution


@task(queue_name="warehouse")
def refit_after_sync() -> dict:
    """Refit the default attribution views on the new data (queued by the warehouse sync
    when it brought rows); fits nothing when this snapshot's results are kept already."""
    return refit_attribution()
