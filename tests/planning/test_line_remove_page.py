"""A budget line is removed from its node's page (a confirmed button per line): the line
goes, audited, the node's figures follow; refused (a closed month, an order, a transfer)
the node's page answers 422 with the reason at that line's button and nothing removed;
a member without ``budgets.manage`` sees no button and is refused."""

from datetime import date

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.budget_actions import plan_lines
from pacer.planning.close_actions import close_month
from pacer.planning.models import BudgetLine
from tests.planning.plan_fixture import build_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


@pytest.fixture
def plan(workspace):
    return build_plan(workspace)


def remove(client, node, line, query=""):
    return client.post(f"/plans/{node.pk}/lines/{line.pk}/remove/{query}")


def test_a_line_is_removed_from_its_nodes_page(client, workspace, plan):
    leaf = plan["leaf"]
    plan_lines(workspace, [{"node": leaf.pk, "month": "2026-05", "channel": "email",
                            "amount": "1234567.89"}])  # fmt: skip
    line = BudgetLine.objects.get(node=leaf, channel="email")
    page = client.get(f"/plans/{leaf.pk}/?team=all").content.decode()
    form = page.split(f'id="line-{line.pk}"')[1].split("</tr>")[0]
    assert f'action="/plans/{leaf.pk}/lines/{line.pk}/remove/?team=all"' in form
    assert (
        f'data-confirm="Remove budget line #{line.pk} (2026-05 · email · $1,234,567.89)? '
        'The node no longer plans that money."' in form
    )
    answer = remove(client, leaf, line, "?team=all")
    assert (answer.status_code, answer["Location"]) == (302, f"/plans/{leaf.pk}/?team=all")
    assert not BudgetLine.objects.filter(pk=line.pk).exists()
    assert BudgetLine.objects.filter(node=leaf).count() == 2
    entry = AuditEntry.objects.get(action="budget.delete")
    assert (entry.object_id, entry.before["amount"]) == (str(line.pk), "1234567.89")
    kpi = client.get(f"/plans/{leaf.pk}/").content.decode().split('id="kpi-planned"')[1]
    assert ">$20,000.00</b>" in kpi[:500]  # March's 12,000 and April's 8,000 are left


@pytest.mark.parametrize("why", ["order", "closed"])
def test_a_refused_removal_shows_the_reason_at_the_lines_button(client, workspace, plan, why):
    leaf = plan["leaf"]
    if why == "order":
        line = plan["order"].line
        reason = "has purchase orders or transfers; it is kept for them"
    else:
        line = BudgetLine.objects.get(node=leaf, month=date(2026, 4, 1))
        close_month(workspace, date(2026, 4, 1))
        reason = "2026-04 is closed: an admin must reopen it before changes dated in it"
    before = BudgetLine.objects.count()
    answer = remove(client, leaf, line, "?team=all")
    assert answer.status_code == 422
    page = answer.content.decode()
    assert f'<a href="#remove-line-{line.pk}">Line: {reason}</a>' in page
    cell = page.split(f'id="line-{line.pk}"')[1].split("</tr>")[0]
    assert f'<div class="field-error" id="remove-line-{line.pk}-error">{reason}</div>' in cell
    assert f'aria-describedby="remove-line-{line.pk}-error"' in cell
    assert BudgetLine.objects.count() == before
    assert not AuditEntry.objects.filter(action="budget.delete").exists()


def test_an_analyst_sees_no_remove_button_and_is_refused(workspace, plan):
    core_actions.create_user(workspace, "ann", "correct-horse-1", Role.ANALYST)
    analyst = Client()
    analyst.login(username="ann", password="correct-horse-1")
    leaf = plan["leaf"]
    page = analyst.get(f"/plans/{leaf.pk}/").content.decode()
    assert "/remove/" not in page and 'id="node-lines"' in page
    line = BudgetLine.objects.get(node=leaf, month=date(2026, 4, 1))
    assert remove(analyst, leaf, line).status_code == 403
    assert BudgetLine.objects.filter(pk=line.pk).exists()


def test_a_line_of_another_node_is_not_found(client, plan):
    line = BudgetLine.objects.get(node=plan["leaf"], month=date(2026, 4, 1))
    assert remove(client, plan["program"], line).status_code == 404
    assert BudgetLine.objects.filter(pk=line.pk).exists()
