from django.apps import AppConfig


class ExperimentsConfig(AppConfig):
    name = "pacer.experiments"
    label = "experiments"
