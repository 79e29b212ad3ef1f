"""Refused forms of the plan, close, order and campaign pages (issue 11's rule): the same
page again (422) with the reason under the field it concerns, or above the form when it
concerns no single field, what was typed kept, nothing written. They used to redirect
with a toast ("field: reason") and lose the input."""

from datetime import date

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.planning.budget_actions import request_transfer
from pacer.planning.close_actions import close_month
from pacer.planning.models import (
    BudgetLine,
    BudgetTransfer,
    ClosedMonth,
    FxRate,
    PlanNode,
    PurchaseOrder,
)
from tests.planning.plan_fixture import build_plan
from tests.web.test_layout import _check, _context

pytestmark = pytest.mark.django_db


@pytest.fixture
def made(workspace, admin):
    return build_plan(workspace, admin)


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


def _written():
    return (
        sorted(PlanNode.objects.values_list("pk", "allocation")),
        sorted(BudgetLine.objects.values_list("pk", "amount")),
        sorted(BudgetTransfer.objects.values_list("pk", "status")),
        sorted(PurchaseOrder.objects.values_list("pk", "status")),
        sorted(ClosedMonth.objects.values_list("month", flat=True)),
        FxRate.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_refused_close_or_reopen_shows_the_reason_in_the_months_row(
    client, workspace, made, admin
):
    close_month(workspace, date(2026, 3, 1), actor=admin)
    before = _written()
    response = client.post("/budgets/close/month/", {"month": "2026-03"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="month-2026-03-month-error"><p>2026-03 is closed already</p>' in page
    assert '<a href="#month-2026-03-month">Month: 2026-03 is closed already</a>' in page
    assert '<option value="2026" selected>' in page  # the refused month's year
    typed = "<b>late</b> invoice 🧾 " + "x" * 500
    response = client.post("/budgets/close/reopen/", {"month": "2026-03", "reason": typed})
    assert response.status_code == 422
    page = response.content.decode()
    error = '<div class="field-error" id="month-2026-03-reason-error"><p>must be at most 500'
    assert error in page
    assert 'name="reason" required maxlength="500" placeholder="Reason" value="&lt;b&gt;late' in (
        page
    )
    assert 'aria-invalid="true" aria-describedby="month-2026-03-reason-error"' in page
    response = client.post("/budgets/close/reopen/", {"month": "2026-04", "reason": "why"})
    assert response.status_code == 422
    assert 'id="month-2026-04-month-error"><p>2026-04 is not closed</p>' in (
        response.content.decode()
    )
    assert _written() == before


def test_refused_node_page_forms_keep_the_input_at_their_fields(client, workspace, made):
    root, leaf = made["root"], made["leaf"]
    program, brand = made["program"], made["brand"]
    before = _written()
    typed = {"envelope": "<i>lots</i>", f"child-{program.pk}": "-5", f"child-{brand.pk}": "7"}
    response = client.post(f"/plans/{root.pk}/envelopes/", typed)
    assert response.status_code == 422
    page = response.content.decode()
    assert '<div class="field-error" id="envelope-envelope-error"><p>&#x27;&lt;i&gt;lots' in page
    assert 'id="envelope-envelope" name="envelope" type="text" value="&lt;i&gt;lots&lt;/i&gt;"' in (
        page
    )
    assert f'name="child-{brand.pk}" type="text" value="7"' in page
    response = client.post(f"/plans/{root.pk}/envelopes/", {"envelope": "10"})
    assert response.status_code == 422  # below what its children hold: above the fields
    box = '<a href="#envelope-envelope">This plan&#x27;s envelope: must be at least'
    assert box in response.content.decode()
    typed = {"month": "2026-13", "channel": "fax", "amount": "12.5", "location": "<AUS>"}
    response = client.post(f"/plans/{leaf.pk}/lines/", typed)
    assert response.status_code == 422
    page = response.content.decode()
    assert '<div class="field-error" id="line-month-error">' in page
    assert 'id="line-month" name="month" type="month" value="2026-13"' in page
    assert 'name="location" type="text" value="&lt;AUS&gt;"' in page
    assert '<a href="#line-month">Month: ' in page and 'id="envelope-envelope-error"' not in page
    response = client.post(f"/plans/{root.pk}/delete/")
    assert response.status_code == 422
    page = response.content.decode()
    refused = "Node: has 2 child nodes: move or delete the child nodes first"
    assert f'<a href="#delete-node">{refused}</a>' in page
    assert page.index("This node was not deleted") < page.index('id="delete-node"')
    assert _written() == before


def test_a_refused_order_status_or_transfer_decision_says_why_above_its_buttons(
    client, workspace, made, admin
):
    order = made["order"]
    mine = request_transfer(
        workspace,
        made["transfer"].target_id,
        made["transfer"].source_id,
        "2000",
        "mine",
        actor=admin,
    )
    before = _written()
    response = client.post(f"/orders/{order.pk}/", {"status": "cancelled"})
    assert response.status_code == 422
    page = response.content.decode()
    reason = "an invoiced order is closed, not cancelled"
    assert f'<a href="#order-status">The order&#x27;s status: {reason}</a>' in page
    assert page.index("The order's status was not changed") < page.index('id="order-status"')
    assert 'id="invoice-form"' in page and 'id="field-number-error"' not in page
    response = client.post(f"/budgets/transfers/{mine.pk}/", {"decision": "approve"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Transfer: was requested by you: another approver decides" in page
    assert page.index("The transfer was not decided") < page.index('id="pending-transfers"')
    assert _written() == before


def test_the_exchange_rate_form_reports_every_refused_field_at_once(client, workspace, made):
    """It stopped at the unreadable day and said nothing of the currency and the rate."""
    before = _written()
    typed = {"currency": "€€€€", "day": "2026-02-30", "rate": "-1"}
    response = client.post("/budgets/rates/", typed)
    assert response.status_code == 422
    page = response.content.decode()
    for field in ("currency", "day", "rate"):
        assert f'<div class="field-error" id="rate-{field}-error"><p>' in page, field
    assert "must be a date (YYYY-MM-DD), not &#x27;2026-02-30&#x27;" in page
    assert 'value="€€€€"' in page and 'value="-1"' in page
    assert _written() == before


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_refused_planning_forms_in_the_browser_mark_the_field_and_keep_the_input(
    live_server, browser, workspace, admin
):
    """At 390 and 1440 px (no sideways scroll, axe, screenshots): a blank reason to reopen
    a month, a word for a plan's envelope, an exchange rate wrong in every field and an
    invoiced order cancelled each come back with the reason where it belongs."""
    made = build_plan(workspace, admin)
    close_month(workspace, date(2026, 3, 1), actor=admin)
    root, order, url, found = made["root"], made["order"], live_server.url, []
    for width in (390, 1440):
        context, page, problems = _context(browser, width, "ada", url)
        page.goto(f"{url}/budgets/close/?year=2026")
        page.fill("#month-2026-03-reason", "   ")
        page.click("#month-2026-03-month")
        page.wait_for_selector("#month-2026-03-reason-error")
        assert page.inner_text("#month-2026-03-reason-error") == "must not be empty"
        assert page.get_attribute("#month-2026-03-reason", "aria-invalid") == "true"
        found += _check(page, "refused-month-reopen", width, problems)
        page.goto(f"{url}/plans/{root.pk}/")
        page.fill("#envelope-envelope", "plenty 💶")
        page.click("#envelope-form button[type=submit]")
        page.wait_for_selector("#envelope-envelope-error")
        assert "is not a number" in page.inner_text("#envelope-envelope-error")
        assert page.input_value("#envelope-envelope") == "plenty 💶"
        found += _check(page, "refused-envelope", width, problems)
        page.goto(f"{url}/budgets/")
        page.fill("#rate-currency", "€€")
        page.fill("#rate-day", "2026-02-28")
        page.fill("#rate-rate", "-1")
        page.click("#rate-form button[type=submit]")
        page.wait_for_selector("#rate-rate-error")
        assert page.is_visible("#rate-currency-error")
        assert page.input_value("#rate-currency") == "€€"
        found += _check(page, "refused-rate", width, problems)
        page.goto(f"{url}/orders/{order.pk}/")
        page.click("#order-status button[value=cancelled]")
        page.wait_for_selector("text=The order's status was not changed")
        found += _check(page, "refused-order-status", width, problems)
        context.close()
    assert found == [], "\n".join(found)
    assert ClosedMonth.objects.count() == 1 and FxRate.objects.count() == 1
    assert PurchaseOrder.objects.get(pk=order.pk).status == PurchaseOrder.Status.OPEN
