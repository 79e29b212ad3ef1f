from django.urls import path

from pacer.ingest import import_views, views
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
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:run_id>/", import_views.run_page, name="import-run"),
    path("imports/<int:run_id>/mapping/", import_views.mapping, name="import-mapping"),
    path("imports/<int:run_id>/preview/", import_views.preview, name="import-preview"),
    path("imports/<int:run_id>/start/", import_views.start, name="import-start"),
    path("imports/<int:run_id>/progress/", import_views.progress, name="import-progress"),
    path("imports/<int:run_id>/rejected.csv", import_views.rejected_csv, name="import-rejected"),
]
