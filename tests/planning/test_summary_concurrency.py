"""The node-month summary under concurrency: a line planned and spend entered on the same
node and month at once, each in its own connection, both go through and the row equals a
recomputation (the spend counted as matched to the new line).

The line's transaction commits only after the spend's has started. Without the node lock
the spend's refresh would recompute the month before the line was committed (spend
unplanned) and then collide with the row the line's refresh wrote (a duplicate key, the
spend refused). With the lock it waits for the line to commit, then recomputes with it.
PostgreSQL only: SQLite runs one writer at a time, so the race cannot arise there.
"""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from pacer.planning import summary
from pacer.planning.actions import create_campaign, enter_spend
from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import NodeMonth
from pacer.planning.plan_actions import create_node

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]

HOLD_SECONDS = 1.0


def test_a_line_and_spend_written_at_once_on_one_node_month_both_count(workspace):
    create_campaign(workspace, "spring", "email")
    node = create_node(
        workspace, {"kind": "campaign", "name": "Spring", "fiscal_year": 2026, "campaign": "spring"}
    )
    planned = threading.Event()
    outcomes: dict[str, str] = {}

    def plan_and_hold():
        try:
            with transaction.atomic():
                plan_lines(
                    workspace,
                    [{"node": node.pk, "month": "2026-02", "channel": "email", "amount": "100"}],
                )
                planned.set()
                time.sleep(HOLD_SECONDS)  # the spend is entered while this is uncommitted
            outcomes["line"] = "planned"
        finally:
            planned.set()
            connection.close()

    def spend_while_the_line_is_open():
        planned.wait()
        try:
            values = {"day": date(2026, 2, 3), "channel": "email", "campaign": "spring"}
            enter_spend(workspace, {**values, "amount": "40"})
            outcomes["spend"] = "entered"
        except Exception as error:  # noqa: BLE001 - the outcome is what the test checks
            outcomes["spend"] = type(error).__name__
        finally:
            connection.close()

    threads = [
        threading.Thread(target=plan_and_hold),
        threading.Thread(target=spend_while_the_line_is_open),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes == {"line": "planned", "spend": "entered"}
    rows = {
        (row.node_id, row.month): [getattr(row, m) for m in summary.MEASURES]
        for row in NodeMonth.objects.filter(workspace=workspace)
    }
    assert rows == {(node.pk, date(2026, 2, 1)): [10000, 0, 0, 4000, 0]}
    assert rows == {k: v for k, v in summary.compute(workspace.pk).items() if any(v)}
