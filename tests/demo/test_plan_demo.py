"""The demo's plan as a marketing team would run it: periods, an objective and KPI targets
on each program and campaign, the partner channel's nodes at every location (a franchise
owner filtering the timeline by their location sees them), one transfer above the
approval threshold asked for by a marketer and approved by an admin, and the open months'
variance alerts (over-spend, under-spend, pacing)."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core.actions import create_user
from pacer.core.roles import Role
from pacer.demo.plans import APPROVAL_THRESHOLD, OBJECTIVE, TRANSFER_REASON, load_plan
from pacer.people.actions import upsert_locations
from pacer.planning.actions import record_spend, upsert_campaign
from pacer.planning.budget_actions import planning_settings
from pacer.planning.models import BudgetLine, BudgetTransfer, ClosedMonth, PlanNode, VarianceAlert
from pacer.planning.plan_selectors import timeline

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = date(2026, 12, 10)  # October is closed, November (last month) and December open


@pytest.fixture
def quarter(workspace):
    """Q4 2026: paid search outrunning its plan, TV under it in November and December,
    partner promotions at Round Rock only."""
    austin, round_rock = upsert_locations(
        workspace, [{"code": "L1", "name": "Austin"}, {"code": "L2", "name": "Round Rock"}]
    )
    spend = {
        ("paid_search", austin): (1000, 1000, 1000),
        ("tv", austin): (3000, 1000, 300),
        ("local_partner", round_rock): (200, 200, 100),
    }
    rows = []
    for (channel, location), amounts in spend.items():
        campaign = upsert_campaign(workspace, f"{channel}-2026-q4", channel)
        for month, amount in zip((10, 11, 12), amounts, strict=True):
            rows.append(
                {"day": date(2026, month, 2), "channel": channel, "amount": amount,
                 "campaign": campaign, "location": location}
            )  # fmt: skip
    record_spend(workspace, rows)


def test_the_demo_plan_has_periods_objectives_kpi_targets_and_partner_locations(
    workspace, admin, quarter
):
    load_plan(workspace, today=TODAY)
    nodes = PlanNode.objects.order_by("pk")
    assert [(n.name, n.kind, n.period, n.locations) for n in nodes] == [
        ("FY2026 plan", "plan", "FY", []),
        ("Local / franchise partners FY2026", "program", "FY", ["L1", "L2"]),
        ("Holiday 2026 partner promotions", "campaign", "Q4", ["L1", "L2"]),
        ("Paid search FY2026", "program", "FY", []),
        ("Holiday 2026 search ads", "campaign", "Q4", []),
        ("TV FY2026", "program", "FY", []),
        ("Holiday 2026 TV flight", "campaign", "Q4", []),
    ]
    search = nodes.get(name="Holiday 2026 search ads")
    assert (search.objective, search.target_kpis) == (
        "Capture demand: leads from people searching for us",
        {"leads": "150", "cac": "110"},
    )
    assert all(n.objective and n.target_kpis for n in nodes if n.kind != "plan")
    assert set(OBJECTIVE) >= {"paid_search", "tv", "local_partner"}
    # a franchise owner at Round Rock filtering the timeline sees the partner nodes
    bars, _ = timeline(workspace, year=2026, location="L2")
    assert [bar.node.name for bar in bars] == [
        "Local / franchise partners FY2026", "Holiday 2026 partner promotions",
    ]  # fmt: skip


def test_the_demo_moves_budget_above_the_threshold_once_an_admin_approves(
    workspace, admin, quarter
):
    marketer = create_user(workspace, "mia", "correct-horse-2", Role.MARKETER)
    found = load_plan(workspace, today=TODAY)
    assert found["transfers"] == 1
    assert planning_settings(workspace).approval_threshold == APPROVAL_THRESHOLD == D(100)
    (transfer,) = BudgetTransfer.objects.all()
    assert (
        transfer.source.node.name, transfer.target.node.name, transfer.source.month,
        transfer.amount, transfer.status, transfer.requested_by, transfer.decided_by,
        transfer.reason,
    ) == (
        "Holiday 2026 TV flight", "Holiday 2026 search ads", date(2026, 12, 1),
        D("1420.00"), "applied", marketer, admin, TRANSFER_REASON,
    )  # fmt: skip
    # TV planned (3000 + 1000 + 300) x 1.2 / 3 = 1720 a month, 300 of December's ordered:
    # its 1420 left over moves to search (3000 x 0.8 / 3 = 800 a month)
    december = BudgetLine.objects.filter(month=date(2026, 12, 1))
    assert sorted((line.channel, line.amount) for line in december) == [
        ("local_partner", D("167.00")),
        ("paid_search", D("2220.00")),
        ("tv", D("300.00")),
    ]


def test_without_a_marketer_or_staff_member_no_transfer_is_asked_for(workspace, admin, quarter):
    assert load_plan(workspace, today=TODAY)["transfers"] == 0
    assert BudgetTransfer.objects.count() == 0
    assert sorted(BudgetLine.objects.filter(month=date(2026, 12, 1)).values_list("amount")) == [
        (D("167.00"),), (D("800.00"),), (D("1720.00"),),
    ]  # fmt: skip


def test_the_open_months_raise_over_and_under_spend_and_pacing_alerts(workspace, admin, quarter):
    create_user(workspace, "mia", "correct-horse-2", Role.MARKETER)
    found = load_plan(workspace, today=TODAY)
    assert list(ClosedMonth.objects.values_list("month", flat=True)) == [date(2026, 10, 1)]
    alerts = VarianceAlert.objects.order_by("month", "node__name", "kind")
    assert [(a.month.month, a.node.name, a.kind, a.raised_on) for a in alerts] == [
        (11, "Holiday 2026 TV flight", "underspend", TODAY),  # 1000 of 1720
        (11, "Holiday 2026 partner promotions", "overspend", TODAY),  # 200 over 167
        (11, "Holiday 2026 search ads", "overspend", TODAY),  # 1000 over 800
        (12, "Holiday 2026 TV flight", "pacing", TODAY),  # 300 of 300 x 10/31: ahead
        (12, "Holiday 2026 partner promotions", "pacing", TODAY),
        (12, "Holiday 2026 search ads", "pacing", TODAY),  # 1000 of 2220 x 10/31: ahead
    ]
    assert found["alerts"] == len(alerts) == 6
    assert load_plan(workspace, today=TODAY)["alerts"] == 0  # once


def test_the_alerts_are_raised_as_the_daily_check_would_have_on_the_datas_last_day_and_today(
    workspace, admin
):
    """The simulation ends before today's month (it spends in whole weeks): its last
    month's pacing was raised on its last day, the month's under-spend once it is over."""
    (austin,) = upsert_locations(workspace, [{"code": "L1", "name": "Austin"}])
    rows = []
    for channel, amounts in (("paid_search", (1000, 1000)), ("tv", (3000, 1000))):
        campaign = upsert_campaign(workspace, f"{channel}-2026-q4", channel)
        rows += [
            {"day": date(2026, month, 2), "channel": channel, "amount": amount,
             "campaign": campaign, "location": austin}
            for month, amount in zip((10, 11), amounts, strict=True)
        ]  # fmt: skip
    record_spend(workspace, rows)
    found = load_plan(workspace, today=date(2026, 12, 3), data_end=date(2026, 11, 28))
    alerts = VarianceAlert.objects.order_by("raised_on", "node__name", "kind")
    # November: search 1000 of 800 (2000 x 0.8 / 2), TV 1000 of 2400 (4000 x 1.2 / 2)
    assert [(a.node.name, a.kind, a.raised_on, a.message) for a in alerts] == [
        ("Holiday 2026 TV flight", "pacing", date(2026, 11, 28),
         "spent 1,000.00 against 2,240.00 planned to day 28 of 30: behind pace (45%)"),
        ("Holiday 2026 search ads", "overspend", date(2026, 11, 28),
         "spent 1,000.00 is 200.00 over the plan of 800.00"),
        ("Holiday 2026 search ads", "pacing", date(2026, 11, 28),
         "spent 1,000.00 against 746.67 planned to day 28 of 30: ahead of pace (134%)"),
        ("Holiday 2026 TV flight", "underspend", date(2026, 12, 3),
         "spent 1,000.00 of 2,400.00 (42%) in the month"),
    ]  # fmt: skip
    assert (found["closed"], found["alerts"]) == (1, 4)  # October closed, November open
