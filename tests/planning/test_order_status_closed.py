"""Closing or cancelling a purchase order moves its line's month's committed money, so a
closed month refuses it as it refuses every other money write dated in it: 422 naming
``status``, through the action, the REST API and the order's page, with nothing changed
(the order, the summaries, the close report, the audit); reopened, it goes through."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.planning.close_actions import close_month, reopen_month
from pacer.planning.close_selectors import close_report
from pacer.planning.models import NodeMonth, PlanFact, PurchaseOrder
from pacer.planning.purchase_actions import issue_order, set_order_status
from tests.api_client import ApiClient
from tests.planning.plan_fixture import build_plan

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
CLOSED = "2026-03 is closed: an admin must reopen it before changes dated in it"


@pytest.fixture
def made(workspace, admin):
    """The plan of ``plan_fixture`` (order PO-2026-001, 9,000 on the March line of the
    spring campaign, issued 20 Feb, 4,000 invoiced on 31 Mar) with PO-2, 1,000 on the
    same line issued 25 Feb and not invoiced; then March closed."""
    made = build_plan(workspace, admin)
    made["second"] = issue_order(
        workspace,
        {
            "number": "PO-2",
            "vendor": made["vendor"].pk,
            "line": made["order"].line_id,
            "issued_on": date(2026, 2, 25),
            "amount": "1000",
        },
    )
    close_month(workspace, "2026-03", actor=admin)
    return made


def _state(workspace):
    march = next(row for row in close_report(workspace, 2026) if row.month == date(2026, 3, 1))
    return (
        sorted(PurchaseOrder.objects.values_list("pk", "status")),
        sorted(NodeMonth.objects.values_list("node_id", "month", "committed")),
        sorted(PlanFact.objects.values_list("node_id", "month", "vendor", "committed")),
        (march.committed, march.accrued),
        sorted(AuditEntry.objects.values_list("pk", "action")),
    )


def test_the_action_refuses_a_status_change_in_a_closed_month(workspace, made, admin):
    before = _state(workspace)
    assert before[3] == (Decimal(10000), Decimal(6000))
    for order, status in ((made["order"], "closed"), (made["second"], "cancelled")):
        with pytest.raises(ValidationFailed) as caught:
            set_order_status(order, status, actor=admin)
        assert caught.value.errors == {"status": CLOSED}
        assert _state(workspace) == before
    reopen_month(workspace, "2026-03", reason="late PO close", actor=admin)
    set_order_status(made["order"], "closed", actor=admin)
    set_order_status(made["second"], "cancelled", actor=admin)
    march = next(row for row in close_report(workspace, 2026) if row.month == date(2026, 3, 1))
    assert (march.committed, march.accrued) == (Decimal(4000), Decimal(0))
    # the close report's committed is the tree's: a closed order commits what was invoiced
    tree = NodeMonth.objects.filter(month=date(2026, 3, 1)).aggregate(total=Sum("committed"))
    assert Decimal(tree["total"]) / 100 == Decimal(4000)


def test_the_api_and_the_order_page_answer_422_naming_status(workspace, made, admin):
    api = ApiClient(workspace, admin)
    before = _state(workspace)
    for order, verb in ((made["order"], "close"), (made["second"], "cancel")):
        answer = api.post(f"plans/orders/{order.pk}/{verb}")
        assert answer.status_code == 422
        assert answer.json()["errors"] == {"status": CLOSED}
        assert _state(workspace) == before
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    response = client.post(f"/orders/{made['order'].pk}/", {"status": "closed"})
    assert response.status_code == 422
    page = response.content.decode()
    assert f'<a href="#order-status">The order&#x27;s status: {CLOSED}</a>' in page
    assert _state(workspace) == before
