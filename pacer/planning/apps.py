from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "pacer.planning"
    label = "planning"
