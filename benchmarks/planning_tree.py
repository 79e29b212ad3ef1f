"""The plan tree with its roll-ups (``pacer.planning.rollups.tree``) at issue 14's scale:
a plan with one program per location and 20 campaign nodes each, every campaign node
planning 23 channels × 12 months (50 locations: 1,051 nodes, 276,000 budget lines), one
purchase order and invoice per campaign node, and spend lines of the linked campaigns.

    .venv/bin/python benchmarks/planning_tree.py [LOCATIONS] [SPEND_LINES] [RUNS] \
        [--scoped-only] [--reuse]

Defaults: 50 locations, 300,000 spend lines, 10 runs. ``--scoped-only`` stops after the
team-scoped tree and close (below), leaving out the report and the transfer. ``--reuse``
times the workspace a run before built in the same database (PostgreSQL: a server kept
between runs) instead of building one; the sizes given are then ignored.

Prints the build time and the node-month summary's rebuild (the build writes the tables
directly), then the median,
p95 and range (wall and this process's CPU) of the tree computed from the tables (before
the summary) and of ``tree()`` (from it), checked node by node against each other, of the
planned-vs-actual report by node, channel, location, team × vendor and by month (its
totals checked against the tree's), of a transfer between two lines and of the monthly
close (its report; closing January once); and checks the reconciliation (the root's
totals equal the sums of the lines read in SQL). The planned-vs-actual report groups the
node months by node and time, the facts per line key (``pacer.planning.facts``) by node
and channel, team, location or vendor, and the facts summed over nodes
(``pacer.planning.sums``) by anything without node; the facts summed from the tables (the
report's way before them) are timed once and checked against the report by channel; by
node and another dimension than time it reads the facts summed over months (``NodeSum``).
Each program has a location (its lines and its campaigns' spend are there) and one of the
five default teams (its campaigns inherit it). The team-scoped case (``pacer.planning.scope``:
what a member of teams sees by default) times the tree and the monthly close of one team
and of two, each checked against the planned-vs-actual report for the same teams.
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


LINE_COLUMNS = (
    "workspace_id", "node_id", "month", "channel", "team_id", "location", "currency", "amount",
    "fx_rate", "amount_base",
)  # fmt: skip
SPEND_COLUMNS = ("workspace_id", "day", "channel", "campaign_id", "location_id", "amount")


def insert_rows(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    """Write ``rows`` (tuples in the order of ``columns``) into ``table`` directly: one
    COPY on PostgreSQL (row by row ``executemany`` took 510 s for the issue's 1.3M rows at
    load 15-26), ``executemany`` on SQLite (in-process, already fast)."""
    if cursor.db.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)


def build(locations: int, spend_lines: int):
    from django.db import connection, transaction

    from pacer.core import actions
    from pacer.core.channels import CHANNELS
    from pacer.people.actions import upsert_locations
    from pacer.people.selectors import locations_by_code
    from pacer.planning.models import Campaign, Invoice, PlanNode, PurchaseOrder, Vendor
    from pacer.teams import selectors as teams

    channels = list(CHANNELS)[:23]
    workspace = actions.create_workspace("Bench", slug="bench")
    codes = [f"L{n:02d}" for n in range(locations)]
    upsert_locations(workspace, [{"code": code, "name": f"Location {code}"} for code in codes])
    location_ids = [locations_by_code(workspace, codes)[code].pk for code in codes]
    team_ids = sorted(teams.teams_by_id(workspace))  # the five default teams
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
                locations=[codes[n]],
                team_id=team_ids[n % len(team_ids)],  # its campaigns inherit it
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
                None,  # no team: its program's
                codes[i // CAMPAIGNS_PER_LOCATION],  # its program's location
                "USD",
                Decimal(100 + (i * 7 + m * 13 + c) % 900),
                Decimal(1),
                Decimal(100 + (i * 7 + m * 13 + c) % 900),
            )  # fmt: skip
            for i, leaf in enumerate(leaves)
            for m in range(1, MONTHS + 1)
            for c, ch in enumerate(channels)
        ]
        spend = (
            (
                workspace.pk,
                date(2026, 1 + n % MONTHS, 1 + n % 28),
                channels[(n // 7) % len(channels)],
                campaigns[n % len(campaigns)].pk,
                location_ids[(n % len(campaigns)) // CAMPAIGNS_PER_LOCATION],
                Decimal(n % 500) + Decimal("0.25"),
            )  # fmt: skip
            for n in range(spend_lines)
        )
        with connection.cursor() as cursor:
            insert_rows(cursor, "planning_budgetline", LINE_COLUMNS, lines)
            insert_rows(cursor, "planning_spendentry", SPEND_COLUMNS, spend)
            if connection.vendor == "postgresql":  # the planner's statistics of the new rows
                cursor.execute("ANALYZE planning_budgetline, planning_spendentry")
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


def from_tables(workspace):
    """The tree's figures as ``tree()`` computed them before the node-month summary: each
    node's money summed from the lines, orders, invoices and spend (spend matched to lines
    in SQL) on every call (``summary.compute`` over the whole workspace), rolled up."""
    from pacer.planning import summary
    from pacer.planning.models import PlanNode
    from pacer.planning.rollups import Figures, NodeRow, roll_up

    nodes = list(PlanNode.objects.filter(workspace=workspace).select_related("owner"))
    own = {n.pk: Figures() for n in nodes}
    for (node_id, _), cents in summary.compute(workspace.pk).items():
        own[node_id].add(Figures(*(Decimal(c).scaleb(-2) for c in cents)))
    totals = roll_up({n.pk: n.parent_id for n in nodes}, own)
    return [NodeRow(n, 0, own[n.pk], totals[n.pk]) for n in nodes]


def server_cpu() -> float | None:
    """The CPU seconds this connection's PostgreSQL backend has used (from /proc: the
    server runs on this machine); None on SQLite or when it cannot be read."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def timed(label: str, work, runs: int):
    """Run ``work`` once warm, then ``runs`` times; print wall and CPU (on PostgreSQL also
    the server's CPU per call, a mean: /proc counts in 10 ms ticks); the last result."""
    found = work()
    walls, cpus = [], []
    server_before = server_cpu()
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        found = work()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    server_after = server_cpu()
    print(f"{label}, wall: {percentiles(walls)}")
    print(f"{label}, CPU:  {percentiles(cpus)}")
    if server_before is not None and server_after is not None:
        print(f"{label}, server CPU: mean {(server_after - server_before) * 1000 / runs:.1f} ms")
    return found


