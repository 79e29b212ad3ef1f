from django.urls import path

from pacer.ingest.api import api

urlpatterns = [path("v1/", api.urls)]
