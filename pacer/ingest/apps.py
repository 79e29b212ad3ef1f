from pacer.core.domains import DomainConfig, Loop


class IngestConfig(DomainConfig):
    name = "pacer.ingest"
    label = "ingest"
    urls = "pacer.ingest.urls"
    cli = "pacer.ingest.cli"
    warehouse_tables = ("pacer.ingest.warehouse.EVENTS",)
    # a merged contact's events move to the survivor
    contact_rows = ("pacer.ingest.models.Event",)
    loops = (
        Loop(
            "process-events", "pacer.ingest.processing.process_due", "INGEST_PROCESS_POLL_SECONDS"
        ),
    )
