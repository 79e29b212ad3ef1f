"""The facts summed over nodes (``pacer.planning.sums``) under concurrency: two writers of
different nodes (no node lock between them) that meet on one ``PlanSum`` row add up,
and a writer that adds to a row another has just emptied and deleted puts it back with
its own amount. Each writer holds its transaction open while the other writes.

The first writer's upsert holds the row; the second's ``INSERT ... ON CONFLICT DO
UPDATE`` waits for it, then adds to the committed row (or, when the first deleted it,
inserts anew). Setting the row instead of adding to it loses the first writer's money.
PostgreSQL only: SQLite runs one writer at a time, so the race cannot arise there.
"""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from pacer.planning import sums
from pacer.planning.budget_actions import delete_line, plan_lines
from pacer.planning.models import BudgetLine
from pacer.planning.plan_actions import create_node

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]

HOLD_SECONDS = 1.0
KEY = (2026, date(2026, 2, 1), "email", 0, "", "none")


def line(node, amount: str) -> dict:
    return {"node": node.pk, "month": "2026-02", "channel": "email", "amount": amount}


def race(workspace, first, second) -> dict[str, str]:
    """Run ``first`` in a transaction held open, and ``second`` while it is open."""
    started, outcomes = threading.Event(), {}

    def hold():
        try:
            with transaction.atomic():
                first()
                started.set()
                time.sleep(HOLD_SECONDS)
            outcomes["first"] = "done"
        finally:
            started.set()
            connection.close()

    def meanwhile():
        started.wait()
        try:
            second()
            outcomes["second"] = "done"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes["second"] = type(error).__name__
        finally:
            connection.close()

    threads = [threading.Thread(target=hold), threading.Thread(target=meanwhile)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def nodes(workspace):
    values = {"kind": "campaign", "fiscal_year": 2026}
    return (
        create_node(workspace, {**values, "name": "A"}),
        create_node(workspace, {**values, "name": "B"}),
    )


def test_two_nodes_planning_on_one_sum_row_at_once_add_up(workspace):
    a, b = nodes(workspace)
    outcomes = race(
        workspace,
        lambda: plan_lines(workspace, [line(a, "100")]),
        lambda: plan_lines(workspace, [line(b, "40")]),
    )
    assert outcomes == {"first": "done", "second": "done"}
    assert sums.stored(workspace.pk) == {KEY: [14000, 0, 0, 0]}
    assert sums.stored(workspace.pk) == sums.from_facts(workspace.pk)


def test_a_row_emptied_and_deleted_while_another_node_adds_to_it_comes_back(workspace):
    a, b = nodes(workspace)
    plan_lines(workspace, [line(a, "100")])
    planned = BudgetLine.objects.get(node=a)
    outcomes = race(
        workspace,
        lambda: delete_line(planned),  # the row goes to 0: deleted
        lambda: plan_lines(workspace, [line(b, "40")]),
    )
    assert outcomes == {"first": "done", "second": "done"}
    assert sums.stored(workspace.pk) == {KEY: [4000, 0, 0, 0]}
    assert sums.stored(workspace.pk) == sums.from_facts(workspace.pk)
