"""The plan's money per node, month, channel, team, location and vendor (``PlanFact``), in
cents: what the planned-vs-actual report groups when it groups by channel, team,
location or vendor. Kept beside the node-month summary by ``summary.refresh`` (the same
(node, month) pairs, under the same node locks), so a report reads one row per line key
instead of summing lines, orders, invoices and spend on every call.

Every amount is one fact with all its dimensions (``pacer.planning.report`` explains the
rules): a line's planned amount under its vendor key; an open order's amount
(committed) and an invoice (invoiced, and committed when its order is closed) under the
order's vendor; a spend sum per node, month, channel and location code under the line
it matches (the lowest id at its location, else without one: ``rollups``' rule) and that
line's vendor key, or, when no line matches, under its node with no vendor. A fact's team
is its line's own, else its node's (inherited, ``scope.node_teams``), resolved when it is
written; each row keeps its node's fiscal year. The facts of one key are summed into one
row; rows of all zeros are not kept. ``pacer.planning.sums`` keeps their sums over nodes.
"""

from datetime import date

from django.db import connection

from pacer.planning import scope
from pacer.planning.models import BudgetLine, Invoice, PlanFact, PlanNode, PurchaseOrder, SpendEntry

MEASURES = ("planned", "committed", "invoiced", "actual")
KEY = ("node_id", "month", "channel", "team_id", "location", "vendor")
NO_VENDOR, SEVERAL_VENDORS = "none", "several"

_MONTH_START = {
    "sqlite": "strftime('%%Y-%%m-01', s.day)",
    "postgresql": "CAST(date_trunc('month', s.day) AS date)",
}

Key = tuple[int, date, str, int | None, str, str]


def node_month_filter(node_ids, months, node_column: str, month_column: str) -> tuple[str, list]:
    """The SQL condition (``" AND ..."``) and parameters that keep rows of ``node_ids``
    (all when None) within the span of ``months`` (all when empty)."""
    sql, params = "", []
    if node_ids is not None:
        sql += f" AND {node_column} IN ({', '.join(['%s'] * len(node_ids))})"
        params += list(node_ids)
    if months:
        first, last = min(months), max(months)
        after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
        sql += f" AND {month_column} >= %s AND {month_column} < %s"
        params += [first, after]
    return sql, params


def _month(value) -> date:
    if isinstance(value, date):
        return value.replace(day=1)
    return date.fromisoformat(str(value)[:10]).replace(day=1)


