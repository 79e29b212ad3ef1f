"""The plan's facts summed over nodes (``PlanSum``): one row per fiscal year, month,
channel, team, location and vendor, what the planned-vs-actual report reads when it does
not group by plan node. ``summary.refresh`` hands ``add`` what it took out of the facts
(``PlanFact``) and what it put back, both under the lock of their nodes; ``add`` adds the
difference to the rows in one statement per batch (``INSERT ... ON CONFLICT DO UPDATE``,
an addition, so writers of different nodes that meet on one row add up instead of
overwriting each other; keys in sorted order, so they never wait on each other in a
circle) and drops the rows it leaves at zero. The rows always equal the facts grouped
without their node (``from_facts``); ``rebuild`` sets them so."""

from collections.abc import Iterable
from datetime import date

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import Coalesce

from pacer.planning.models import PlanFact, PlanSum

MEASURES = ("planned", "committed", "invoiced", "actual")
KEY = ("fiscal_year", "month", "channel", "team_id", "location", "vendor")
BATCH = 500  # rows per statement: 5,500 parameters

SumKey = tuple[int, date, str, int, str, str]


def key_of(fiscal_year: int, fact_key: tuple) -> SumKey:
    """The sum's key of a fact (``facts.KEY``) of a node in ``fiscal_year``."""
    _, month, channel, team_id, location, vendor = fact_key
    return (fiscal_year, month, channel, team_id or 0, location, vendor)


def collect(into: dict[SumKey, list[int]], rows: Iterable, sign: int) -> None:
    """Add (``sign`` 1) or take away (-1) ``rows`` of (sum key, measures) ``into``."""
    for key, values in rows:
        sums = into.setdefault(key, [0] * len(MEASURES))
        for index, value in enumerate(values):
            sums[index] += sign * value


def stored_facts(rows) -> list[tuple[SumKey, list[int]]]:
    """The (sum key, measures) of ``PlanFact`` rows (a queryset), as they were summed."""
    found = rows.values_list("fiscal_year", "month", "channel", "team_id", "location", "vendor",
                             *MEASURES)  # fmt: skip
    return [(key_of(row[0], (None, *row[1:6])), list(row[6:])) for row in found]


def add(workspace_id: int, delta: dict[SumKey, list[int]]) -> None:
    """Add ``delta`` (sum key -> measures in cents) to the rows; drop rows left at zero."""
    changes = sorted((key, values) for key, values in delta.items() if any(values))
    if not changes:
        return
    quote = connection.ops.quote_name
    table = quote(PlanSum._meta.db_table)
    columns = ("workspace_id", *KEY, *MEASURES)
    row = f"({', '.join(['%s'] * len(columns))})"
    sums = ", ".join(f"{m} = {table}.{m} + excluded.{m}" for m in MEASURES)
    emptied = []
    with connection.cursor() as cursor:
        for start in range(0, len(changes), BATCH):
            batch = changes[start : start + BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES {', '.join([row] * len(batch))} "
                f"ON CONFLICT (workspace_id, {', '.join(KEY)}) DO UPDATE SET {sums} "
                f"RETURNING id, {', '.join(MEASURES)}",
                [value for key, values in batch for value in (workspace_id, *key, *values)],
            )
            emptied += [pk for pk, *values in cursor.fetchall() if not any(values)]
    if emptied:
        PlanSum.objects.filter(pk__in=emptied).delete()


def rebuild(workspace_id: int) -> None:
    """Set the rows to the facts grouped without their node."""
    PlanSum.objects.filter(workspace_id=workspace_id).delete()
    PlanSum.objects.bulk_create(
        [
            PlanSum(
                workspace_id=workspace_id,
                **dict(zip(KEY, key, strict=True)),
                **dict(zip(MEASURES, values, strict=True)),
            )
            for key, values in from_facts(workspace_id).items()
        ],
        batch_size=1000,
    )


def from_facts(workspace_id: int) -> dict[SumKey, list[int]]:
    """The facts grouped without their node, summed in SQL (keys of all zeros left out)."""
    rows = (
        PlanFact.objects.filter(workspace_id=workspace_id)
        .annotate(team=Coalesce("team_id", 0))
        .values("fiscal_year", "month", "channel", "team", "location", "vendor")
        .annotate(**{f"{m}_sum": Sum(m) for m in MEASURES})
        .order_by()
        .values_list(
            "fiscal_year",
            "month",
            "channel",
            "team",
            "location",
            "vendor",
            *(f"{m}_sum" for m in MEASURES),
        )  # fmt: skip
    )
    found = {tuple(row[: len(KEY)]): [int(v) for v in row[len(KEY) :]] for row in rows}
    return {key: values for key, values in found.items() if any(values)}


def stored(workspace_id: int) -> dict[SumKey, list[int]]:
    """The kept rows, as ``from_facts`` gives them."""
    rows = PlanSum.objects.filter(workspace_id=workspace_id).values_list(*KEY, *MEASURES)
    return {tuple(row[: len(KEY)]): list(row[len(KEY) :]) for row in rows}
