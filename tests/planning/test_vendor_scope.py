"""The agency scorecards and the vendors pages keep the team filter
(``scope.scoped_address``): their buttons and rows link at the team the page was reached
at, and saving a vendor, issuing an order or recording an invoice there comes back at it.
Without a chosen team the addresses carry none."""

import re
from datetime import date

import pytest

from pacer.core.roles import Role
from pacer.planning.models import Invoice, PurchaseOrder, Vendor
from tests.planning.scope_fixture import build_team_plan, login

pytestmark = pytest.mark.django_db
BUTTONS = re.compile(r'<a class="button(?: primary)?" href="(/[^"]*)"')


def _page(response) -> str:
    assert response.status_code == 200
    return response.content.decode().replace("&amp;", "&")


@pytest.fixture
def plan(workspace):
    return build_team_plan(workspace)


@pytest.fixture
def admin(workspace, plan):
    return login(workspace, "ari", Role.ADMIN, ["performance"])


def test_the_scorecards_link_the_vendors_and_results_at_the_team(admin):
    page = _page(admin.get("/vendors/scorecards/?team=brand"))
    assert BUTTONS.findall(page) == ["/vendors/?team=brand", "/plans/results/?team=brand"]
    unscoped = _page(admin.get("/vendors/scorecards/"))
    assert BUTTONS.findall(unscoped) == ["/vendors/", "/plans/results/"]


def test_the_vendors_pages_link_each_other_at_the_team(admin, plan):
    vendor = plan["vendor"].pk
    listed = _page(admin.get("/vendors/?team=all"))
    assert BUTTONS.findall(listed) == ["/budgets/?team=all", "/vendors/scorecards/?team=all"]
    assert f'href="/vendors/{vendor}/?team=all"' in listed
    shown = _page(admin.get(f"/vendors/{vendor}/?team=all"))
    assert BUTTONS.findall(shown) == ["/vendors/?team=all"]
    orders = re.findall(r'href="(/orders/[^"]*)"', shown)
    ids = PurchaseOrder.objects.filter(vendor_id=vendor).order_by("issued_on", "pk")
    assert sorted(orders) == sorted(f"/orders/{o.pk}/?team=all" for o in ids)
    assert len(orders) == 2
    order = ids.first()
    page = _page(admin.get(f"/orders/{order.pk}/?team=all"))
    assert BUTTONS.findall(page) == [
        f"/vendors/{vendor}/?team=all",
        f"/plans/{order.line.node_id}/?team=all",
    ]
    assert BUTTONS.findall(_page(admin.get(f"/vendors/{vendor}/"))) == ["/vendors/"]
    assert BUTTONS.findall(_page(admin.get("/vendors/"))) == [
        "/budgets/",
        "/vendors/scorecards/",
    ]


def test_saving_a_vendor_and_an_order_comes_back_at_the_team(admin, plan):
    created = admin.post("/vendors/?team=brand", {"name": "Northwind", "kind": "agency"})
    vendor = Vendor.objects.get(name="Northwind")
    assert (created.status_code, created["Location"]) == (302, f"/vendors/{vendor.pk}/?team=brand")
    refused = admin.post("/vendors/?team=brand", {"name": "", "kind": "agency"})
    assert refused.status_code == 422
    assert set(refused.context["errors"]) == {"name"}
    assert BUTTONS.findall(refused.content.decode().replace("&amp;", "&"))[0] == (
        "/budgets/?team=brand"
    )
    assert Vendor.objects.filter(name="").count() == 0
    line = PurchaseOrder.objects.filter(vendor=plan["vendor"]).first().line_id
    issued = admin.post(
        f"/vendors/{vendor.pk}/?team=brand",
        {
            "form": "order",
            "number": "PO-2026-900",
            "line": line,
            "issued_on": "2026-05-03",
            "currency": "EUR",
            "amount": "100",
        },
    )
    order = PurchaseOrder.objects.get(number="PO-2026-900")
    assert (order.vendor_id, order.amount, order.issued_on) == (vendor.pk, 100, date(2026, 5, 3))
    assert (issued.status_code, issued["Location"]) == (302, f"/orders/{order.pk}/?team=brand")
    invoiced = admin.post(
        f"/orders/{order.pk}/?team=brand",
        {"number": "INV-1", "invoiced_on": "2026-05-20", "amount": "100"},
    )
    assert Invoice.objects.get(order=order).amount == 100
    assert (invoiced.status_code, invoiced["Location"]) == (302, f"/orders/{order.pk}/?team=brand")
    closed = admin.post(f"/orders/{order.pk}/?team=brand", {"status": "closed"})
    assert PurchaseOrder.objects.get(pk=order.pk).status == PurchaseOrder.Status.CLOSED
    assert (closed.status_code, closed["Location"]) == (302, f"/orders/{order.pk}/?team=brand")
    plain = admin.post("/vendors/", {"name": "Contoso", "kind": "agency"})
    assert plain["Location"] == f"/vendors/{Vendor.objects.get(name='Contoso').pk}/"
