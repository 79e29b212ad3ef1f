"""The close, order and vendor pages' refused forms (issue 11): the close page comes back
(422) saying its own address (its forms post to /budgets/close/month/ and /reopen/, which
answer POST only), and every link of the pages' error boxes lands on a focusable element;
nothing is written."""

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.planning.close_actions import close_month
from pacer.planning.models import ClosedMonth, PurchaseOrder
from tests.planning.plan_fixture import build_plan
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')


@pytest.fixture
def made(workspace, admin, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 6, 1, 12, tzinfo=UTC))
    made = build_plan(workspace, admin)
    close_month(workspace, date(2026, 3, 1), actor=admin)
    client = Client()
    assert client.login(username="ada", password="correct-horse-1")
    return made | {"client": client}


def _written():
    return (
        sorted(PurchaseOrder.objects.values_list("pk", "status")),
        sorted(ClosedMonth.objects.values_list("month", flat=True)),
        AuditEntry.objects.count(),
    )


@pytest.mark.parametrize(
    ("url", "form", "links"),
    [
        ("/budgets/close/month/", {"month": "2026-03"}, ["month-2026-03-month"]),
        ("/budgets/close/reopen/", {"month": "2026-03", "reason": " "}, ["month-2026-03-reason"]),
        ("/budgets/close/reopen/", {"month": "2026-04", "reason": "x"}, ["month-2026-04-month"]),
        ("/budgets/close/reopen/", {"month": "2026-04", "reason": " "}, None),
        ("/budgets/close/reopen/", {"month": "<b>", "reason": " "}, []),
    ],
)
def test_a_refused_close_or_reopen_is_the_close_page_at_its_address(made, url, form, links):
    client = made["client"]
    before = _written()
    response = client.post(url, form)
    assert response.status_code == 422
    page = response.content.decode()
    assert _written() == before
    year = form["month"][:4] if form["month"][:4] in {"2026", "2025"} else "2026"
    assert ADDRESS.findall(page) == [f"/budgets/close/?year={year}"]
    assert broken_error_links(page) == []
    if links is not None:
        assert error_links(page) == links
    assert client.get(f"/budgets/close/?year={year}").status_code == 200


def test_a_refused_order_status_links_to_its_buttons(made):
    order = made["order"]
    before = _written()
    response = made["client"].post(f"/orders/{order.pk}/", {"status": "cancelled"})
    assert response.status_code == 422
    page = response.content.decode()
    assert error_links(page) == ["order-status"] and broken_error_links(page) == []
    assert _written() == before


def test_a_refused_order_of_a_vendor_is_shown_at_its_fields(made):
    vendor = made["vendor"]
    before = _written()
    response = made["client"].post(
        f"/vendors/{vendor.pk}/",
        {"form": "order", "number": "", "line": "x", "issued_on": "2026-13-45", "amount": "5"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert broken_error_links(page) == []
    assert error_links(page) == ["order-issued_on"]
    assert 'id="order-issued_on-error"' in page and 'value="2026-13-45"' in page
    assert 'id="field-name-error"' not in page  # the vendor's own form is not refused
    response = made["client"].post(
        f"/vendors/{vendor.pk}/",
        {"form": "order", "number": "", "line": "x", "issued_on": "2026-05-02", "amount": "5"},
    )
    page = response.content.decode()
    assert response.status_code == 422 and broken_error_links(page) == []
    assert {"order-number", "order-line"} <= set(error_links(page))
    assert _written() == before
