"""The plan's ledger over the REST API: deleting a node (refused while it has children,
budget lines, orders or spend, naming which), changing a vendor, closing and cancelling
a purchase order (close releases the uninvoiced rest, cancel only with nothing
invoiced), listing invoices. Exact answers, refusals that write nothing, the gate."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.models import Invoice, PlanNode, PurchaseOrder, Vendor
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import issue_order, record_invoice
from tests.api_client import ApiClient
from tests.planning.plan_fixture import build_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


@pytest.fixture
def plan(workspace):
    return build_plan(workspace)


@pytest.fixture
def analyst(workspace):
    user = core_actions.create_user(workspace, "ann", "correct-horse-1", Role.ANALYST)
    return ApiClient(workspace, user)


def audits(action: str) -> int:
    return AuditEntry.objects.filter(action=action).count()


def test_a_node_is_refused_naming_everything_it_has(api, plan):
    nodes = PlanNode.objects.count()
    answer = api.delete(f"plans/nodes/{plan['root'].pk}")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "node": "has 2 child nodes: move or delete the child nodes first"
    }
    answer = api.delete(f"plans/nodes/{plan['leaf'].pk}")
    assert answer.json()["errors"] == {
        "node": "has 2 budget lines, 1 purchase order and spend (2 lines of its campaign "
        "'spring-social'): the orders' lines are kept for them, so the node is too"
    }
    assert (PlanNode.objects.count(), audits("plan_node.delete")) == (nodes, 0)


def test_a_node_with_spend_only_is_kept_and_one_with_nothing_is_deleted(api, workspace, plan):
    campaign = create_campaign(workspace, "autumn", "email")
    record_spend(workspace, [{"day": date(2026, 9, 1), "channel": "email", "campaign": campaign,
                              "amount": "0.01"}])  # fmt: skip
    values = {"kind": "campaign", "name": "Spent", "fiscal_year": 2026}
    spent = create_node(workspace, {**values, "campaign": "autumn"}, parent_id=None)
    answer = api.delete(f"plans/nodes/{spent.pk}")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "node": "has spend (1 line of its campaign 'autumn'): unlink the campaign first"
    }
    empty = create_node(workspace, {**values, "name": "Empty"}, parent_id=plan["brand"].pk)
    assert api.delete(f"plans/nodes/{empty.pk}").status_code == 204
    assert not PlanNode.objects.filter(pk=empty.pk).exists()
    entry = AuditEntry.objects.get(action="plan_node.delete")
    assert (entry.object_id, entry.before["name"]) == (str(empty.pk), "Empty")
    assert api.delete(f"plans/nodes/{empty.pk}").json()["errors"] == {
        "node_id": "no such node in this workspace"
    }


def test_deleting_a_node_needs_plans_manage(workspace, plan, analyst):
    empty = create_node(
        workspace, {"kind": "plan", "name": "Spare", "fiscal_year": 2026}, parent_id=None
    )
    assert analyst.delete(f"plans/nodes/{empty.pk}").status_code == 403
    assert PlanNode.objects.filter(pk=empty.pk).exists()


VENDOR = {
    "name": "Northwind Social",
    "kind": "platform",
    "contract": "MSA-2027",
    "contract_starts": "2027-01-01",
    "contract_ends": "2027-12-31",
    "rates": "10% of media",
    "scope": "Paid social",
    "contact_name": "Ann Lee",
    "contact_email": "ann@northwind.test",
}


def test_a_vendor_is_changed_and_audited(api, plan):
    vendor = plan["vendor"]
    answer = api.put(f"plans/vendors/{vendor.pk}", VENDOR)
    assert answer.status_code == 200
    assert answer.json() == {**VENDOR, "id": vendor.pk}
    vendor.refresh_from_db()
    assert (vendor.kind, vendor.contract_ends, vendor.contact_email) == (
        "platform", date(2027, 12, 31), "ann@northwind.test",
    )  # fmt: skip
    entry = AuditEntry.objects.get(action="vendor.update")
    assert (entry.before["contract"], entry.after["contract"]) == ("MSA-2026-04", "MSA-2027")


def test_a_vendor_change_is_refused_at_the_field_and_nothing_changes(api, workspace, plan, analyst):
    vendor = plan["vendor"]
    Vendor.objects.create(workspace=workspace, name="Taken", kind="agency")
    answer = api.put(f"plans/vendors/{vendor.pk}", {**VENDOR, "name": "Taken"})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"name": "a vendor named 'Taken' exists already"}
    backwards = {**VENDOR, "contract_ends": "2026-12-31"}
    answer = api.put(f"plans/vendors/{vendor.pk}", backwards)
    assert answer.status_code == 422 and "contract_ends" in answer.json()["errors"]
    assert api.put("plans/vendors/999999", VENDOR).json()["errors"] == {
        "vendor_id": "no such vendor in this workspace"
    }
    assert analyst.put(f"plans/vendors/{vendor.pk}", VENDOR).status_code == 403
    vendor.refresh_from_db()
    assert (vendor.name, vendor.kind, audits("vendor.update")) == ("Northwind Social", "agency", 0)


def test_closing_an_order_releases_what_was_not_invoiced(api, plan):
    order = plan["order"]  # 9,000 on a line of 12,000 + 2,500 pending; 4,000 invoiced
    answer = api.post(f"plans/orders/{order.pk}/close")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["invoiced"], body["commits"]) == ("closed", "4000.00", "4000.00")
    assert body["line_free"] == "8000.00"  # 12,000 planned less the 4,000 invoiced
    order.refresh_from_db()
    assert order.status == "closed"
    assert AuditEntry.objects.get(action="purchase_order.status").after == {"status": "closed"}
    again = api.post(f"plans/orders/{order.pk}/close")
    assert again.status_code == 422
    assert again.json()["errors"] == {"status": "the order is closed already"}
    invoice = {"order": order.pk, "number": "late", "invoiced_on": "2026-04-02", "amount": "1"}
    refused = api.post("plans/invoices", invoice)
    assert refused.json()["errors"] == {"order": "the order is closed: it takes no more invoices"}


def test_an_invoiced_order_is_not_cancelled_an_uninvoiced_one_is(api, workspace, plan, analyst):
    order = plan["order"]
    answer = api.post(f"plans/orders/{order.pk}/cancel")
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"status": "an invoiced order is closed, not cancelled"}
    order.refresh_from_db()
    assert order.status == "open" and audits("purchase_order.status") == 0
    fresh = issue_order(
        workspace,
        {"number": "PO-2", "vendor": plan["vendor"].pk, "line": order.line_id,
         "issued_on": date(2026, 2, 21), "amount": "1000.50"},
    )  # fmt: skip
    assert analyst.post(f"plans/orders/{fresh.pk}/cancel").status_code == 403
    answer = api.post(f"plans/orders/{fresh.pk}/cancel")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["status"], body["invoiced"], body["commits"]) == ("cancelled", "0.00", "0.00")
    assert body["line_free"] == "3000.00"  # 12,000 less the open 9,000
    assert api.post("plans/orders/999999/cancel").status_code == 404


def test_invoices_are_listed_by_vendor_order_and_month_and_paged(api, workspace, plan, analyst):
    order = plan["order"]
    record_invoice(
        workspace, {"order": order.pk, "number": "NW-312", "invoiced_on": date(2026, 4, 2),
                    "amount": "1500.55"},
    )  # fmt: skip
    other = Vendor.objects.create(workspace=workspace, name="Other", kind="agency")
    listed = api.get("plans/invoices").json()
    assert [(i["number"], i["amount"], i["vendor"], i["order"]) for i in listed] == [
        ("NW-312", "1500.55", plan["vendor"].pk, order.pk),
        ("NW-311", "4000.00", plan["vendor"].pk, order.pk),
    ]
    assert listed[1] == {
        "id": Invoice.objects.get(number="NW-311").pk, "order": order.pk, "number": "NW-311",
        "invoiced_on": "2026-03-31", "amount": "4000.00", "amount_base": "4000.00",
        "flagged": False, "vendor": plan["vendor"].pk, "flag_reason": "",
    }  # fmt: skip
    numbers = lambda **q: [i["number"] for i in api.get("plans/invoices", **q).json()]  # noqa: E731
    assert numbers(month="2026-03") == ["NW-311"]
    assert numbers(month="2026-04", order=order.pk) == ["NW-312"]
    assert numbers(vendor=other.pk) == []
    assert numbers(limit=1, offset=1) == ["NW-311"]
    answer = api.get("plans/invoices", month="2026-13")
    assert answer.status_code == 422 and "month" in answer.json()["errors"]
    assert api.get("plans/invoices", limit=0).status_code == 422
    assert analyst.get("plans/invoices").status_code == 200  # budgets.view: analysts
    staff = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    assert ApiClient(workspace, staff).get("plans/invoices").status_code == 403


def test_closing_or_cancelling_another_workspaces_order_finds_nothing(api, plan):
    from pacer.core.models import Workspace

    other = Workspace.objects.create(name="Other", slug="other-orders")
    theirs = build_plan(other)
    for verb in ("close", "cancel"):
        answer = api.post(f"plans/orders/{theirs['order'].pk}/{verb}")
        assert answer.status_code == 404
        assert answer.json()["errors"] == {"order_id": "no such purchase order in this workspace"}
    assert PurchaseOrder.objects.get(pk=theirs["order"].pk).status == "open"
    assert api.delete(f"plans/nodes/{theirs['brand'].pk}").status_code == 404
    assert api.get("plans/invoices").json()[0]["order"] == plan["order"].pk
    assert len(api.get("plans/invoices").json()) == 1
    assert Decimal(api.get("plans/invoices").json()[0]["amount"]) == Decimal(4000)
