"""Each plan node's own money per month (``NodeMonth``), the same money per line key
(``PlanFact``, ``pacer.planning.facts``) and that summed over nodes (``PlanSum``,
``pacer.planning.sums``), kept current by the actions that change it, and read by the
plan tree and the planned-vs-actual report instead of the lines.

Every action that writes budget lines, transfers, purchase orders, invoices, spend or a
node's campaign link calls one ``refresh`` at its end, in its own transaction, with the
(node, month) pairs it touched (``lines``, ``spend`` and ``nodes`` name them). ``refresh``
locks those nodes (in id order), then recomputes the pairs' rows (of both tables) from
the tables, so the
rows are a function of what is stored: two writers of the same node take turns (on
PostgreSQL the second recomputes after the first commits, seeing its rows; SQLite has
one writer), and no order of writes can leave a row that a recomputation from scratch
(``rebuild``) would not give. A node's spend is its linked campaign's, matched to its
lines by the rule of ``pacer.planning.rollups``; whether spend is matched depends on the
lines, so writing or deleting a line refreshes its (node, month) with the spend in it.
A fact carries its node's team (when the line has none) and fiscal year, so changing a
node's team, parent or fiscal year refreshes every node whose resolved team or year
changed (``plan_actions``); deleting a node first ``drop``s it.

Money is in whole cents (``ROUND(amount * 100)`` per row), exact on SQLite too.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection
from django.db.models import Sum

from pacer.core.models import Workspace
from pacer.planning import facts, scope, sums
from pacer.planning.models import (
    BudgetLine,
    Invoice,
    NodeMonth,
    PlanFact,
    PlanNode,
    PurchaseOrder,
    SpendEntry,
)

MEASURES = ("planned", "committed", "invoiced", "actual", "unplanned")
CHUNK = 500  # node ids per statement: far below PostgreSQL's 65,535 parameters

_MONTH_START = {
    "sqlite": "strftime('%%Y-%%m-01', s.day)",
    "postgresql": "CAST(date_trunc('month', s.day) AS date)",
}


def as_month(value) -> date:
    if isinstance(value, datetime):
        return value.date().replace(day=1)
    if isinstance(value, date):
        return value.replace(day=1)
    return date.fromisoformat(str(value)[:10]).replace(day=1)


def lines(items: Iterable) -> set[tuple[int, date]]:
    """The (node, month) pairs of budget lines (or anything with ``node_id``, ``month``)."""
    return {(line.node_id, as_month(line.month)) for line in items}


def spend(workspace: Workspace | int, entries: Iterable) -> set[tuple[int, date]]:
    """The (node, month) pairs of spend entries: the node their campaign is linked to."""
    by_campaign: dict[int, set[date]] = {}
    for entry in entries:
        if entry.campaign_id is not None:
            by_campaign.setdefault(entry.campaign_id, set()).add(as_month(entry.day))
    if not by_campaign:
        return set()
    linked = PlanNode.objects.filter(
        workspace_id=getattr(workspace, "pk", workspace), campaign_id__in=list(by_campaign)
    ).values_list("campaign_id", "pk")
    return {(node, month) for campaign, node in linked for month in by_campaign[campaign]}


def refresh(
    workspace: Workspace | int,
    pairs: Iterable[tuple[int, date]] = (),
    *,
    nodes: Iterable[int] = (),
) -> None:
    """Recompute the rows of the (node, month) ``pairs`` and of every month of ``nodes``.
    Call last in the transaction that changed them (it locks the nodes)."""
    workspace_id = getattr(workspace, "pk", workspace)
    whole = set(nodes)
    months: dict[int, set[date]] = {}
    for node_id, month in pairs:
        if node_id not in whole:
            months.setdefault(node_id, set()).add(as_month(month))
    ids = sorted(whole | set(months))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        # FOR NO KEY UPDATE: writers of these nodes' figures take turns; inserting a line
        # or order that refers to a node (KEY SHARE) is not held up
        list(
            PlanNode.objects.select_for_update(no_key=True)
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    node_teams = scope.node_teams(workspace_id) if ids else {}
    delta = sums.Delta()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        whole_chunk = [n for n in chunk if n in whole]
        wanted = {(n, m) for n in chunk if n not in whole for m in months[n]}
        by_month: dict[date, list[int]] = {}
        for node_id, month in wanted:
            by_month.setdefault(month, []).append(node_id)
        for model in (NodeMonth, PlanFact):
            gone = []
            if whole_chunk:
                gone.append(
                    model.objects.filter(workspace_id=workspace_id, node_id__in=whole_chunk)
                )
            for month, node_ids in by_month.items():
                gone.append(
                    model.objects.filter(
                        workspace_id=workspace_id, node_id__in=node_ids, month=month
                    )
                )
            for rows in gone:
                if model is PlanFact:  # taken out of the sums as they were summed
                    delta.facts(sums.stored_facts(rows), -1)
                rows.delete()
        span = sorted({m for _, m in wanted}) if not whole_chunk else None
        found = compute(workspace_id, chunk, span)
        _insert(
            workspace_id,
            {k: v for k, v in found.items() if k[0] in whole or k in wanted},
        )
        found_facts = facts.compute(workspace_id, chunk, span, node_teams)
        kept = {k: v for k, v in found_facts.items() if k[0] in whole or k[:2] in wanted}
        facts.store(workspace_id, kept)
        years = facts.fiscal_years(workspace_id, chunk)
        delta.facts(((years[k[0]], k, v) for k, v in kept.items()), 1)
    sums.add(workspace_id, delta)


def drop(workspace: Workspace | int, node_ids: Iterable[int]) -> None:
    """Take the nodes ``node_ids`` out of the summaries, before they are deleted (their
    rows would go with them, but not their share of the sums over nodes)."""
    workspace_id = getattr(workspace, "pk", workspace)
    ids = sorted(node_ids)
    list(
        PlanNode.objects.select_for_update(no_key=True)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    rows = PlanFact.objects.filter(workspace_id=workspace_id, node_id__in=ids)
    delta = sums.Delta()
    delta.facts(sums.stored_facts(rows), -1)
    rows.delete()
    NodeMonth.objects.filter(workspace_id=workspace_id, node_id__in=ids).delete()
    sums.add(workspace_id, delta)


def rebuild(workspace: Workspace | int) -> int:
    """Recompute every row of the workspace, node months, facts and their sums over nodes
    (after rows were
    written by other means, such as a bulk load straight into the tables). Returns the
    number of node-month rows."""
    workspace_id = getattr(workspace, "pk", workspace)
    NodeMonth.objects.filter(workspace_id=workspace_id).delete()
    found = compute(workspace_id)
    _insert(workspace_id, found)
    PlanFact.objects.filter(workspace_id=workspace_id).delete()
    facts.store(workspace_id, facts.compute(workspace_id))
    sums.rebuild(workspace_id)
    return len(found)


def _insert(workspace_id: int, found: dict[tuple[int, date], list[int]]) -> None:
    NodeMonth.objects.bulk_create(
        [
            NodeMonth(
                workspace_id=workspace_id,
                node_id=node_id,
                month=month,
                **dict(zip(MEASURES, v, strict=True)),
            )
            for (node_id, month), v in found.items()
            if any(v)
        ],
        batch_size=1000,
    )


def compute(
    workspace_id: int, node_ids: list[int] | None = None, months: list[date] | None = None
) -> dict[tuple[int, date], list[int]]:
    """``{(node, month): [planned, committed, invoiced, actual, unplanned]}`` in cents,
    from the tables, for the nodes ``node_ids`` (all when None) and, when ``months`` is
    given, at least those months (the span from the first to the last)."""
    quote = connection.ops.quote_name
    line, order, invoice = (quote(m._meta.db_table) for m in (BudgetLine, PurchaseOrder, Invoice))
    spend_t, node_t = quote(SpendEntry._meta.db_table), quote(PlanNode._meta.db_table)
    location = quote(SpendEntry._meta.get_field("location").related_model._meta.db_table)
    found: dict[tuple[int, date], list[int]] = {}

    def add(rows, *measures: int) -> None:
        for node_id, month, *values in rows:
            figures = found.setdefault((node_id, as_month(month)), [0] * len(MEASURES))
            for index, value in zip(measures, values, strict=True):
                figures[index] += int(value or 0)

    cents = "SUM(CAST(ROUND({} * 100) AS BIGINT))"
    where, params = facts.node_month_filter(node_ids, months, "b.node_id", "b.month")
    queries = [
        (
            f"SELECT b.node_id, b.month, {cents.format('b.amount_base')} FROM {line} b "
            f"WHERE b.workspace_id = %s{where} GROUP BY b.node_id, b.month",
            (0,),
        ),
        (
            f"SELECT b.node_id, b.month, {cents.format('o.amount_base')} FROM {order} o "
            f"JOIN {line} b ON b.id = o.line_id "
            f"WHERE b.workspace_id = %s AND o.status = 'open'{where} GROUP BY b.node_id, b.month",
            (1,),
        ),
        (
            f"SELECT b.node_id, b.month, "
            f"SUM(CASE WHEN o.status = 'closed' THEN CAST(ROUND(i.amount_base * 100) AS BIGINT)"
            f" ELSE 0 END), {cents.format('i.amount_base')} FROM {invoice} i "
            f"JOIN {order} o ON o.id = i.order_id JOIN {line} b ON b.id = o.line_id "
            f"WHERE b.workspace_id = %s{where} GROUP BY b.node_id, b.month",
            (1, 2),
        ),
    ]
    with connection.cursor() as cursor:
        for sql, measures in queries:
            cursor.execute(sql, [workspace_id, *params])
            add(cursor.fetchall(), *measures)
        month = _MONTH_START[connection.vendor]
        where, params = facts.node_month_filter(node_ids, months, "n.id", "s.day")
        # the spend summed per node, month, channel and location code; each sum matched
        # or not by whether the node has a line for that month and channel at that
        # location or at none (the unique key's index answers it)
        cursor.execute(
            f"""
            SELECT g.node_id, g.month,
                   SUM(CASE WHEN EXISTS (
                       SELECT 1 FROM {line} b
                       WHERE b.workspace_id = %s AND b.node_id = g.node_id
                         AND b.month = g.month AND b.channel = g.channel
                         AND b.location IN (g.code, '')
                   ) THEN g.cents ELSE 0 END),
                   SUM(g.cents)
            FROM (
                SELECT n.id AS node_id, {month} AS month, s.channel AS channel,
                       COALESCE(l.code, '') AS code,
                       SUM(CAST(ROUND(s.amount * 100) AS BIGINT)) AS cents
                FROM {spend_t} s
                JOIN {node_t} n ON n.campaign_id = s.campaign_id
                LEFT JOIN {location} l ON l.id = s.location_id
                WHERE s.workspace_id = %s{where}
                GROUP BY n.id, {month}, s.channel, COALESCE(l.code, '')
            ) g
            GROUP BY g.node_id, g.month
            """,
            [workspace_id, workspace_id, *params],
        )
        add(((n, m, matched, total - matched) for n, m, matched, total in cursor), 3, 4)
    return found


def read(workspace: Workspace, node_ids: list[int] | None = None) -> dict[int, list[int]]:
    """Each node's own cents over all months (``MEASURES`` order), from the summary."""
    rows = NodeMonth.objects.filter(workspace=workspace)
    if node_ids is not None:
        rows = rows.filter(node_id__in=node_ids)
    sums = rows.values("node_id").annotate(**{m: Sum(m) for m in MEASURES}).order_by()
    return {row["node_id"]: [row[m] for m in MEASURES] for row in sums}