def scoped(workspace, runs: int) -> None:
    """The tree and the monthly close as a member of one team, and of two, sees them by
    default; each checked against the planned-vs-actual report of the same teams."""
    from pacer.planning.close_selectors import close_report
    from pacer.planning.facts import MEASURES
    from pacer.planning.report import plan_report
    from pacer.planning.rollups import tree
    from pacer.teams import selectors as teams

    team_ids = sorted(teams.teams_by_id(workspace))
    for chosen in ({team_ids[0]}, {team_ids[0], team_ids[1]}):
        label = f"{len(chosen)} team{'s' if len(chosen) > 1 else ''}"
        rows = timed(
            f"tree(team_ids=<{label}>)", lambda c=chosen: tree(workspace, team_ids=c), runs
        )
        report = plan_report(workspace, rows="node", depth=1, team_ids=chosen)
        root = rows[0].total
        money = (root.planned, root.committed, root.invoiced, root.actual)
        expected = tuple(getattr(report.total, m) for m in MEASURES)
        assert money == expected, (money, expected)
        shown = sum(not row.context for row in rows)
        print(f"  {label}: {len(rows):,} rows ({shown:,} of the teams), planned {root.planned:,}")
        months = timed(
            f"close_report(2026, team_ids=<{label}>)",
            lambda c=chosen: close_report(workspace, 2026, team_ids=c),
            runs,
        )
        assert sum(m.planned for m in months) == root.planned
        assert sum(m.actual for m in months) == root.actual