def _sql(node_ids: list[int] | None, months: list[date] | None) -> tuple[str, list]:
    """The facts of the nodes ``node_ids`` (all when None) in the span of ``months`` (all
    when None), summed per ``KEY``, with its parameters."""
    quote = connection.ops.quote_name
    line, order, invoice, node, spend = (
        quote(m._meta.db_table) for m in (BudgetLine, PurchaseOrder, Invoice, PlanNode, SpendEntry)
    )
    location = quote(SpendEntry._meta.get_field("location").related_model._meta.db_table)
    month = _MONTH_START[connection.vendor]
    cents = "CAST(ROUND({} * 100) AS BIGINT)"

    line_where, line_params = node_month_filter(node_ids, months, "b.node_id", "b.month")
    spend_where, spend_params = node_month_filter(node_ids, months, "n.id", "s.day")
    # the lines, each with its vendor key: one vendor's id, several, or none, from the
    # orders on it that are not cancelled (one seek of the orders' line index per line)
    lines = f"""
        SELECT b.id, b.node_id, b.month, b.channel, b.team_id, b.location, b.amount_base,
               (SELECT CASE WHEN COUNT(*) = 0 THEN '{NO_VENDOR}'
                            WHEN MIN(o.vendor_id) = MAX(o.vendor_id)
                            THEN CAST(MIN(o.vendor_id) AS TEXT)
                            ELSE '{SEVERAL_VENDORS}' END
                FROM {order} o WHERE o.line_id = b.id AND o.status <> 'cancelled') AS vendor
        FROM {line} b WHERE b.workspace_id = %s{line_where}"""
    lines_params = [None, *line_params]  # None: the workspace, filled in below
    matched = f"""
        SELECT g.node_id, g.month, g.channel, g.code, g.cents,
               COALESCE(
                   (SELECT MIN(b.id) FROM {line} b WHERE b.workspace_id = %s
                      AND b.node_id = g.node_id AND b.month = g.month
                      AND b.channel = g.channel AND b.location = g.code),
                   (SELECT MIN(b.id) FROM {line} b WHERE b.workspace_id = %s
                      AND b.node_id = g.node_id AND b.month = g.month
                      AND b.channel = g.channel AND b.location = '')
               ) AS line_id
        FROM (
            SELECT n.id AS node_id, {month} AS month, s.channel AS channel,
                   COALESCE(l.code, '') AS code, SUM({cents.format("s.amount")}) AS cents
            FROM {spend} s JOIN {node} n ON n.campaign_id = s.campaign_id
            LEFT JOIN {location} l ON l.id = s.location_id
            WHERE s.workspace_id = %s{spend_where}
            GROUP BY n.id, {month}, s.channel, COALESCE(l.code, '')
        ) g"""
    matched_params = [None, None, None, *spend_params]
    facts = f"""
        SELECT b.node_id AS node_id, b.month AS month, b.channel AS channel,
               b.team_id AS team_id, b.location AS location, b.vendor AS vendor,
               {cents.format("b.amount_base")} AS planned, 0 AS committed, 0 AS invoiced,
               0 AS actual
        FROM ({lines}) b
        UNION ALL
        SELECT b.node_id, b.month, b.channel, b.team_id, b.location,
               CAST(o.vendor_id AS TEXT), 0, {cents.format("o.amount_base")}, 0, 0
        FROM {order} o JOIN ({lines}) b ON b.id = o.line_id WHERE o.status = 'open'
        UNION ALL
        SELECT b.node_id, b.month, b.channel, b.team_id, b.location,
               CAST(o.vendor_id AS TEXT), 0,
               CASE WHEN o.status = 'closed' THEN {cents.format("i.amount_base")} ELSE 0 END,
               {cents.format("i.amount_base")}, 0
        FROM {invoice} i JOIN {order} o ON o.id = i.order_id
        JOIN ({lines}) b ON b.id = o.line_id
        UNION ALL
        SELECT b.node_id, b.month, b.channel, b.team_id, b.location, b.vendor, 0, 0, 0,
               m.cents
        FROM ({matched}) m JOIN ({lines}) b ON b.id = m.line_id
        UNION ALL
        SELECT m.node_id, m.month, m.channel, NULL, m.code, '{NO_VENDOR}', 0, 0, 0, m.cents
        FROM ({matched}) m WHERE m.line_id IS NULL"""
    group = ", ".join(KEY)
    sql = f"""
        SELECT {group}, SUM(planned), SUM(committed), SUM(invoiced), SUM(actual)
        FROM ({facts}) f GROUP BY {group}"""
    params = lines_params * 3 + matched_params + lines_params + matched_params
    return sql, params


def compute(
    workspace_id: int,
    node_ids: list[int] | None = None,
    months: list[date] | None = None,
    node_teams: dict[int, int | None] | None = None,
) -> dict[Key, list[int]]:
    """``{key: [planned, committed, invoiced, actual]}`` in cents from the tables, for the
    nodes ``node_ids`` (all when None) and, when ``months`` is given, at least those
    months (the span from the first to the last); keys of all zeros left out. A key's
    team is the line's own, else its node's from ``node_teams`` (``scope.node_teams``,
    read when not given): no team is None."""
    sql, params = _sql(node_ids, months)
    params = [workspace_id if p is None else p for p in params]
    if node_teams is None:
        node_teams = scope.node_teams(workspace_id)
    found: dict[Key, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for node_id, month, channel, team_id, location, vendor, *cents in cursor.fetchall():
            team_id = team_id if team_id is not None else node_teams.get(node_id)
            key = (node_id, _month(month), channel, team_id, location, vendor)
            sums = found.setdefault(key, [0] * len(MEASURES))
            for index, value in enumerate(cents):
                sums[index] += int(value or 0)
    return {key: values for key, values in found.items() if any(values)}


def fiscal_years(workspace_id: int, node_ids) -> dict[int, int]:
    """The fiscal year of each of ``node_ids``."""
    rows = PlanNode.objects.filter(workspace_id=workspace_id, pk__in=list(node_ids))
    return dict(rows.values_list("pk", "fiscal_year"))


def store(workspace_id: int, found: dict[Key, list[int]]) -> None:
    """Write the facts ``found`` (``compute``'s), each with its node's fiscal year."""
    years = fiscal_years(workspace_id, {key[0] for key in found})
    PlanFact.objects.bulk_create(
        [
            PlanFact(
                workspace_id=workspace_id,
                fiscal_year=years[key[0]],
                **dict(zip(KEY, key, strict=True)),
                **dict(zip(MEASURES, values, strict=True)),
            )
            for key, values in found.items()
        ],
        batch_size=1000,
    )


def stored(workspace_id: int) -> dict[Key, list[int]]:
    """The kept rows, as ``compute`` gives them."""
    rows = PlanFact.objects.filter(workspace_id=workspace_id).values_list(*KEY, *MEASURES)
    return {tuple(row[: len(KEY)]): list(row[len(KEY) :]) for row in rows}
