"""A small plan with money on it, for page and browser tests: a plan, a program and a
campaign node (linked to campaign 'spring' with spend), budget lines in USD and EUR, a
transfer waiting for approval, an agency with a purchase order and an invoice."""

from datetime import date

from pacer.people.actions import upsert_locations
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.budget_actions import plan_lines, request_transfer, set_rate, set_threshold
from pacer.planning.models import BudgetLine
from pacer.planning.plan_actions import allocate, create_node, set_root_allocation
from pacer.planning.purchase_actions import issue_order, record_invoice, save_vendor


def build_plan(workspace, actor=None) -> dict:
    upsert_locations(workspace, [{"code": "AUS", "name": "Austin"}])
    root = create_node(
        workspace,
        {
            "kind": "plan",
            "name": "FY2026 marketing plan",
            "fiscal_year": 2026,
            "starts_on": date(2026, 1, 1),
            "ends_on": date(2026, 12, 31),
            "objective": "Grow new customers 20% at a CAC under $60",
        },
    )
    program = create_node(
        workspace,
        {
            "kind": "program",
            "name": "Performance",
            "fiscal_year": 2026,
            "team": "performance",
            "channels": ["paid_social", "paid_search"],
            "starts_on": date(2026, 2, 1),
            "ends_on": date(2026, 9, 30),
        },
        parent_id=root.pk,
    )
    campaign = create_campaign(workspace, "spring-social", "paid_social")
    leaf = create_node(
        workspace,
        {
            "kind": "campaign",
            "name": "Spring social push",
            "fiscal_year": 2026,
            "period": "Q1",
            "team": "performance",
            "channels": ["paid_social"],
            "locations": ["AUS"],
            "starts_on": date(2026, 3, 1),
            "ends_on": date(2026, 4, 30),
            "target_kpis": {"cac": "55", "leads": "900"},
            "campaign": "spring-social",
        },
        parent_id=program.pk,
    )
    brand = create_node(
        workspace,
        {
            "kind": "program",
            "name": "Brand",
            "fiscal_year": 2026,
            "team": "brand",
            "channels": ["tv", "out_of_home"],
            "starts_on": date(2026, 5, 1),
            "ends_on": date(2026, 11, 30),
        },
        parent_id=root.pk,
    )
    set_root_allocation(root, "250000")
    allocate(root, {program.pk: "150000", brand.pk: "90000"})
    set_rate(workspace, "EUR", date(2026, 1, 1), "1.08")
    plan_lines(
        workspace,
        [
            {"node": leaf.pk, "month": "2026-03", "channel": "paid_social", "amount": "12000"},
            {"node": leaf.pk, "month": "2026-04", "channel": "paid_social", "amount": "8000"},
            {"node": program.pk, "month": "2026-03", "channel": "paid_search", "amount": "15000"},
            {
                "node": brand.pk,
                "month": "2026-05",
                "channel": "tv",
                "currency": "EUR",
                "amount": "40000",
            },
        ],
    )
    record_spend(
        workspace,
        [
            {
                "day": date(2026, 3, 3),
                "channel": "paid_social",
                "campaign": campaign,
                "amount": "4100.25",
            },
            {
                "day": date(2026, 3, 10),
                "channel": "paid_social",
                "campaign": campaign,
                "amount": "3900",
            },
        ],
    )
    line = BudgetLine.objects.get(node=leaf, month=date(2026, 3, 1))
    search = BudgetLine.objects.get(node=program)
    set_threshold(workspace, "1000")
    transfer = request_transfer(workspace, search.pk, line.pk, "2500", "Social converts better")
    vendor = save_vendor(
        workspace,
        {
            "name": "Northwind Social",
            "kind": "agency",
            "contract": "MSA-2026-04",
            "contract_starts": date(2026, 1, 1),
            "contract_ends": date(2026, 12, 31),
            "rates": "12% of media",
            "scope": "Paid social buying and creative",
            "contact_name": "Jo Park",
            "contact_email": "jo@northwind.test",
        },
    )
    order = issue_order(
        workspace,
        {
            "number": "PO-2026-001",
            "vendor": vendor.pk,
            "line": line.pk,
            "issued_on": date(2026, 2, 20),
            "amount": "9000",
            "description": "March paid social",
        },
    )
    record_invoice(
        workspace,
        {"order": order.pk, "number": "NW-311", "invoiced_on": date(2026, 3, 31), "amount": "4000"},
    )
    return {
        "root": root,
        "program": program,
        "leaf": leaf,
        "brand": brand,
        "vendor": vendor,
        "order": order,
        "transfer": transfer,
    }
