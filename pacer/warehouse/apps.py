from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    name = "pacer.warehouse"
    label = "warehouse"
