"""Variance alerts to owners: exact alerts on a fixed day (overspend, underspend, pacing
with the workspace's thresholds), each once per line, month and kind, emailed to the
owner of the node or its nearest owned ancestor, shown on the node page; thresholds are
refused by field with nothing changed."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.alerts import check_all, check_workspace, set_alert_thresholds
from pacer.planning.budget_actions import plan_lines, planning_settings
from pacer.planning.close_actions import close_month
from pacer.planning.models import BudgetLine, Campaign, VarianceAlert
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import issue_order, record_invoice, save_vendor

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"
MID_MARCH = date(2026, 3, 15)


@pytest.fixture
def owner(workspace):
    return core_actions.create_user(
        workspace, "olga", PASSWORD, Role.MARKETER, email="olga@example.test"
    )


@pytest.fixture
def lines(workspace, owner):
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


def test_the_due_alerts_are_raised_once_and_mailed_to_the_owner(
    workspace, lines, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        found = check_workspace(workspace, MID_MARCH)
    assert len(found) == 3
    assert raised(workspace) == {
        ("paid_social", date(2026, 3, 1), "pacing",
         "spent 8,000.00 against 4,838.71 planned to day 15 of 31: ahead of pace (165%)",
         "olga", "Social"),
        ("paid_search", date(2026, 2, 1), "underspend",
         "spent 1,000.00 of 5,000.00 (20%) in the month", "olga", "Search"),
        ("display", date(2026, 4, 1), "overspend",
         "invoiced 2,500.00 is 500.00 over the plan of 2,000.00", "olga", "Social"),
    }  # fmt: skip
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["olga@example.test"]
    assert mail.outbox[0].subject == "Budget alerts: 3 of your plan lines need a look"
    assert "Pacing: Social · 2026-03 · Paid social: spent 8,000.00" in mail.outbox[0].body
    # the next run, and the next days, raise and send nothing again
    with django_capture_on_commit_callbacks(execute=True):
        assert check_workspace(workspace, MID_MARCH) == []
        assert check_workspace(workspace, date(2026, 3, 16)) == []
    assert len(mail.outbox) == 1
    assert VarianceAlert.objects.count() == 3


def test_thresholds_and_the_calendar_decide_what_is_due(workspace, lines):
    # before day 7 of a month there is no pacing; the month before is finished
    early = {a.kind for a in check_workspace(workspace, date(2026, 3, 6))}
    assert early == {"underspend", "overspend"}
    VarianceAlert.objects.all().delete()
    set_alert_thresholds(
        workspace,
        {"overspend_tolerance": "0.3", "underspend_below": "0.2", "pacing_tolerance": "0.7"},
    )
    # 25% over, 20% spent (not below 20%), 65% ahead: all within the new thresholds
    assert check_workspace(workspace, MID_MARCH) == []
    set_alert_thresholds(
        workspace,
        {"overspend_tolerance": "0", "underspend_below": "0.9", "pacing_tolerance": "0.2"},
    )
    close_month(workspace, "2026-02")
    assert {a.kind for a in check_workspace(workspace, MID_MARCH)} == {"pacing", "overspend"}
    # April: March finished 80% spent (underspend), April's invoiced 2,500 on 2,000 was raised
    april = {(a.line.channel, a.kind) for a in check_workspace(workspace, date(2026, 4, 2))}
    assert april == {("paid_social", "underspend"), ("email", "underspend")}


def test_the_worker_loop_checks_every_workspace_on_the_clocks_day(workspace, lines, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 15, 12, tzinfo=UTC))
    assert check_all() == 3
    assert check_all() == 0


def test_alerts_show_on_the_node_page(workspace, lines, owner):
    check_workspace(workspace, MID_MARCH)
    client = Client()
    client.login(username="olga", password=PASSWORD)
    text = client.get(f"/plans/{lines['leaf'].pk}/").content.decode()
    assert 'id="node-sent-alerts"' in text
    assert "invoiced 2,500.00 is 500.00 over the plan of 2,000.00" in text
    assert "ahead of pace (165%)" in text
    assert "spent 1,000.00 of 5,000.00" not in text  # the program's line, not this node's


def test_bad_thresholds_are_refused_by_field_and_nothing_changes(workspace, admin):
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        set_alert_thresholds(
            workspace,
            {"overspend_tolerance": "-0.1", "underspend_below": "NaN", "pacing_tolerance": "0"},
        )
    assert set(refused.value.errors) == {
        "overspend_tolerance",
        "underspend_below",
        "pacing_tolerance",
    }
    with pytest.raises(ValidationFailed) as refused:
        set_alert_thresholds(
            workspace,
            {"overspend_tolerance": "0.12345", "underspend_below": "0.5", "pacing_tolerance": ""},
        )
    assert set(refused.value.errors) == {"overspend_tolerance", "pacing_tolerance"}
    rules = planning_settings(workspace)
    assert (rules.overspend_tolerance, rules.underspend_below) == (Decimal(0), Decimal("0.9"))
    assert AuditEntry.objects.count() == before
    client = Client()
    client.login(username="ada", password=PASSWORD)
    client.post(
        "/budgets/alerts/",
        {"overspend_tolerance": "0.1", "underspend_below": "0.8", "pacing_tolerance": "0.25"},
    )
    rules = planning_settings(workspace)
    names = ("overspend_tolerance", "underspend_below", "pacing_tolerance")
    assert [getattr(rules, n) for n in names] == [Decimal("0.1"), Decimal("0.8"), Decimal("0.25")]
