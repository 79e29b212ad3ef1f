"""What the team-scoped plan tree reads (issue 14, round 36): a team's money per node
comes from the facts summed over months (``NodeSum``) by the index that starts with the
team (``node_sum_team``), so the database reads that team's rows and no other team's; the
tree's queries do not grow with its nodes; the figures are the facts' to the cent.

At 1M spend lines on PostgreSQL (docs/benchmarks.md, round 36) reading the facts took
~55,200 index entries of 276,000 for one team and a sort on disk for two; the node sums
are a twelfth of that, read in node order."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from pacer.planning.budget_actions import plan_lines
from pacer.planning.close_selectors import close_report
from pacer.planning.models import PlanFact
from pacer.planning.plan_actions import create_node
from pacer.planning.rollups import Figures, team_figures, tree
from pacer.teams.selectors import team_by_key
from tests.planning.scope_fixture import build_team_plan

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
MEASURES = ("planned", "committed", "invoiced", "actual")


@pytest.fixture
def plan(workspace):
    return build_team_plan(workspace)


def _team(workspace, key: str) -> int:
    return team_by_key(workspace, key).pk


def _from_facts(workspace, team_ids: set[int]) -> dict[int, tuple]:
    """Each node's money of ``team_ids`` summed from the facts themselves, in cents."""
    rows = (
        PlanFact.objects.filter(workspace=workspace, team_id__in=team_ids)
        .values("node_id")
        .annotate(**{m: Sum(m) for m in MEASURES})
        .order_by()
    )
    found = {row["node_id"]: tuple(row[m] for m in MEASURES) for row in rows}
    return {node: cents for node, cents in found.items() if any(cents)}


def _cents(figures: Figures) -> tuple:
    return tuple(int(getattr(figures, m) * 100) for m in MEASURES)


def test_a_teams_money_per_node_is_the_facts_summed_to_the_cent(workspace, plan):
    performance, brand = _team(workspace, "performance"), _team(workspace, "brand")
    flight = plan["brand"].children.get(name="TV flight")
    plan_lines(  # a line of performance on brand's node: counted for performance there
        workspace,
        [{"node": flight.pk, "month": "2026-06", "channel": "paid_social",
          "team": "performance", "amount": "700.10"}],
    )  # fmt: skip
    for chosen in ({performance}, {brand}, {performance, brand}):
        found = {node: _cents(f) for node, f in team_figures(workspace, chosen).items()}
        assert found == _from_facts(workspace, chosen)
    mine = team_figures(workspace, {performance})
    assert _cents(mine[flight.pk]) == (70010, 0, 0, 0)
    assert _cents(mine[plan["leaf"].pk]) == (2000000, 900000, 400000, 800025)
    assert team_figures(workspace, {brand}, [plan["leaf"].pk]) == {}
    assert team_figures(workspace, set()) == {}


def _grow(workspace, plan, count: int) -> None:
    """``count`` more campaign nodes under Performance, each with a line."""
    for n in range(count):
        node = create_node(
            workspace,
            {"kind": "campaign", "name": f"Extra {n}", "fiscal_year": 2026,
             "starts_on": date(2026, 1, 1), "ends_on": date(2026, 12, 31)},
            parent_id=plan["program"].pk,
        )  # fmt: skip
        plan_lines(
            workspace,
            [{"node": node.pk, "month": "2026-02", "channel": "paid_search", "amount": "10"}],
        )


def _queries(work) -> int:
    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured.captured_queries)


def test_the_scoped_trees_queries_do_not_grow_with_its_nodes(workspace, plan):
    performance = {_team(workspace, "performance")}
    small = _queries(lambda: tree(workspace, team_ids=performance))
    _grow(workspace, plan, 12)
    rows = tree(workspace, team_ids=performance)
    assert _queries(lambda: tree(workspace, team_ids=performance)) == small == 3
    assert sum(not row.context for row in rows) == 2 + 12  # Performance, Spring, 12 more
    assert rows[0].total.planned == Decimal(35000 + 12 * 10)


def _plan_of(sql: str) -> str:
    """SQLite's plan for ``sql`` in words."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(row[-1] for row in cursor.fetchall())


def test_a_teams_money_is_read_from_the_index_that_starts_with_the_team(workspace, plan):
    performance = _team(workspace, "performance")
    with CaptureQueriesContext(connection) as captured:
        team_figures(workspace, {performance})
    (query,) = captured.captured_queries
    assert "planning_nodesum" in query["sql"] and "planning_planfact" not in query["sql"]
    if connection.vendor == "postgresql":
        # PostgreSQL's choice between two indexes of a table of a few rows is a coin toss
        # of its cost estimates (the full suite's run picked the workspace's own index, a
        # helper's run this one): here the index is checked to exist in the order the query
        # needs (workspace and team its range, node its order, the sums in it); that the
        # planner takes it at size is the benchmark's EXPLAIN at 1M spend lines
        # (docs/benchmarks.md, planning, round 36: Index Only Scan using node_sum_team)
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'node_sum_team'")
            (definition,) = cursor.fetchone()
        assert definition.endswith(
            "(workspace_id, team_id, node_id, planned, committed, invoiced, actual)"
        ), definition
        where = query["sql"].split(" WHERE ", 1)[1]
        assert '"workspace_id" =' in where and '"team_id" IN' in where, where
    else:
        found = _plan_of(query["sql"])
        assert "COVERING INDEX node_sum_team (workspace_id=? AND team_id=?)" in found, found


def test_the_scoped_close_reads_the_orders_once_not_once_a_month(workspace, plan):
    performance = {_team(workspace, "performance")}
    every = _queries(lambda: close_report(workspace, 2026))
    scoped = _queries(lambda: close_report(workspace, 2026, performance))
    # lines, orders, invoices, actual, closed months, the open orders and their invoices
    # for the accruals of all twelve months (not two queries a month), the nodes' teams
    assert (every, scoped) == (7, 11)
    rows = close_report(workspace, 2026, performance)
    assert [row.accrued for row in rows] == [0, 9000, 5000, 5000, 5000, 5000, 5000, 5000,
                                             5000, 5000, 5000, 5000]  # fmt: skip
