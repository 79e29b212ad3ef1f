from django.apps import AppConfig


class IngestConfig(AppConfig):
    name = "pacer.ingest"
    label = "ingest"
