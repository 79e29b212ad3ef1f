"""Ids typed into the planning pages (a new node's parent and owner, a transfer's lines,
a purchase order's line) are read by ``core.errors.row_id``, as the rest of Pacer reads
ids from input: a sign or spaces around the digits name the same row ("+5", " 5"), every
id up to 2**63 - 1 is looked up (not found: the field's reason, on both databases), and
anything larger, zero or not a number is refused at its field. Nothing is written when
refused. (The pages' own checks refused "+5" and " 5", and took 19-digit ids for no id.)"""

import pytest

from pacer.core.errors import MAX_ROW_ID
from pacer.core.models import AuditEntry
from pacer.planning.models import BudgetLine, BudgetTransfer, PlanNode, PurchaseOrder, Vendor
from tests.planning.test_plan_pages import client, plan  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
NODE = {"kind": "program", "name": "Brand", "fiscal_year": "2026"}


def test_a_new_nodes_parent_and_owner_take_signed_and_spaced_ids(
    client,  # noqa: F811
    workspace,
    plan,  # noqa: F811
    admin,
):
    root, _ = plan
    for parent in (f"+{root.pk}", f" {root.pk} "):
        assert client.get("/plans/new/", {"parent": parent}).status_code == 200
    for parent in (str(MAX_ROW_ID), str(MAX_ROW_ID + 1), "0", "-1", "x"):
        assert client.get("/plans/new/", {"parent": parent}).status_code == 404

    before = PlanNode.objects.count(), AuditEntry.objects.count()
    for owner in (str(MAX_ROW_ID), str(MAX_ROW_ID + 1), "0", "x"):
        response = client.post(f"/plans/new/?parent={root.pk}", {**NODE, "owner": owner})
        assert response.status_code == 422
        assert "must be a member of this workspace" in response.content.decode()
    assert (PlanNode.objects.count(), AuditEntry.objects.count()) == before

    response = client.post(f"/plans/new/?parent=+{root.pk}", {**NODE, "owner": f" +{admin.pk}"})
    assert response.status_code == 302
    made = PlanNode.objects.get(name="Brand")
    assert (made.parent_id, made.owner_id) == (root.pk, admin.pk)


def test_a_transfers_and_an_orders_line_take_signed_and_spaced_ids(
    client,  # noqa: F811
    workspace,
    plan,  # noqa: F811
):
    source, target = BudgetLine.objects.order_by("pk")
    for typed, reason in (
        (str(MAX_ROW_ID), f"no budget line {str(MAX_ROW_ID)[:20]} in this workspace"),
        (str(MAX_ROW_ID + 1), "choose a budget line"),
        ("0", "choose a budget line"),
    ):
        response = client.post(
            "/budgets/transfers/",
            {"source": typed, "target": target.pk, "amount": "5", "reason": "TV"},
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert f'<div class="field-error" id="transfer-source-error"><p>{reason}' in page
    assert not BudgetTransfer.objects.exists()
    response = client.post(
        "/budgets/transfers/",
        {"source": f"+{source.pk}", "target": f" {target.pk}", "amount": "5", "reason": "TV"},
    )
    assert response.status_code == 302
    moved = BudgetTransfer.objects.get()
    assert (moved.source_id, moved.target_id, moved.status) == (source.pk, target.pk, "applied")

    vendor = Vendor.objects.create(workspace=workspace, name="Acme Agency", kind="agency")
    order = {"form": "order", "number": "PO-7", "issued_on": "2026-03-01", "amount": "10"}
    for typed in (str(MAX_ROW_ID), str(MAX_ROW_ID + 1), "0"):
        response = client.post(f"/vendors/{vendor.pk}/", {**order, "line": typed})
        assert response.status_code == 422
        assert "no such budget line in this workspace" in response.content.decode()
    assert not PurchaseOrder.objects.exists()
    response = client.post(f"/vendors/{vendor.pk}/", {**order, "line": f" +{source.pk} "})
    assert response.status_code == 302
    assert PurchaseOrder.objects.get().line_id == source.pk
