from pacer.core.domains import DomainConfig, Loop, NavItem
from pacer.core.roles import ADMINS, ANALYSTS, EVERYONE, MANAGERS


class PlanningConfig(DomainConfig):
    name = "pacer.planning"
    label = "planning"
    urls = "pacer.planning.urls"
    api = (
        ("/planning/", "pacer.planning.api.router"),
        ("/plans/", "pacer.planning.plan_api.router"),
        ("/plans/", "pacer.planning.purchase_api.router"),
        ("/plans/", "pacer.planning.close_api.router"),
        ("/plans/", "pacer.planning.result_api.router"),
        ("/plans/alerts/", "pacer.planning.alert_api.router"),
    )
    warehouse_tables = ("pacer.planning.warehouse.SPEND",)
    loops = (Loop("planning-variance", "pacer.planning.alerts.check_all", 3600),)
    permissions = {
        "campaigns.view": EVERYONE,
        "campaigns.manage": MANAGERS,
        "spend.view": ANALYSTS,
        "spend.manage": MANAGERS,
        "plans.view": EVERYONE,
        "plans.manage": MANAGERS,
        "budgets.view": ANALYSTS,
        "budgets.manage": MANAGERS,  # budget lines, transfers, rates, vendors, orders
        "budgets.approve": ADMINS,  # transfers above the threshold; reopening a closed month
    }
    nav = (
        NavItem("Campaigns", "campaigns", "campaigns.view", order=20, group="plan"),
        NavItem("Spend", "spend", "spend.view", order=30, group="plan"),
        NavItem("Plans", "plans", "plans.view", order=10, group="plan"),
        NavItem("Timeline", "plan-timeline", "plans.view", order=12, group="plan"),
        NavItem("Budgets", "budgets", "budgets.view", order=14, group="plan"),
        NavItem("Results", "plan-results", "budgets.view", order=16, group="plan"),
        NavItem("Planned vs actual", "plan-report", "budgets.view", order=17, group="plan"),
        NavItem("Monthly close", "budget-close", "budgets.view", order=18, group="plan"),
        NavItem("Vendors", "vendors", "budgets.view", order=35, group="plan"),
    )