def build_and_summarise(locations: int, spend_lines: int):
    """Build the plan (``build``) and its summaries, printing the time of each; the
    workspace."""
    from django.db import connection

    from pacer.planning import summary
    from pacer.planning.models import NodeSum, PlanFact, PlanSum

    started, cpu = time.perf_counter(), time.process_time()
    workspace, line_count = build(locations, spend_lines)
    print(f"{connection.vendor}: built {line_count:,} budget lines and {spend_lines:,} spend "
          f"lines in {time.perf_counter() - started:.1f} s "
          f"(CPU {time.process_time() - cpu:.1f} s)")  # fmt: skip
    wall, cpu = time.perf_counter(), time.process_time()
    count = summary.rebuild(workspace)  # the build wrote the tables directly
    if connection.vendor == "postgresql":  # what autovacuum does on a production server
        with connection.cursor() as cursor:  # (the test server runs without it)
            cursor.execute("VACUUM ANALYZE")
    facts_count = PlanFact.objects.filter(workspace=workspace).count()
    sums_count = PlanSum.objects.filter(workspace=workspace).count()
    node_sums = NodeSum.objects.filter(workspace=workspace).count()
    print(f"summary.rebuild: {count:,} node-month rows, {facts_count:,} facts, {sums_count:,} "
          f"sums over nodes, {node_sums:,} over months in {time.perf_counter() - wall:.1f} s "
          f"(CPU {time.process_time() - cpu:.1f} s)")  # fmt: skip
    return workspace


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    locations = int(args[0]) if len(args) > 0 else 50
    spend_lines = int(args[1]) if len(args) > 1 else 300_000
    runs = int(args[2]) if len(args) > 2 else 10
    django_in_temp_dir("pacer-bench-tree-")
    from django.db import OperationalError, connection
    from django.db.models import Sum

    from pacer.planning.budget_actions import request_transfer
    from pacer.planning.models import BudgetLine, SpendEntry
    from pacer.planning.report import plan_report
    from pacer.planning.rollups import tree

    print("load before:", os.getloadavg())
    from pacer.core.models import Workspace

    kept = Workspace.objects.filter(slug="bench").first() if "--reuse" in sys.argv else None
    if kept is not None:
        workspace = kept
        print(f"{connection.vendor}: reused the workspace built before "
              f"({BudgetLine.objects.filter(workspace=kept).count():,} budget lines)")  # fmt: skip
    else:
        workspace = build_and_summarise(locations, spend_lines)
    before = None
    ways = [
        ("before: from the tables", from_tables),
        ("tree(): from the node-month summary", tree),
    ]
    if locations <= 10:  # line by line reads every line: minutes and gigabytes at 50
        ways.insert(0, ("before: line by line", by_line))
    if "--scoped-only" in sys.argv:
        ways = ways[-1:]
    for label, work in ways:
        try:
            found = timed(label, lambda work=work: work(workspace), runs)
        except OperationalError as error:  # SQLite: at most 250,000 variables a query
            print(f"{label}: fails: {error}")
            continue
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
    scoped(workspace, runs)
    if "--scoped-only" in sys.argv:
        print("load after:", os.getloadavg())
        return
    from pacer.planning import facts

    wall, cpu = time.perf_counter(), time.process_time()
    by_channel = {}
    for key, cents in facts.compute(workspace.pk).items():  # the report's old way, once
        found_cents = by_channel.setdefault(key[2], [0, 0, 0, 0])
        for index, value in enumerate(cents):
            found_cents[index] += value
    print(f"before: the facts summed from the tables (once): {time.perf_counter() - wall:.1f} s "
          f"wall, {time.process_time() - cpu:.1f} s CPU")  # fmt: skip
    for rows_by, columns_by in (
        ("node", ""),
        ("node", "month"),
        ("channel", ""),
        ("channel", "month"),
        ("location", ""),
        ("team", "vendor"),
        ("vendor", ""),
        ("year", "channel"),
        ("location", "month"),
        # by node and another dimension: the facts summed over months (``NodeSum``)
        ("node", "channel"),
        ("node", "team"),
        ("node", "location"),
        ("node", "vendor"),
    ):
        report = timed(
            f"plan_report(rows={rows_by!r}, columns={columns_by!r})",
            lambda r=rows_by, c=columns_by: plan_report(workspace, rows=r, columns=c, depth=1),
            runs,
        )
        money = (report.total.planned, report.total.committed, report.total.actual)
        assert money == (root.planned, root.committed, root.spent), money
        if (rows_by, columns_by) == ("channel", ""):  # the kept facts = the tables' sums
            kept = {
                row.key: [int(getattr(row.total, m) * 100) for m in facts.MEASURES]
                for row in report.rows
            }
            assert kept == by_channel, "the kept facts disagree with the tables"
    lines = list(BudgetLine.objects.filter(workspace=workspace).order_by("pk")[:2])
    timed(
        "request_transfer of 1.00 (applied, summary refreshed)",
        lambda: request_transfer(workspace, lines[0].pk, lines[1].pk, "1", "bench"),
        runs,
    )
    from pacer.planning.close_actions import close_month, reopen_month
    from pacer.planning.close_selectors import close_report

    timed("close_report(2026): the monthly close page", lambda: close_report(workspace, 2026), runs)
    wall, cpu = time.perf_counter(), time.process_time()
    close_month(workspace, date(2026, 1, 1))  # once: a closed month stays closed
    print(f"close_month(2026-01), once: {(time.perf_counter() - wall) * 1000:.1f} ms wall, "
          f"{(time.process_time() - cpu) * 1000:.1f} ms CPU")  # fmt: skip
    reopen_month(workspace, date(2026, 1, 1), "benchmark")  # for the next --reuse run
    print("load after:", os.getloadavg())


if __name__ == "__main__":
    main()
