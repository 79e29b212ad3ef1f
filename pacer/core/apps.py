from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "pacer.core"
    label = "core"
