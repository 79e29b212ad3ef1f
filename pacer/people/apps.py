from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "pacer.people"
    label = "people"
