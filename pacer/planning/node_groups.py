"""The planned-vs-actual report's money by plan node at a depth, grouped and summed in SQL:
a recursive query gives each node its row's node (its ancestor at the depth, or itself
when it is shallower: its own lines), and the kept money (``NodeMonth`` by node and time,
``PlanFact`` by node and another dimension or for some teams) is summed per row node and
the other columns in the database (by another dimension than time, the facts summed over
months, ``NodeSum``: a twelfth of the rows), so the report gets one row per row node and column
value instead of one per node (or line key) to label and add up in Python.

A node at level ``L`` (plans are 0) counts for its ancestor at ``depth`` when ``L >=
depth``, else for itself; the report's labeller gives such a row node the key of itself
(at the depth) or of its own lines (shallower), so the rows are what it made before."""

from datetime import date

from django.db import connection

from pacer.planning.models import NodeMonth, NodeSum, PlanFact, PlanNode

MONEY = ("planned", "committed", "invoiced", "actual")

# each dimension's column (of the kept rows ``f``, or the node ``n`` for the year of the
# node months, which keep none), as the report's facts name it
_COLUMNS = {
    "month": ("month", "f.month"),
    "quarter": ("month", "f.month"),
    "channel": ("channel", "f.channel"),
    "team": ("team_id", "f.team_id"),
    "location": ("location", "f.location"),
    "vendor": ("vendor", "f.vendor"),
}


def grouped(
    workspace_id: int,
    depth: int,
    other: str,
    *,
    by_facts: bool,
    fiscal_year: int | None = None,
    team_ids: set[int] | None = None,
) -> list[dict]:
    """The money (cents, ``MONEY``) per row node (``node_id``) and the columns of the
    dimension ``other`` ("" for none), summed over the nodes below each row node: when
    ``by_facts`` (needed by channel, team, location or vendor, or with ``team_ids``) from
    the facts per line key by month or quarter, else from their sums over months
    (``NodeSum``); else from the node months (actual there includes the spend no line
    matched, as the facts have it)."""
    quote = connection.ops.quote_name
    node_table = quote(PlanNode._meta.db_table)
    model = NodeMonth
    if by_facts:  # the facts summed over months serve every dimension but time
        model = PlanFact if other in ("month", "quarter") else NodeSum
    table = quote(model._meta.db_table)
    names, select = ["node_id"], ["g.grp"]
    if other == "year":
        names.append("fiscal_year")
        select.append("f.fiscal_year" if by_facts else "n.fiscal_year")
    elif other:
        name, column = _COLUMNS[other]
        if column != "f.month" and not by_facts:
            raise ValueError(f"the node months have no {other}")
        names.append(name)
        select.append(column)
    actual = "f.actual" if by_facts else "f.actual + f.unplanned"
    money = [*(f"SUM(f.{m})" for m in MONEY[:3]), f"SUM({actual})"]
    where, params = ["f.workspace_id = %s"], [workspace_id]
    if fiscal_year is not None:
        where.append("f.fiscal_year = %s" if by_facts else "n.fiscal_year = %s")
        params.append(fiscal_year)
    if team_ids is not None:
        if not team_ids:
            return []
        where.append(f"f.team_id IN ({', '.join(['%s'] * len(team_ids))})")
        params += sorted(team_ids)
    join_node = "" if by_facts else f"JOIN {node_table} n ON n.id = f.node_id"
    sql = f"""
        WITH RECURSIVE chain(id, grp, level) AS (
            SELECT id, id, 0 FROM {node_table} WHERE workspace_id = %s AND parent_id IS NULL
            UNION ALL
            SELECT c.id, CASE WHEN p.level + 1 <= %s THEN c.id ELSE p.grp END, p.level + 1
            FROM {node_table} c JOIN chain p ON c.parent_id = p.id
        )
        SELECT {", ".join(select)}, {", ".join(money)}
        FROM {table} f JOIN chain g ON g.id = f.node_id {join_node}
        WHERE {" AND ".join(where)}
        GROUP BY {", ".join(select)}"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [workspace_id, depth, *params])
        rows = cursor.fetchall()
    found = []
    for row in rows:
        values = dict(zip(names, row[: len(names)], strict=True))
        if "month" in values and not isinstance(values["month"], date):
            values["month"] = date.fromisoformat(str(values["month"])[:10])
        values.update(zip(MONEY, (int(v or 0) for v in row[len(names) :]), strict=True))
        found.append(values)
    return found
