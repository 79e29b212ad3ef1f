from pacer.core.domains import DomainConfig, NavItem
from pacer.core.roles import ANALYSTS, EVERYONE, MANAGERS


class PlanningConfig(DomainConfig):
    name = "pacer.planning"
    label = "planning"
    urls = "pacer.planning.urls"
    api = (("/planning/", "pacer.planning.api.router"),)
    warehouse_tables = ("pacer.planning.warehouse.SPEND",)
    permissions = {
        "campaigns.view": EVERYONE,
        "campaigns.manage": MANAGERS,
        "spend.view": ANALYSTS,
        "spend.manage": MANAGERS,
    }
    nav = (
        NavItem("Campaigns", "campaigns", "campaigns.view", order=20, group="plan"),
        NavItem("Spend", "spend", "spend.view", order=30, group="plan"),
    )
