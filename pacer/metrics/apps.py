from pacer.core.domains import DomainConfig, NavItem
from pacer.core.roles import ANALYSTS, EVERYONE


class MetricsConfig(DomainConfig):
    name = "pacer.metrics"
    label = "metrics"
    urls = "pacer.metrics.urls"
    api = (
        ("/metrics/", "pacer.metrics.api.router"),
        ("/analytics/", "pacer.metrics.analysis_api.router"),
    )
    cli = "pacer.metrics.cli"
    warehouse_refreshers = ("pacer.metrics.cube.refresh_cube",)
    after_sync_tasks = ("pacer.metrics.tasks.refit_after_sync",)
    permissions = {
        "dashboard.view": EVERYONE,
        "reports.view": EVERYONE,
        "clv.write": ANALYSTS,
    }
    nav = (
        NavItem("Dashboard", "dashboard", "dashboard.view", order=10),
        NavItem("Attribution", "attribution", "reports.view", order=30, group="measure"),
        NavItem("CLV", "clv", "reports.view", order=40, group="measure"),
        NavItem("Locations", "locations", "reports.view", order=42, group="measure"),
        NavItem("Cohorts", "cohorts", "reports.view", order=44, group="measure"),
    )
