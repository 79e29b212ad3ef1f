"""The plan's facts summed over nodes and over months (``pacer.planning.sums``): the
report grouped without plan node reads the first, by plan node and channel, team,
location or vendor the second, and nothing else of the plan's money; a node's team, its
parent and its fiscal year move its money between their rows (the inherited team too);
deleting a node takes its spend out; rows left at zero go."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacer.core.errors import ValidationFailed
from pacer.planning import sums
from pacer.planning.actions import create_campaign, enter_spend
from pacer.planning.budget_actions import delete_line, plan_lines
from pacer.planning.models import BudgetLine, NodeSum, PlanSum
from pacer.planning.plan_actions import create_node, delete_node, move_node, update_node
from pacer.planning.report import plan_report
from pacer.teams import selectors as teams

pytestmark = pytest.mark.django_db
JAN = date(2026, 1, 1)


@pytest.fixture
def plan(workspace):
    """A plan of the performance team with a program (no team: the plan's) and a campaign
    under it planning 100 of email in January, 30 spent on it, and another plan."""
    create_campaign(workspace, "spring", "email")
    root = create_node(
        workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026, "team": "performance"}
    )
    program = create_node(
        workspace, {"kind": "program", "name": "P", "fiscal_year": 2026}, parent_id=root.pk
    )
    leaf = create_node(
        workspace,
        {"kind": "campaign", "name": "L", "fiscal_year": 2026, "campaign": "spring"},
        parent_id=program.pk,
    )
    other = create_node(workspace, {"kind": "plan", "name": "Other", "fiscal_year": 2026})
    plan_lines(workspace, [{"node": leaf.pk, "month": "2026-01", "channel": "email",
                            "amount": "100"}])  # fmt: skip
    enter_spend(workspace, {"day": date(2026, 1, 5), "channel": "email", "campaign": "spring",
                            "amount": "30"})  # fmt: skip
    return {"root": root, "program": program, "leaf": leaf, "other": other}


def team_id(workspace, key: str) -> int:
    return teams.team_by_key(workspace, key).pk


def test_the_report_without_node_reads_only_the_sums(workspace, plan):
    with CaptureQueriesContext(connection) as queries:
        found = plan_report(workspace, rows="team", columns="channel")
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "planning_plansum" in read
    for table in ("planfact", "nodemonth", "budgetline", "spendentry", "purchaseorder"):
        assert f"planning_{table}" not in read, table
    assert [(r.label, r.total.planned, r.total.actual) for r in found.rows] == [
        ("Performance", 100, 30)
    ]


def test_a_team_change_above_moves_the_money_of_the_nodes_that_inherit_it(workspace, plan):
    performance = team_id(workspace, "performance")
    key = (2026, JAN, "email", performance, "", "none")
    assert sums.stored(workspace.pk) == {key: [10000, 0, 0, 3000]}
    root = plan["root"]
    update_node(root, {"kind": "plan", "name": "FY", "fiscal_year": 2026, "team": "brand"})
    brand = team_id(workspace, "brand")
    assert sums.stored(workspace.pk) == {
        (2026, JAN, "email", brand, "", "none"): [10000, 0, 0, 3000]
    }
    assert PlanSum.objects.filter(workspace=workspace).count() == 1  # the emptied row went
    # the program takes the content team: the leaf below it follows
    update_node(
        plan["program"], {"kind": "program", "name": "P", "fiscal_year": 2026, "team": "content"}
    )
    content = team_id(workspace, "content")
    assert sums.stored(workspace.pk) == {
        (2026, JAN, "email", content, "", "none"): [10000, 0, 0, 3000]
    }
    # moved under the plan of no team, the program keeps its own
    move_node(plan["program"], plan["other"].pk)
    assert sums.stored(workspace.pk) == {
        (2026, JAN, "email", content, "", "none"): [10000, 0, 0, 3000]
    }
    # the leaf moved there alone inherits no team
    move_node(plan["leaf"], plan["other"].pk)
    assert sums.stored(workspace.pk) == {(2026, JAN, "email", 0, "", "none"): [10000, 0, 0, 3000]}
    assert sums.stored(workspace.pk) == sums.from_facts(workspace.pk)


def test_a_fiscal_year_change_moves_the_money_and_the_year_filter_follows(workspace, plan):
    leaf = plan["leaf"]
    values = {"kind": "campaign", "name": "L", "fiscal_year": 2027, "campaign": "spring"}
    update_node(leaf, values)
    performance = team_id(workspace, "performance")
    assert sums.stored(workspace.pk) == {
        (2027, JAN, "email", performance, "", "none"): [10000, 0, 0, 3000]
    }
    assert plan_report(workspace, rows="channel", fiscal_year=2026).rows == []
    found = plan_report(workspace, rows="year", fiscal_year=2027)
    assert [(r.label, r.total.planned, r.total.actual) for r in found.rows] == [("FY2027", 100, 30)]


def test_deleting_a_node_takes_its_unplanned_spend_out_of_the_sums(workspace, plan):
    create_campaign(workspace, "summer", "email")
    extra = create_node(
        workspace,
        {"kind": "tactic", "name": "T", "fiscal_year": 2026, "campaign": "summer"},
        parent_id=plan["other"].pk,
    )
    enter_spend(workspace, {"day": date(2026, 1, 9), "channel": "display", "campaign": "summer",
                            "amount": "7.5"})  # fmt: skip
    assert sums.stored(workspace.pk)[(2026, JAN, "display", 0, "", "none")] == [0, 0, 0, 750]
    with pytest.raises(ValidationFailed):  # its campaign has spend: unlinked first
        delete_node(extra)
    update_node(extra, {"kind": "tactic", "name": "T", "fiscal_year": 2026, "campaign": ""})
    delete_node(extra)
    performance = team_id(workspace, "performance")
    assert sums.stored(workspace.pk) == {
        (2026, JAN, "email", performance, "", "none"): [10000, 0, 0, 3000]
    }


def test_the_report_by_node_and_channel_reads_only_the_node_sums(workspace, plan):
    with CaptureQueriesContext(connection) as queries:
        found = plan_report(workspace, rows="node", columns="channel", depth=1)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "planning_nodesum" in read
    for table in ("planfact", "nodemonth", "plansum", "budgetline", "spendentry"):
        assert f"planning_{table}" not in read, table
    assert [(r.label, r.total.planned, r.total.actual) for r in found.rows] == [("P", 100, 30)]
    assert {k: (m.planned, m.actual) for k, m in found.rows[0].cells.items()} == {
        "email": (100, 30)
    }


def test_the_node_sums_follow_a_team_change_a_second_month_and_a_delete(workspace, plan):
    leaf = plan["leaf"].pk
    performance = team_id(workspace, "performance")
    assert sums.stored(workspace.pk, NodeSum) == {
        (leaf, 2026, "email", performance, "", "none"): [10000, 0, 0, 3000]
    }
    # a second month adds to the same row (no month in its key)
    plan_lines(workspace, [{"node": leaf, "month": "2026-02", "channel": "email",
                            "amount": "25.5"}])  # fmt: skip
    assert sums.stored(workspace.pk, NodeSum) == {
        (leaf, 2026, "email", performance, "", "none"): [12550, 0, 0, 3000]
    }
    update_node(plan["root"], {"kind": "plan", "name": "FY", "fiscal_year": 2026, "team": "brand"})
    brand = team_id(workspace, "brand")
    assert sums.stored(workspace.pk, NodeSum) == {
        (leaf, 2026, "email", brand, "", "none"): [12550, 0, 0, 3000]
    }
    assert NodeSum.objects.filter(workspace=workspace).count() == 1  # the emptied row went
    assert sums.stored(workspace.pk, NodeSum) == sums.from_facts(workspace.pk, NodeSum)
    for line in BudgetLine.objects.filter(workspace=workspace):
        delete_line(line)
    # its spend stays on it, unplanned (no vendor)
    assert sums.stored(workspace.pk, NodeSum) == {
        (leaf, 2026, "email", brand, "", "none"): [0, 0, 0, 3000]
    }
    # deleting it is refused while its campaign has spend: unlinked, its sums go
    update_node(plan["leaf"], {"kind": "campaign", "name": "L", "fiscal_year": 2026})
    assert sums.stored(workspace.pk, NodeSum) == {}
    delete_node(plan["leaf"])
    assert sums.stored(workspace.pk, NodeSum) == {}
