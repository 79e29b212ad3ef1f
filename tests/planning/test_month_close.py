"""The monthly close: exact figures per month; a closed month refuses every write dated
in it (naming the field, writing nothing) until an admin reopens it; both audited."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.actions import delete_spend, enter_spend, record_spend
from pacer.planning.budget_actions import decide_transfer, plan_lines
from pacer.planning.close_actions import close_month, reopen_month
from pacer.planning.close_selectors import close_report
from pacer.planning.models import (
    BudgetLine,
    BudgetTransfer,
    ClosedMonth,
    Invoice,
    PurchaseOrder,
    SpendEntry,
)
from pacer.planning.purchase_actions import issue_order, record_invoice
from tests.planning.plan_fixture import build_plan

pytestmark = pytest.mark.django_db
CLOSED = "2026-03 is closed: an admin must reopen it before changes dated in it"


@pytest.fixture
def made(workspace, admin):
    return build_plan(workspace, admin)


def test_close_report_figures_per_month(workspace, made):
    rows = {row.month.month: row for row in close_report(workspace, 2026)}
    assert len(rows) == 12
    feb, mar, apr, may = rows[2], rows[3], rows[4], rows[5]
    # the March order was issued on 20 Feb: February accrues all of it
    assert feb.figures() == {
        "planned": 0, "committed": 0, "invoiced": 0, "actual": 0, "accrued": 9000,
        "variance": 0,
    }  # fmt: skip
    assert mar.figures() == {
        "planned": Decimal(27000),
        "committed": Decimal(9000),
        "invoiced": Decimal(4000),
        "actual": Decimal("8000.25"),
        "accrued": Decimal(5000),
        "variance": Decimal("-18999.75"),
    }
    assert (apr.planned, apr.accrued, apr.uncommitted) == (Decimal(8000), Decimal(5000), 8000)
    assert may.planned == Decimal("43200.00")  # EUR 40,000 at 1.08
    assert not any(row.closed for row in rows.values())


def _counts():
    return (
        SpendEntry.objects.count(),
        BudgetLine.objects.count(),
        PurchaseOrder.objects.count(),
        Invoice.objects.count(),
        list(BudgetLine.objects.order_by("pk").values_list("amount_base", flat=True)),
    )


def test_a_closed_month_refuses_every_write_dated_in_it(workspace, made, admin):
    close_month(workspace, "2026-03", actor=admin)
    before = _counts()
    spend = {"day": date(2026, 3, 15), "channel": "paid_social", "amount": "10"}
    march_line = BudgetLine.objects.get(node=made["leaf"], month=date(2026, 3, 1))
    attempts = [
        (lambda: record_spend(workspace, [spend]), "rows[0].day"),
        (lambda: enter_spend(workspace, spend), "day"),
        (
            lambda: plan_lines(
                workspace,
                [{"node": made["leaf"].pk, "month": "2026-03", "channel": "email", "amount": "5"}],
            ),
            "rows[0].month",
        ),
        (
            lambda: issue_order(
                workspace,
                {
                    "number": "PO-9",
                    "vendor": made["vendor"].pk,
                    "line": march_line.pk,
                    "issued_on": date(2026, 3, 5),
                    "amount": "10",
                },
            ),  # fmt: skip
            "issued_on",
        ),
        (
            lambda: record_invoice(
                workspace,
                {
                    "order": made["order"].pk,
                    "number": "NW-9",
                    "invoiced_on": date(2026, 3, 20),
                    "amount": "10",
                },
            ),  # fmt: skip
            "invoiced_on",
        ),
        (lambda: decide_transfer(made["transfer"], True, actor=admin), "source"),
        (lambda: delete_spend(SpendEntry.objects.first(), actor=admin), "day"),
    ]
    for attempt, field in attempts:
        with pytest.raises(ValidationFailed) as caught:
            attempt()
        assert caught.value.errors[field] == CLOSED
        assert _counts() == before
    assert BudgetTransfer.objects.get().status == "pending"
    # April is open
    record_spend(workspace, [spend | {"day": date(2026, 4, 2)}])
    assert SpendEntry.objects.count() == before[0] + 1


def test_close_and_reopen_are_audited_and_reopen_needs_a_reason(workspace, made, admin):
    close_month(workspace, date(2026, 3, 9), figures={"actual": Decimal("8000.25")}, actor=admin)
    with pytest.raises(ValidationFailed) as caught:
        close_month(workspace, "2026-03", actor=admin)
    assert caught.value.errors == {"month": "2026-03 is closed already"}
    with pytest.raises(ValidationFailed) as caught:
        reopen_month(workspace, "2026-03", "  ", actor=admin)
    assert caught.value.errors == {"reason": "must not be empty"}
    with pytest.raises(ValidationFailed) as caught:
        reopen_month(workspace, "2026-13", "x", actor=admin)
    assert caught.value.errors == {"month": "must be a month such as 2026-03"}
    assert ClosedMonth.objects.filter(month=date(2026, 3, 1)).exists()
    reopen_month(workspace, "2026-03", "late agency invoice", actor=admin)
    assert not ClosedMonth.objects.exists()
    entries = AuditEntry.objects.filter(action__startswith="budget.month_").order_by("pk")
    assert [(e.action, e.after) for e in entries] == [
        ("budget.month_close", {"month": "2026-03", "actual": "8000.25"}),
        ("budget.month_reopen", {"reason": "late agency invoice"}),
    ]
    record_spend(workspace, [{"day": date(2026, 3, 15), "channel": "email", "amount": "1"}])


def _client(workspace, name: str, role: str) -> Client:
    core_actions.create_user(workspace, name, "correct-horse-1", role)
    client = Client()
    client.login(username=name, password="correct-horse-1")
    return client


def test_managers_close_and_only_admins_reopen(workspace, made, admin):
    manager = _client(workspace, "max", Role.MARKETER)
    get_user_model().objects.filter(username="max").update(first_name="Max", last_name="Moreno")
    response = manager.post("/budgets/close/month/", {"month": "2026-03"})
    assert response.status_code == 302 and response["Location"] == "/budgets/close/?year=2026"
    closed = ClosedMonth.objects.get()
    assert (closed.month, closed.closed_by.username) == (date(2026, 3, 1), "max")
    entry = AuditEntry.objects.get(action="budget.month_close")
    assert entry.after["planned"] == "27000.00" and entry.after["accrued"] == "5000.00"
    assert (
        manager.post("/budgets/close/reopen/", {"month": "2026-03", "reason": "x"}).status_code
        == 403
    )
    assert ClosedMonth.objects.exists()
    html = manager.get("/budgets/close/?year=2026").content.decode()
    assert "Closed" in html and "by Max Moreno" in html and "Reopen</button>" not in html
    admin_client = Client()
    admin_client.login(username="ada", password="correct-horse-1")
    assert "Reopen</button>" in admin_client.get("/budgets/close/?year=2026").content.decode()
    admin_client.post("/budgets/close/reopen/", {"month": "2026-03", "reason": "fix"})
    assert not ClosedMonth.objects.exists()
