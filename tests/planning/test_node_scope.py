"""A node's page counts the money of the ``team`` filter's teams (the viewer's by default,
as the plan tree does): its figures, its children's, its own lines and their orders; the
page says what it is computed on, and the teams' figures add up to every team's. The plan:
``scope_fixture.build_team_plan`` with a Brand line (and spend matched to it) on the
Performance campaign node."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core.roles import Role
from pacer.planning.actions import record_spend
from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import Campaign
from tests.planning.scope_fixture import build_team_plan, login

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(workspace):
    found = build_team_plan(workspace)
    line = {"node": found["leaf"].pk, "month": "2026-04", "channel": "email", "amount": "700"}
    plan_lines(workspace, [line | {"team": "brand"}])
    spring = Campaign.objects.get(workspace=workspace, key="spring-social")
    spend = {"day": date(2026, 4, 2), "channel": "email", "campaign": spring, "amount": "60.50"}
    record_spend(workspace, [spend])
    return found


def money(figures) -> tuple:
    return (figures.planned, figures.committed, figures.invoiced, figures.spent, figures.accrual)


def node_page(client, node, team: str = ""):
    response = client.get(f"/plans/{node.pk}/" + (f"?team={team}" if team else ""))
    assert response.status_code == 200
    return response.context, response.content.decode()


def test_the_plans_page_shows_each_teams_money_and_they_add_up_to_every_teams(workspace, plan):
    admin = login(workspace, "ari", Role.ADMIN, [])
    performance, page = node_page(admin, plan["root"], "performance")
    assert money(performance["row"].total) == (35000, 9000, 4000, Decimal("8000.25"), 5000)
    assert "Showing the money of Performance." in page
    children = {c.node.name: c.total.planned for c in performance["children"]}
    assert children == {"Performance": 35000, "Brand": 0}
    brand, page = node_page(admin, plan["root"], "brand")
    # 40,000 EUR × 1.08 + 5,000 + the 700 on Performance's campaign; TV 1,000 + 60.50
    assert money(brand["row"].total) == (48900, 3000, 0, Decimal("1060.50"), 3000)
    assert {c.node.name: c.total.planned for c in brand["children"]} == {
        "Performance": 700,
        "Brand": 48200,
    }
    assert "Showing the money of Brand." in page
    every, page = node_page(admin, plan["root"])  # an admin: every team by default
    assert money(every["row"].total) == (83900, 12000, 4000, Decimal("9060.75"), 8000)
    assert "Showing the money of every team." in page
    for name in ("planned", "committed", "invoiced", "spent"):
        parts = getattr(performance["row"].total, name) + getattr(brand["row"].total, name)
        assert parts == getattr(every["row"].total, name), name


def test_a_nodes_lines_and_orders_are_the_teams_and_the_others_are_said_left_out(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    mine, page = node_page(performer, plan["leaf"])  # a member: their teams by default
    assert money(mine["row"].total) == (20000, 9000, 4000, Decimal("8000.25"), 5000)
    assert [(f.line.channel, f.planned, f.actual) for f in mine["lines"]] == [
        ("paid_social", 12000, Decimal("8000.25")),
        ("paid_social", 8000, 0),
    ]
    assert [o.number for o in mine["orders"]] == ["PO-2026-001"]
    assert "Showing the money of your teams (Performance)." in page
    other = page.split('id="node-other-lines">')[1].split("</p>")[0]
    assert other.startswith("1 line of other teams on this node is not shown nor counted")
    assert 'href="?team=all"' in other
    brand, page = node_page(performer, plan["leaf"], "brand")
    assert money(brand["row"].total) == (700, 0, 0, Decimal("60.50"), 0)
    assert [(f.line.channel, f.planned, f.actual) for f in brand["lines"]] == [
        ("email", 700, Decimal("60.50"))
    ]
    assert list(brand["orders"]) == []
    assert "2 lines of other teams on this node are not shown" in page
    every, page = node_page(performer, plan["leaf"], "all")
    assert money(every["row"].total) == (20700, 9000, 4000, Decimal("8060.75"), 5000)
    assert len(every["lines"]) == 3 and 'id="node-other-lines"' not in page


def test_a_scoped_node_page_links_its_parents_and_children_in_the_same_scope(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    _, page = node_page(performer, plan["program"], "brand")
    assert f'href="/plans/{plan["root"].pk}/?team=brand">FY2026' in page
    assert f'href="/plans/{plan["leaf"].pk}/?team=brand">Spring social push<' in page
    _, page = node_page(performer, plan["program"])  # the default: links without a team
    assert f'href="/plans/{plan["leaf"].pk}/">Spring social push<' in page


def test_unplanned_spend_is_its_nodes_teams(workspace, plan):
    """The TV flight's March spend matches no line (its line is June's): Brand's money."""
    admin = login(workspace, "ari", Role.ADMIN, [])
    flight = plan["brand"].children.get()
    brand, page = node_page(admin, flight, "brand")
    assert brand["unplanned"] == 1000 and "Spend no line of this node matches" in page
    performance, page = node_page(admin, flight, "performance")
    assert performance["unplanned"] == 0 and "Spend no line of this node matches" not in page
    assert money(performance["row"].total) == (0, 0, 0, 0, 0)


@pytest.mark.parametrize("team", ["brand", "performance", "all"])
def test_a_node_opened_from_the_plan_tree_shows_its_rows_figures(workspace, plan, team):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    response = performer.get(f"/plans/?team={team}")
    tree_page = response.content.decode()
    rows = response.context["rows"]
    assert len(rows) >= 3
    for row in rows:
        assert f'href="/plans/{row.node.pk}/?team={team}">' in tree_page
        context, _ = node_page(performer, row.node, team)
        assert money(context["row"].total) == money(row.total), row.node.name
