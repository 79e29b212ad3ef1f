"""A budget line planned by mistake is removed over the REST API (``DELETE
/api/plans/lines/{id}``): audited, the node's figures updated; refused in a closed month
and while an order or a transfer refers to it, with nothing removed; another workspace's
line is not found; a member without ``budgets.manage`` is refused."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry, Workspace
from pacer.core.roles import Role
from pacer.planning.close_actions import close_month
from pacer.planning.models import BudgetLine, PlanNode
from pacer.planning.rollups import tree
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


@pytest.fixture
def node(workspace):
    return PlanNode.objects.create(workspace=workspace, kind="plan", name="P", fiscal_year=2026)


def plan(api, node, *rows):
    body = {"rows": [{"node": node.pk, "channel": c, "month": m, "amount": a} for c, m, a in rows]}
    assert api.post("plans/lines", body).status_code == 201
    return {line.channel: line for line in BudgetLine.objects.filter(node=node)}


def delete(api, line_id):
    return api.delete(f"plans/lines/{line_id}")


def planned(workspace, node) -> Decimal:
    return next(row for row in tree(workspace) if row.node.pk == node.pk).total.planned


def test_a_line_is_removed_audited_and_its_node_no_longer_counts_it(api, workspace, node):
    lines = plan(api, node, ("tv", "2026-03", "1000.10"), ("email", "2026-03", "0.90"))
    assert planned(workspace, node) == Decimal("1001.00")
    assert delete(api, lines["tv"].pk).status_code == 204
    assert list(BudgetLine.objects.values_list("channel", flat=True)) == ["email"]
    assert planned(workspace, node) == Decimal("0.90")
    entry = AuditEntry.objects.get(action="budget.delete")
    assert (entry.object_id, entry.before["amount"]) == (str(lines["tv"].pk), "1000.10")
    assert delete(api, lines["tv"].pk).status_code == 404  # gone: a second delete finds nothing


def test_a_line_of_a_closed_month_is_kept(api, workspace, node):
    lines = plan(api, node, ("tv", "2026-03", "1000.00"))
    close_month(workspace, date(2026, 3, 1))
    answer = delete(api, lines["tv"].pk)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "line": "2026-03 is closed: an admin must reopen it before changes dated in it"
    }
    assert BudgetLine.objects.filter(pk=lines["tv"].pk).exists()
    assert not AuditEntry.objects.filter(action="budget.delete").exists()


def test_a_line_with_a_transfer_is_kept(api, node):
    lines = plan(api, node, ("tv", "2026-03", "1000.00"), ("email", "2026-03", "10.00"))
    moved = api.post(
        "plans/transfers",
        {"source": lines["tv"].pk, "target": lines["email"].pk, "amount": "5", "reason": "x"},
    )
    assert moved.json()["status"] == "applied"
    answer = delete(api, lines["email"].pk)
    assert answer.status_code == 422
    assert answer.json()["errors"] == {
        "line": "has purchase orders or transfers; it is kept for them"
    }
    assert BudgetLine.objects.count() == 2


def test_another_workspaces_line_is_not_found_and_a_viewer_is_refused(api, workspace, node):
    other = Workspace.objects.create(name="Other", slug="other")
    theirs = PlanNode.objects.create(workspace=other, kind="plan", name="T", fiscal_year=2026)
    line = BudgetLine.objects.create(
        workspace=other, node=theirs, month=date(2026, 3, 1), channel="tv",
        amount=Decimal("5.00"), amount_base=Decimal("5.00"), fx_rate=Decimal(1),
    )  # fmt: skip
    answer = delete(api, line.pk)
    assert answer.status_code == 404 and "line_id" in answer.json()["errors"]
    ours = plan(api, node, ("tv", "2026-03", "7.00"))["tv"]
    analyst = core_actions.create_user(workspace, "ann", "correct-horse-1", Role.ANALYST)
    assert delete(ApiClient(workspace, analyst), ours.pk).status_code == 403
    assert BudgetLine.objects.filter(pk__in=[line.pk, ours.pk]).count() == 2
    assert not AuditEntry.objects.filter(action="budget.delete").exists()
