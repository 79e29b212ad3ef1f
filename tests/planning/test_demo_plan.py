"""The demo business's plan matches its spend: lines 10% above each month's spend,
an order per line for its amount, an invoice for what was spent."""

from decimal import Decimal

import pytest

from pacer.demo.plans import load_plan
from pacer.planning.rollups import tree

pytestmark = pytest.mark.django_db


def test_the_demo_plan_matches_the_simulated_spend(workspace, small_business):
    # brand (paid search): 300 in January 2026, 100 in February
    assert load_plan(workspace) == {"nodes": 3, "lines": 2, "orders": 2}
    rows = tree(workspace)
    assert [(r.node.name, r.depth) for r in rows] == [
        ("FY2026 plan", 0),
        ("Paid search", 1),
        ("brand", 2),
    ]
    for row in rows:
        total = row.total
        assert (total.planned, total.committed, total.invoiced, total.actual) == (
            Decimal("440.00"),  # 330 + 110
            Decimal("440.00"),
            Decimal("400.00"),
            Decimal("400.00"),
        )
    assert load_plan(workspace) == {"nodes": 0, "lines": 0, "orders": 0}  # once
