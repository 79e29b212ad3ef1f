"""The plan tree with its roll-ups (``pacer.planning.rollups.tree``) at issue 14's scale:
a plan with one program per location and 20 campaign nodes each, every campaign node
planning 23 channels × 12 months (50 locations: 1,051 nodes, 276,000 budget lines), one
purchase order and invoice per campaign node, and spend lines of the linked campaigns.

    .venv/bin/python benchmarks/planning_tree.py [LOCATIONS] [SPEND_LINES] [RUNS]

Defaults: 50 locations, 300,000 spend lines, 10 runs. Prints the build time, then the
median, p95 and range of ``tree()`` (wall and this process's CPU), and checks the
reconciliation (the root's totals equal the sums of the lines read in SQL).
SQLite by default; ``PACER_BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal

from _common import django_in_temp_dir

CAMPAIGNS_PER_LOCATION = 20
MONTHS = 12


def percentiles(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    middle = statistics.median(values)
    return f"median {middle:8.1f} ms  p95 {p95:8.1f} ms  range {ordered[0]:.1f}–{ordered[-1]:.1f}"


def build(locations: int, spend_lines: int):
    from django.db import connection, transaction

    from pacer.core import actions
    from pacer.core.channels import CHANNELS
    from pacer.planning.models import Campaign, Invoice, PlanNode, PurchaseOrder, Vendor

    channels = list(CHANNELS)[:23]
    workspace = actions.create_workspace("Bench", slug="bench")
    with transaction.atomic():
        root = PlanNode.objects.create(
            workspace=workspace, kind="plan", name="FY2026", fiscal_year=2026
        )
        programs = PlanNode.objects.bulk_create(
            PlanNode(
                workspace=workspace,
                parent=root,
                kind="program",
                name=f"Location {n:02d}",
                fiscal_year=2026,
                locations=[f"L{n:02d}"],
            )  # fmt: skip
            for n in range(locations)
        )
        campaigns = Campaign.objects.bulk_create(
            Campaign(
                workspace=workspace,
                key=f"c{p}-{n}",
                name=f"Campaign {p}-{n}",
                channel=channels[n % len(channels)],
            )  # fmt: skip
            for p in range(locations)
            for n in range(CAMPAIGNS_PER_LOCATION)
        )
        leaves = PlanNode.objects.bulk_create(
            PlanNode(
                workspace=workspace,
                parent=programs[i // CAMPAIGNS_PER_LOCATION],
                kind="campaign",
                name=c.name,
                fiscal_year=2026,
                campaign=c,
            )  # fmt: skip
            for i, c in enumerate(campaigns)
        )
        lines = [
            (
                workspace.pk,
                leaf.pk,
                date(2026, m, 1),
                ch,
                None,  # no team
                "",  # the location is its program's
                "USD",
                Decimal(100 + (i * 7 + m * 13 + c) % 900),
                Decimal(1),
                Decimal(100 + (i * 7 + m * 13 + c) % 900),
            )  # fmt: skip
            for i, leaf in enumerate(leaves)
            for m in range(1, MONTHS + 1)
            for c, ch in enumerate(channels)
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO planning_budgetline (workspace_id, node_id, month, channel, team_id,"
                " location, currency, amount, fx_rate, amount_base)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                lines,
            )
            spend = [
                (
                    workspace.pk,
                    date(2026, 1 + n % MONTHS, 1 + n % 28),
                    channels[(n // 7) % len(channels)],
                    campaigns[n % len(campaigns)].pk,
                    Decimal(n % 500) + Decimal("0.25"),
                )  # fmt: skip
                for n in range(spend_lines)
            ]
            cursor.executemany(
                "INSERT INTO planning_spendentry (workspace_id, day, channel, campaign_id,"
                " amount) VALUES (%s, %s, %s, %s, %s)",
                spend,
            )
        vendor = Vendor.objects.create(workspace=workspace, name="Agency", kind="agency")
        first_lines = dict(
            PlanNode.objects.filter(pk__in=[leaf.pk for leaf in leaves])
            .values_list("pk", "lines__pk")
            .order_by("pk", "lines__pk")
            .distinct()
            .reverse()
        )
        orders = PurchaseOrder.objects.bulk_create(
            PurchaseOrder(
                workspace=workspace,
                number=f"PO-{n}",
                vendor=vendor,
                line_id=first_lines[leaf.pk],
                issued_on=date(2026, 1, 2),
                currency="USD",
                amount=Decimal(80),
                amount_base=Decimal(80),
            )  # fmt: skip
            for n, leaf in enumerate(leaves)
        )
        Invoice.objects.bulk_create(
            Invoice(
                workspace=workspace,
                order=o,
                number="I-1",
                invoiced_on=date(2026, 1, 20),
                amount=Decimal(30),
                amount_base=Decimal(30),
            )  # fmt: skip
            for o in orders
        )
    return workspace, len(lines)


def by_line(workspace):
    """The tree's figures as ``tree()`` computed them until 2026-12-02: every budget
    line's figures read as a model (``line_figures``), added up per node, rolled up."""
    from pacer.planning.models import PlanNode
    from pacer.planning.rollups import Figures, NodeRow, line_figures, roll_up

    nodes = list(PlanNode.objects.filter(workspace=workspace).select_related("owner"))
    ids = [n.pk for n in nodes]
    lines, unplanned = line_figures(workspace, ids)
    own = {node_id: Figures() for node_id in ids}
    for figures in lines.values():
        own[figures.line.node_id].add(figures)
    for node_id, amount in unplanned.items():
        own[node_id].unplanned += amount
    totals = roll_up({n.pk: n.parent_id for n in nodes}, own)
    return [NodeRow(n, 0, own[n.pk], totals[n.pk]) for n in nodes]


