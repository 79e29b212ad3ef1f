from pacer.core.domains import DomainConfig
from pacer.core.roles import ANALYSTS, EVERYONE, MANAGERS


class PlanningConfig(DomainConfig):
    name = "pacer.planning"
    label = "planning"
    api = (("/planning/", "pacer.planning.api.router"),)
    warehouse_tables = ("pacer.planning.warehouse.SPEND",)
    permissions = {
        "campaigns.view": EVERYONE,
        "campaigns.manage": MANAGERS,
        "spend.view": ANALYSTS,
        "spend.manage": MANAGERS,
    }
