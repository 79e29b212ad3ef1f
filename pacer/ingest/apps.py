from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ADMINS


class IngestConfig(DomainConfig):
    name = "pacer.ingest"
    label = "ingest"
    urls = "pacer.ingest.urls"
    api = (("/ingest/", "pacer.ingest.rest.router"),)
    cli = "pacer.ingest.cli"
    warehouse_tables = ("pacer.ingest.warehouse.EVENTS",)
    # oversized tracking requests are refused before Django reads (buffers) their bodies
    asgi_wrappers = ("pacer.ingest.asgi.TrackingBodyLimit",)
    # a merged contact's events move to the survivor
    contact_rows = ("pacer.ingest.models.Event",)
    timeline_sources = ("pacer.ingest.timeline.EVENTS",)
    loops = (
        Loop(
            "process-events", "pacer.ingest.processing.process_due", "INGEST_PROCESS_POLL_SECONDS"
        ),
    )
    permissions = {"ingest.manage": ADMINS}
    nav = (
        NavItem("Import", "imports", "contacts.import", order=25),
        NavItem("Ingestion", "ingestion", "ingest.manage", order=15, group="settings"),
    )
