"""The variance alerts' plan (shared by tests/planning/test_alerts.py and
test_crash_alerts.py through the ``alert_owner`` and ``alert_lines`` fixtures of
tests/planning/conftest.py): on 2026-03-15 exactly three alerts are due
(``DUE_ON_MID_MARCH``), all to olga."""

from datetime import date

from pacer.core import actions as core_actions
from pacer.core.roles import Role
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import BudgetLine, Campaign, VarianceAlert
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import issue_order, record_invoice, save_vendor

PASSWORD = "correct-horse-1"
MID_MARCH = date(2026, 3, 15)
DUE_ON_MID_MARCH = {
    ("paid_social", date(2026, 3, 1), "pacing",
     "spent 8,000.00 against 4,838.71 planned to day 15 of 31: ahead of pace (165%)",
     "olga", "Social"),
    ("paid_search", date(2026, 2, 1), "underspend",
     "spent 1,000.00 of 5,000.00 (20%) in the month", "olga", "Search"),
    ("display", date(2026, 4, 1), "overspend",
     "invoiced 2,500.00 is 500.00 over the plan of 2,000.00", "olga", "Social"),
}  # fmt: skip


def alert_owner(workspace):
    """olga, a marketer with an email address."""
    return core_actions.create_user(
        workspace, "olga", PASSWORD, Role.MARKETER, email="olga@example.test"
    )


def alert_lines(workspace, owner) -> dict:
    """A program owned by olga with a campaign node under it (no owner of its own)."""
    root = create_node(workspace, {"kind": "plan", "name": "FY2026", "fiscal_year": 2026})
    create_campaign(workspace, "search", "paid_search")
    create_campaign(workspace, "social", "paid_social")
    program = create_node(
        workspace,
        {"kind": "program", "name": "Search", "fiscal_year": 2026, "owner": owner.pk,
         "campaign": "search"},
        parent_id=root.pk,
    )  # fmt: skip
    leaf = create_node(
        workspace,
        {"kind": "campaign", "name": "Social", "fiscal_year": 2026, "campaign": "social"},
        parent_id=program.pk,
    )
    plan_lines(
        workspace,
        [
            {"node": leaf.pk, "month": "2026-03", "channel": "paid_social", "amount": "10000"},
            {"node": program.pk, "month": "2026-02", "channel": "paid_search", "amount": "5000"},
            {"node": leaf.pk, "month": "2026-04", "channel": "display", "amount": "2000"},
            {"node": leaf.pk, "month": "2026-01", "channel": "tv", "amount": "100"},
            {"node": program.pk, "month": "2026-03", "channel": "email", "amount": "3000"},
        ],
    )
    campaigns = {c.key: c for c in Campaign.objects.filter(workspace=workspace)}
    record_spend(
        workspace,
        [
            {"day": date(2026, 3, 10), "channel": "paid_social", "campaign": campaigns["social"],
             "amount": "8000"},
            {"day": date(2026, 2, 20), "channel": "paid_search", "campaign": campaigns["search"],
             "amount": "1000"},
            {"day": date(2026, 1, 20), "channel": "tv", "campaign": campaigns["social"],
             "amount": "500"},
            {"day": date(2026, 3, 12), "channel": "email", "campaign": campaigns["search"],
             "amount": "1500"},
        ],
    )  # fmt: skip
    vendor = save_vendor(workspace, {"name": "Display Co", "kind": "vendor"})
    display = BudgetLine.objects.get(channel="display")
    order = issue_order(
        workspace,
        {"number": "PO-1", "vendor": vendor.pk, "line": display.pk,
         "issued_on": date(2026, 3, 1), "amount": "2000"},
    )  # fmt: skip
    record_invoice(
        workspace,
        {"order": order.pk, "number": "D-1", "invoiced_on": date(2026, 3, 10),
         "amount": "2500", "over_reason": "extra placements"},
    )  # fmt: skip
    return {"program": program, "leaf": leaf}


def raised(workspace) -> set[tuple]:
    return set(
        VarianceAlert.objects.filter(workspace=workspace).values_list(
            "line__channel", "month", "kind", "message", "owner__username", "node__name"
        )
    )
