"""Budget lines, exchange rates and transfers: exact money, approval above the
threshold, refusals that move nothing."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.budget_actions import (
    decide_transfer,
    plan_lines,
    request_transfer,
    set_rate,
    set_threshold,
)
from pacer.planning.models import BudgetLine, BudgetTransfer
from pacer.planning.plan_actions import create_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def node(workspace):
    return create_node(workspace, {"kind": "plan", "name": "FY2026", "fiscal_year": 2026})


def row(node, **values):
    return {"node": node.pk, "month": "2026-03", "channel": "email", "amount": "1000", **values}


def amounts(*lines):
    for line in lines:
        line.refresh_from_db()
    return [(line.amount, line.amount_base) for line in lines]


def test_lines_in_another_currency_convert_at_the_rate_of_their_month(workspace, node):
    set_rate(workspace, "EUR", date(2026, 1, 1), "1.10")
    set_rate(workspace, "eur", date(2026, 3, 15), "1.20")  # after the month began
    plan_lines(workspace, [row(node, currency="EUR", amount="999.99")])
    line = BudgetLine.objects.get()
    assert (line.currency, line.amount, line.fx_rate, line.amount_base) == (
        "EUR",
        Decimal("999.99"),
        Decimal("1.10000000"),
        Decimal("1099.99"),  # 1099.989 rounded half up to cents
    )
    assert line.month == date(2026, 3, 1)


def test_a_currency_without_a_rate_is_refused(workspace, node):
    with pytest.raises(ValidationFailed) as refused:
        plan_lines(workspace, [row(node, currency="GBP")])
    assert refused.value.errors == {
        "rows[0].currency": "no GBP rate on or before 2026-03-01: record one first"
    }
    assert not BudgetLine.objects.exists()


def test_planning_the_same_rows_again_changes_nothing(workspace, node):
    rows = [row(node), row(node, channel="tv", amount="250.50")]
    assert plan_lines(workspace, rows) == {"created": 2, "updated": 0}
    assert plan_lines(workspace, rows) == {"created": 0, "updated": 0}
    assert plan_lines(workspace, [row(node, amount="1200")]) == {"created": 0, "updated": 1}
    assert sorted(BudgetLine.objects.values_list("channel", "amount_base")) == [
        ("email", Decimal("1200.00")),
        ("tv", Decimal("250.50")),
    ]


def test_one_bad_row_refuses_the_set(workspace, node):
    with pytest.raises(ValidationFailed) as refused:
        plan_lines(
            workspace,
            [
                row(node),
                row(node, channel="tv2"),
                row(node, amount="-1"),
                row(node, month="2026-13"),
                {**row(node), "node": 987654},
                row(node, location="XX"),
                row(node),
            ],
        )
    assert refused.value.errors == {
        "rows[1].channel": "'tv2' is not a Pacer channel",
        "rows[2].amount": "must be a finite number of at least 0",
        "rows[3].month": "must be a month (YYYY-MM)",
        "rows[4].node": "no node 987654 in this workspace",
        "rows[5].location": "no location 'XX' in this workspace",
        "rows[6].month": "repeats rows[0] (same node, month, channel, team and location): "
        "send one amount per key",
    }
    assert not BudgetLine.objects.exists()


def two_lines(workspace, node):
    plan_lines(workspace, [row(node, amount="5000"), row(node, channel="tv", amount="100")])
    return BudgetLine.objects.get(channel="email"), BudgetLine.objects.get(channel="tv")


def test_a_transfer_up_to_the_threshold_moves_money_at_once(workspace, node, admin):
    source, target = two_lines(workspace, node)
    set_threshold(workspace, "1000")
    transfer = request_transfer(workspace, source.pk, target.pk, "1000.00", "tv test", actor=admin)
    assert transfer.status == "applied"
    assert amounts(source, target) == [
        (Decimal("4000.00"), Decimal("4000.00")),
        (Decimal("1100.00"), Decimal("1100.00")),
    ]
    entry = AuditEntry.objects.get(action="budget.transfer")
    assert (entry.after["amount"], entry.after["reason"]) == ("1000.00", "tv test")


def test_a_transfer_above_the_threshold_waits_for_another_approver(workspace, node, admin):
    source, target = two_lines(workspace, node)
    set_threshold(workspace, "999.99")
    transfer = request_transfer(workspace, source.pk, target.pk, "1000", "tv test", actor=admin)
    assert transfer.status == "pending"
    assert amounts(source, target) == [
        (Decimal("5000.00"), Decimal("5000.00")),
        (Decimal("100.00"), Decimal("100.00")),
    ]
    with pytest.raises(ValidationFailed) as refused:
        decide_transfer(transfer, True, actor=admin)
    assert refused.value.errors == {"transfer": "was requested by you: another approver decides"}
    other = core_actions.create_user(workspace, "grace", "correct-horse-1", Role.ADMIN)
    decide_transfer(transfer, True, actor=other)
    transfer.refresh_from_db()
    assert (transfer.status, transfer.decided_by_id) == ("applied", other.pk)
    assert amounts(source, target) == [
        (Decimal("4000.00"), Decimal("4000.00")),
        (Decimal("1100.00"), Decimal("1100.00")),
    ]
    with pytest.raises(ValidationFailed) as refused:
        decide_transfer(transfer, False, actor=other)
    assert refused.value.errors == {"transfer": "is applied already"}


def test_a_rejected_transfer_moves_nothing(workspace, node, admin):
    source, target = two_lines(workspace, node)
    set_threshold(workspace, "0")
    transfer = request_transfer(workspace, source.pk, target.pk, "10", "why", actor=admin)
    other = core_actions.create_user(workspace, "grace", "correct-horse-1", Role.ADMIN)
    decide_transfer(transfer, False, actor=other)
    assert BudgetTransfer.objects.get().status == "rejected"
    assert amounts(source, target) == [
        (Decimal("5000.00"), Decimal("5000.00")),
        (Decimal("100.00"), Decimal("100.00")),
    ]


def test_a_transfer_cannot_take_more_than_the_source_has(workspace, node, admin):
    source, target = two_lines(workspace, node)
    audited = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        request_transfer(workspace, source.pk, target.pk, "5000.01", "too much", actor=admin)
    assert refused.value.errors == {
        "amount": "the source line has 5000.00 free (planned less committed); not enough"
    }
    with pytest.raises(ValidationFailed) as refused:
        request_transfer(workspace, source.pk, source.pk, "0", "", actor=admin)
    assert refused.value.errors == {
        "target": "must differ from the source line",
        "amount": "must be more than 0",
        "reason": "must say why the money moves",
    }
    assert not BudgetTransfer.objects.exists() and AuditEntry.objects.count() == audited
    assert amounts(source, target)[0] == (Decimal("5000.00"), Decimal("5000.00"))


def test_a_transfer_into_a_line_in_another_currency_keeps_the_base_totals(workspace, node):
    set_rate(workspace, "EUR", date(2026, 1, 1), "1.25")
    plan_lines(workspace, [row(node, amount="1000"), row(node, channel="tv", currency="EUR")])
    source, target = BudgetLine.objects.get(channel="email"), BudgetLine.objects.get(channel="tv")
    request_transfer(workspace, source.pk, target.pk, "100", "shift")
    assert amounts(source, target) == [
        (Decimal("900.00"), Decimal("900.00")),
        (Decimal("1080.00"), Decimal("1350.00")),  # 1250 + 100 base; 1350 / 1.25 EUR
    ]


def test_rates_are_checked(workspace):
    with pytest.raises(ValidationFailed) as refused:
        set_rate(workspace, "E1", date(2026, 1, 1), "0")
    assert refused.value.errors == {
        "currency": "must be a three-letter ISO 4217 code such as EUR",
        "rate": "must be a number above 0 and below 1,000,000 (8 decimals)",
    }
    with pytest.raises(ValidationFailed) as refused:
        set_rate(workspace, "USD", date(2026, 1, 1), "1")
    assert refused.value.errors == {"currency": "is the workspace currency (its rate is always 1)"}


def test_the_budgets_page_says_how_to_move_money_and_names_who_did(workspace, node, admin):
    from django.test import Client

    client = Client()
    client.force_login(admin)
    page = client.get("/budgets/").content.decode()
    assert "No transfers yet." in page
    assert "Move money between two budget lines with the form above" in page
    admin.first_name, admin.last_name = "Ada", "Lovelace"
    admin.save()
    source, target = two_lines(workspace, node)
    request_transfer(workspace, source.pk, target.pk, "10.00", "tv test", actor=admin)
    page = client.get("/budgets/").content.decode()
    row = page[page.index("tv test") : page.index("</tr>", page.index("tv test"))]
    assert "Ada Lovelace" in row and f">{admin.username}<" not in row
    set_threshold(workspace, "5")  # above it, the transfer waits for another approver
    request_transfer(workspace, source.pk, target.pk, "20.00", "radio spot", actor=admin)
    page = client.get("/budgets/").content.decode()
    waiting = page[page.index("radio spot") : page.index("</li>", page.index("radio spot"))]
    assert "asked by Ada Lovelace" in waiting and admin.username not in waiting
