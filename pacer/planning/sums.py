"""The plan's facts summed over nodes (``PlanSum``: one row per fiscal year, month, channel,
team, location and vendor, what the planned-vs-actual report reads when it does not group
by plan node) and over months (``NodeSum``: one row per node, fiscal year, channel, team,
location and vendor, what it reads by plan node and one of those). ``summary.refresh``
hands ``add`` what it took out of the facts (``PlanFact``) and what it put back (a
``Delta``), both under the lock of their nodes; ``add`` adds the difference to the rows of
each table in one statement per batch (``INSERT ... ON CONFLICT DO UPDATE``, an addition,
so writers of different nodes that meet on one row add up instead of overwriting each
other; keys in sorted order, so they never wait on each other in a circle) and drops the
rows it leaves at zero. The rows always equal the facts grouped without their node, or
without their month (``from_facts``); ``rebuild`` sets them so."""

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Model, Sum
from django.db.models.functions import Coalesce

from pacer.planning.models import NodeSum, PlanFact, PlanSum

MEASURES = ("planned", "committed", "invoiced", "actual")
KEY = ("fiscal_year", "month", "channel", "team_id", "location", "vendor")
NODE_KEY = ("node_id", "fiscal_year", "channel", "team_id", "location", "vendor")
KEYS: dict[type[Model], tuple[str, ...]] = {PlanSum: KEY, NodeSum: NODE_KEY}
BATCH = 500  # rows per statement: 5,500 parameters

SumKey = tuple[int, date, str, int, str, str]
NodeKey = tuple[int, int, str, int, str, str]


def key_of(fiscal_year: int, fact_key: tuple) -> SumKey:
    """The sum's key of a fact (``facts.KEY``) of a node in ``fiscal_year``."""
    _, month, channel, team_id, location, vendor = fact_key
    return (fiscal_year, month, channel, team_id or 0, location, vendor)


def node_key_of(fiscal_year: int, fact_key: tuple) -> NodeKey:
    """The node sum's key of a fact (``facts.KEY``) of a node in ``fiscal_year``."""
    node_id, _, channel, team_id, location, vendor = fact_key
    return (node_id, fiscal_year, channel, team_id or 0, location, vendor)


def collect(into: dict, rows: Iterable, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) ``rows`` of (key, measures) ``into``."""
    for key, values in rows:
        sums = into.setdefault(key, [0] * len(MEASURES))
        for index, value in enumerate(values):
            sums[index] += sign * value


class Delta:
    """What a refresh changes in the facts, as additions to the rows of both sums."""

    def __init__(self) -> None:
        self.tables: dict[type[Model], dict] = {PlanSum: {}, NodeSum: {}}

    def facts(self, rows: Iterable[tuple[int, tuple, list[int]]], sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) facts as (fiscal year, fact key, measures)."""
        months, nodes = self.tables[PlanSum], self.tables[NodeSum]
        for fiscal_year, fact_key, values in rows:
            collect(months, [(key_of(fiscal_year, fact_key), values)], sign)
            collect(nodes, [(node_key_of(fiscal_year, fact_key), values)], sign)


def stored_facts(rows) -> list[tuple[int, tuple, list[int]]]:
    """The (fiscal year, fact key, measures) of ``PlanFact`` rows (a queryset), as they
    were summed."""
    found = rows.values_list("fiscal_year", "node_id", "month", "channel", "team_id",
                             "location", "vendor", *MEASURES)  # fmt: skip
    return [(row[0], tuple(row[1:7]), list(row[7:])) for row in found]


def add(workspace_id: int, delta: Delta) -> None:
    """Add ``delta`` (key -> measures in cents, per table) to the rows of both tables;
    drop rows left at zero."""
    for model, changed in delta.tables.items():
        _add(workspace_id, model, changed)


def _add(workspace_id: int, model: type[Model], delta: dict) -> None:
    changes = sorted((key, values) for key, values in delta.items() if any(values))
    if not changes:
        return
    quote = connection.ops.quote_name
    table, key = quote(model._meta.db_table), KEYS[model]
    columns = ("workspace_id", *key, *MEASURES)
    row = f"({', '.join(['%s'] * len(columns))})"
    sums = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in MEASURES)
    emptied = []
    with connection.cursor() as cursor:
        for start in range(0, len(changes), BATCH):
            batch = changes[start : start + BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES {', '.join([row] * len(batch))} "
                f"ON CONFLICT (workspace_id, {', '.join(key)}) DO UPDATE SET {sums} "
                f"RETURNING id, {', '.join(MEASURES)}",
                [value for key, values in batch for value in (workspace_id, *key, *values)],
            )
            emptied += [pk for pk, *values in cursor.fetchall() if not any(values)]
    if emptied:
        model.objects.filter(pk__in=emptied).delete()


def rebuild(workspace_id: int) -> None:
    """Set the rows of both tables to the facts grouped without their node or month."""
    for model, key in KEYS.items():
        model.objects.filter(workspace_id=workspace_id).delete()
        model.objects.bulk_create(
            [
                model(
                    workspace_id=workspace_id,
                    **dict(zip(key, found, strict=True)),
                    **dict(zip(MEASURES, values, strict=True)),
                )
                for found, values in from_facts(workspace_id, model).items()
            ],
            batch_size=1000,
        )


def from_facts(workspace_id: int, model: type[Model] = PlanSum) -> dict[tuple, list[int]]:
    """The facts grouped as ``model`` keeps them (without their node for ``PlanSum``,
    without their month for ``NodeSum``), summed in SQL (keys of all zeros left out)."""
    grouped = ["team" if column == "team_id" else column for column in KEYS[model]]
    rows = (
        PlanFact.objects.filter(workspace_id=workspace_id)
        .annotate(team=Coalesce("team_id", 0))
        .values(*grouped)
        .annotate(**{f"{m}_sum": Sum(m) for m in MEASURES})
        .order_by()
        .values_list(*grouped, *(f"{m}_sum" for m in MEASURES))
    )
    size = len(grouped)
    found = {tuple(row[:size]): [int(v) for v in row[size:]] for row in rows}
    return {key: values for key, values in found.items() if any(values)}


def stored(workspace_id: int, model: type[Model] = PlanSum) -> dict[tuple, list[int]]:
    """The kept rows of ``model``, as ``from_facts`` gives them."""
    key = KEYS[model]
    rows = model.objects.filter(workspace_id=workspace_id).values_list(*key, *MEASURES)
    return {tuple(row[: len(key)]): list(row[len(key) :]) for row in rows}
