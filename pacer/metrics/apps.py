from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "pacer.metrics"
    label = "metrics"
