from django.urls import path

from pacer.metrics import analysis_views, comparison_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/panel/", views.dashboard_panel, name="dashboard-panel"),
    path("analytics/attribution/", analysis_views.attribution, name="attribution"),
    path(
        "analytics/attribution/export/",
        analysis_views.attribution_export,
        name="attribution-export",
    ),
    path("analytics/clv/", analysis_views.clv, name="clv"),
    path("analytics/locations/", comparison_views.locations, name="locations"),
    path(
        "analytics/locations/export/",
        comparison_views.locations_export,
        name="locations-export",
    ),
    path("analytics/cohorts/", comparison_views.cohorts, name="cohorts"),
]
