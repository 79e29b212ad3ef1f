"""The demo business's plan from its simulated spend: a flat monthly budget per campaign
(so one month spends over its line, another under), an order per month for what was
booked (at most the line), the agency's invoice for what was spent the month after
(flagged when over the order), the months whose invoices are in closed with their
accruals; once."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.demo.plans import load_plan, monthly_budget, months_between
from pacer.planning.close_selectors import close_report
from pacer.planning.models import BudgetLine, ClosedMonth, Invoice, PlanNode, PurchaseOrder
from pacer.planning.plan_selectors import timeline
from pacer.planning.report import plan_report
from pacer.planning.rollups import accruals, tree
from pacer.teams.selectors import team_by_key

pytestmark = pytest.mark.django_db
D = Decimal


def test_the_demo_plan_varies_with_the_simulated_spend_and_closes_its_past_months(
    workspace, small_business
):
    # the simulated spend: brand (paid search) 300 in January 2026, 100 in February
    found = load_plan(workspace, today=date(2026, 3, 10))
    # February (last month) stays open, spent 100 of 160: its under-spend alert
    assert found == {
        "nodes": 3, "lines": 2, "orders": 2, "closed": 1, "transfers": 0, "alerts": 1,
    }  # fmt: skip
    rows = tree(workspace)
    assert [(r.node.name, r.depth) for r in rows] == [
        ("FY2026 plan", 0),
        ("Paid search FY2026", 1),
        ("brand", 2),
    ]
    total = rows[0].total
    # planned 400 x 0.8 (paid search's plan ratio) = 160 a month; committed 160
    # (January, the line's whole amount) + 100
    assert (total.planned, total.committed, total.invoiced, total.actual) == (
        D("320.00"), D("260.00"), D("400.00"), D("400.00"),
    )  # fmt: skip
    lines = BudgetLine.objects.order_by("month")
    assert [(line.month, line.amount) for line in lines] == [
        (date(2026, 1, 1), D("160.00")),
        (date(2026, 2, 1), D("160.00")),
    ]
    used = plan_report(workspace, rows="month")
    assert [(r.label, r.total.actual, r.total.used) for r in used.rows] == [
        ("2026-01", D("300.00"), D("1.875")),  # over its line
        ("2026-02", D("100.00"), D("0.625")),  # under
    ]
    orders = PurchaseOrder.objects.order_by("number")
    assert [(o.number, o.issued_on, o.amount) for o in orders] == [
        ("PO-00001", date(2026, 1, 1), D("160.00")),
        ("PO-00002", date(2026, 2, 1), D("100.00")),
    ]
    invoices = Invoice.objects.order_by("number")
    assert [(i.number, i.invoiced_on, i.amount, i.flagged) for i in invoices] == [
        ("INV-00001", date(2026, 2, 5), D("300.00"), True),
        ("INV-00002", date(2026, 3, 5), D("100.00"), False),
    ]
    assert list(ClosedMonth.objects.order_by("month").values_list("month", flat=True)) == [
        date(2026, 1, 1),
    ]
    close = {row.month.month: row for row in close_report(workspace, 2026)}
    assert [(m, close[m].closed, close[m].accrued, close[m].invoiced) for m in (1, 2, 3)] == [
        (1, True, D("160.00"), D(0)),  # January's order, billed in February
        (2, False, D("100.00"), D("300.00")),
        (3, False, D(0), D("100.00")),
    ]
    assert [r["order"].number for r in accruals(workspace, date(2026, 2, 28))] == ["PO-00002"]
    assert load_plan(workspace) == {
        "nodes": 0,
        "lines": 0,
        "orders": 0,
        "closed": 0,
        "transfers": 0,
        "alerts": 0,
    }  # once, fmt: skip


def test_invoices_not_due_yet_leave_the_month_open_and_accruing(workspace, small_business):
    assert load_plan(workspace, today=date(2026, 3, 1)) == {
        "nodes": 3, "lines": 2, "orders": 2, "closed": 1, "transfers": 0, "alerts": 1,
    }  # fmt: skip
    assert Invoice.objects.count() == 1  # February's arrives on 5 March
    assert [r["accrued"] for r in accruals(workspace, date(2026, 3, 1))] == [D("100.00")]


def test_a_campaign_is_budgeted_evenly_over_its_months_with_spend_or_without():
    assert months_between(date(2025, 11, 1), date(2026, 2, 1)) == [
        date(2025, 11, 1), date(2025, 12, 1), date(2026, 1, 1), date(2026, 2, 1),
    ]  # fmt: skip
    assert monthly_budget(D("1000.50"), 3) == D("334")
    assert monthly_budget(D("100.49"), 1) == D("100")
    assert monthly_budget(D("0.40"), 2) == D("1")  # a month with spend can take an order


def test_the_demo_plans_nodes_have_their_flights_dates_an_owner_and_the_channels_team(
    workspace, admin, small_business
):
    load_plan(workspace, today=date(2026, 3, 10))
    nodes = PlanNode.objects.order_by("pk")
    performance = team_by_key(workspace, "performance").pk
    assert [(n.name, n.starts_on, n.ends_on, n.owner_id, n.team_id) for n in nodes] == [
        ("FY2026 plan", date(2026, 1, 1), date(2026, 2, 28), admin.pk, None),
        ("Paid search FY2026", date(2026, 1, 1), date(2026, 2, 28), admin.pk, performance),
        ("brand", date(2026, 1, 1), date(2026, 2, 28), admin.pk, performance),
    ]
    # the timeline draws every node as a bar (a node without dates has none)
    bars, _ = timeline(workspace, year=2026)
    assert [(bar.node.name, bar.offset, bar.width) for bar in bars] == [
        ("FY2026 plan", 0, 16.164),  # 59 of 365 days
        ("Paid search FY2026", 0, 16.164),
        ("brand", 0, 16.164),
    ]


def test_a_simulated_campaign_under_its_human_name_gets_its_orders_and_one_off_air_none(
    workspace,
):
    """The demo names a campaign node "New year 2026 search ads" for the spend's key
    ``paid_search-2026-q1``: its orders used to be looked up by the name, so the demo had
    no orders at all (every Committed and Invoiced $0.00). A campaign that spent nothing
    all year (a TV flight off air) used to get a node and a $1 budget a month."""
    from pacer.people.actions import upsert_locations
    from pacer.planning.actions import record_spend, upsert_campaign

    (loc,) = upsert_locations(workspace, [{"code": "L1", "name": "Austin"}])
    search = upsert_campaign(workspace, "paid_search-2026-q1", "paid_search")
    tv = upsert_campaign(workspace, "tv-2026-q1", "tv")
    record_spend(
        workspace,
        [
            {"day": date(2026, 1, 10), "channel": "paid_search", "amount": 300,
             "campaign": search, "location": loc},
            {"day": date(2026, 1, 10), "channel": "tv", "amount": 0,
             "campaign": tv, "location": loc},
        ],
    )  # fmt: skip
    assert load_plan(workspace, today=date(2026, 3, 10)) == {
        "nodes": 3, "lines": 1, "orders": 1, "closed": 1, "transfers": 0, "alerts": 0,
    }  # fmt: skip
    assert [n.name for n in PlanNode.objects.order_by("pk")] == [
        "FY2026 plan", "Paid search FY2026", "New year 2026 search ads",
    ]  # fmt: skip
    (order,) = PurchaseOrder.objects.all()
    assert (order.line.node.name, order.issued_on, order.amount) == (
        "New year 2026 search ads", date(2026, 1, 1), D("240.00"),
    )  # fmt: skip
    assert Invoice.objects.get().amount == D("300.00")


def test_the_demo_buys_from_agencies_with_real_names(workspace, small_business):
    """The demo's vendors were "<channel> partners" (the local-partner channel's read
    "Local / franchise partners partners") with the channel's key as their scope."""
    from pacer.planning.models import Vendor

    load_plan(workspace, today=date(2026, 3, 10))
    assert list(Vendor.objects.filter(workspace=workspace).values_list("name", "scope")) == [
        ("Keyline Search Agency", "Paid search: buying, creative and a monthly report")
    ]
    # contracts, rates and contacts, as issue 14 lists a vendor's
    fields = ("contract", "contract_starts", "contract_ends", "rates", "contact_email")
    assert list(Vendor.objects.values_list(*fields)) == [
        ("MSA-2026-01", date(2026, 1, 1), date(2026, 12, 31),
         "12% of media spent, billed monthly as delivered", "accounts@keylinesearchagency.example")
    ]  # fmt: skip
