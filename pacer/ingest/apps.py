from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "pacer.ingest"
    label = "ingest"

    def ready(self) -> None:
        from pacer.ingest.models import Event
        from pacer.people.resolution import register_contact_rows

        register_contact_rows(Event)  # a merged contact's events move to the survivor
