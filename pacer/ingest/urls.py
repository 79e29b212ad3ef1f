from django.urls import path

from pacer.ingest import views
from pacer.ingest.api import api

urlpatterns = [
    path("v1/", api.urls),
    path("settings/ingestion/", views.ingestion, name="ingestion"),
    path(
        "settings/ingestion/<int:event_id>/reprocess/",
        views.reprocess,
        name="ingestion-reprocess",
    ),
    path("settings/ingestion/<int:event_id>/discard/", views.discard, name="ingestion-discard"),
    path("settings/ingestion/origins/", views.origins, name="ingestion-origins"),
]
