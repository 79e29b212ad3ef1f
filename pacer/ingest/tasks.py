"""Background work for ingestion: CSV imports started from the import page."""

from django_tasks import task


@task()
def run_import(run_id: int) -> dict:
    """Import a queued run (``pacer.ingest.import_runs.execute``); safe to run twice (the
    second finds the run no longer queued and does nothing)."""
    from pacer.ingest.import_runs import execute

    return execute(run_id)