def keys_in_python(workspace):
    """The tree's figures as ``tree()`` computed them from 2026-12-02 until the spend was
    matched in SQL: per-node sums in SQL, but every line's key read into a Python set
    and the spend summed per month with Django's ``TruncMonth``."""
    from collections import defaultdict
    from decimal import Decimal

    from pacer.planning.models import BudgetLine, Invoice, PlanNode, PurchaseOrder
    from pacer.planning.rollups import Figures, NodeRow, _cents, _spend_sums, roll_up

    nodes = list(PlanNode.objects.filter(workspace=workspace).select_related("owner"))
    own = defaultdict(Figures)
    lines = BudgetLine.objects.filter(workspace=workspace)
    orders = PurchaseOrder.objects.filter(workspace=workspace)
    invoices = Invoice.objects.filter(workspace=workspace)
    sums = (
        (lines, "node_id", "planned"),
        (orders.filter(status="open"), "line__node_id", "committed"),
        (invoices.filter(order__status="closed"), "order__line__node_id", "committed"),
        (invoices, "order__line__node_id", "invoiced"),
    )
    for rows, node, measure in sums:
        for row in rows.values(node).annotate(cents=_cents("amount_base")).order_by():
            figures = own[row[node]]
            setattr(figures, measure, getattr(figures, measure) + Decimal(row["cents"]).scaleb(-2))
    keys = set(lines.values_list("node_id", "month", "channel", "location").order_by())
    for node_id, month, channel, code, total in _spend_sums(workspace):
        if (node_id, month, channel, code) in keys or (node_id, month, channel, "") in keys:
            own[node_id].actual += total
        else:
            own[node_id].unplanned += total
    totals = roll_up({n.pk: n.parent_id for n in nodes}, own)
    return [NodeRow(n, 0, own[n.pk], totals[n.pk]) for n in nodes]


def main() -> None:
    locations = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    spend_lines = int(sys.argv[2]) if len(sys.argv) > 2 else 300_000
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    django_in_temp_dir("pacer-bench-tree-")
    from django.db import OperationalError, connection
    from django.db.models import Sum

    from pacer.planning.models import BudgetLine, SpendEntry
    from pacer.planning.rollups import tree

    print("load before:", os.getloadavg())
    started = time.perf_counter()
    workspace, line_count = build(locations, spend_lines)
    print(f"{connection.vendor}: built {line_count:,} budget lines and {spend_lines:,} spend "
          f"lines in {time.perf_counter() - started:.1f} s")  # fmt: skip
    before = None
    ways = [
        ("before: keys in Python", keys_in_python),
        ("tree(): spend matched in SQL", tree),
    ]
    if locations <= 10:  # line by line reads every line: minutes and gigabytes at 50
        ways.insert(0, ("before: line by line", by_line))
    for label, work in ways:
        try:
            found = work(workspace)  # warm
        except OperationalError as error:  # SQLite: at most 250,000 variables a query
            print(f"{label}: fails: {error}")
            continue
        walls, cpus = [], []
        for _ in range(runs):
            wall, cpu = time.perf_counter(), time.process_time()
            found = work(workspace)
            walls.append((time.perf_counter() - wall) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
        print(f"{label}, wall: {percentiles(walls)}")
        print(f"{label}, CPU:  {percentiles(cpus)}")
        totals = {row.node.pk: vars(row.total) for row in found}
        assert before is None or totals == before, f"{label} disagrees"
        before = totals
    rows = found
    root = rows[0].total
    planned = BudgetLine.objects.filter(workspace=workspace).aggregate(t=Sum("amount_base"))["t"]
    spent = SpendEntry.objects.filter(workspace=workspace).aggregate(t=Sum("amount"))["t"]
    assert root.planned == planned, (root.planned, planned)
    assert root.spent == spent, (root.spent, spent)
    assert root.committed == 80 * locations * CAMPAIGNS_PER_LOCATION
    print(f"reconciled: planned {root.planned:,}, spent {root.spent:,} (matched {root.actual:,})")
    print("load after:", os.getloadavg())


if __name__ == "__main__":
    main()
