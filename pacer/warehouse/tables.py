"""Warehouse tables: what each holds (an Arrow schema) and where its rows come from.

Each domain declares the tables it owns as ``TableSpec`` objects in its own
``warehouse.py`` and lists them in its ``DomainConfig.warehouse_tables``; the sync copies
every declared table. Append tables (events, orders) are copied by id cursor; snapshot
tables (contacts, spend, locations, campaigns) are rewritten whole in one Delta commit.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

import orjson
import pyarrow as pa

from pacer.core.bulk import fetch_rows
from pacer.core.domains import loaded

UTC_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    """A warehouse table.

    ``rows`` returns a ``values_list`` queryset of the source rows, its columns in the
    schema's order and the first one the id; the sync reads it in id order.
    ``contact_columns`` name the columns that hold a contact id: a privacy erasure
    deletes the rows where any of them is the person's.
    """

    name: str
    schema: pa.Schema
    append: bool  # True: copied by id cursor; False: rewritten as a snapshot
    rows: Callable
    contact_columns: tuple[str, ...] = ("contact_id",)


@cache
def registered() -> dict[str, TableSpec]:
    """Every domain's tables by name, in domain order."""
    specs = {}
    for spec in loaded("warehouse_tables"):
        if spec.name in specs:
            raise LookupError(f"warehouse table '{spec.name}' is declared twice")
        specs[spec.name] = spec
    return specs


def table(name: str) -> TableSpec:
    try:
        return registered()[name]
    except KeyError:
        raise LookupError(f"no domain declares a warehouse table '{name}'") from None


def schemas(*names: str) -> dict[str, pa.Schema]:
    """The named tables' schemas, for queries over them."""
    return {name: table(name).schema for name in names}


def _temporal(values, arrow_type: pa.DataType) -> pa.Array:
    """Timestamps or dates as the driver returned them: objects (PostgreSQL) or ISO text
    in UTC (SQLite, as Django stores them), the latter parsed by Arrow in one pass."""
    if any(isinstance(v, str) for v in values):
        text = pa.array(values, type=pa.string())
        if pa.types.is_timestamp(arrow_type):
            return text.cast(pa.timestamp("us")).cast(arrow_type)
        return text.cast(arrow_type)
    return pa.array(values, type=arrow_type)


def _json_text(value) -> str:
    # SQLite hands back the stored JSON text; other drivers may decode it first.
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def _to_batch(spec: TableSpec, rows: list[tuple]) -> pa.RecordBatch:
    """Rows as the database driver returns them (no ORM conversion) to an Arrow batch."""
    columns = list(zip(*rows, strict=True)) if rows else [[] for _ in spec.schema]
    arrays = []
    for field, values in zip(spec.schema, columns, strict=True):
        if field.name == "properties":
            values = [_json_text(v) for v in values]
        elif pa.types.is_timestamp(field.type) or pa.types.is_date(field.type):
            arrays.append(_temporal(values, field.type))
            continue
        elif pa.types.is_floating(field.type):
            values = [float(v) if v is not None else None for v in values]
        elif pa.types.is_string(field.type):
            values = [v if v is not None else "" for v in values]
        arrays.append(pa.array(values, type=field.type))
    return pa.RecordBatch.from_arrays(arrays, schema=spec.schema)


def read_rows(
    spec: TableSpec, *, after_id: int = 0, chunk: int = 50_000
) -> Iterator[pa.RecordBatch]:
    """Rows of ``spec`` from the operational database, in id order, ``chunk`` at a time."""
    queryset = spec.rows()
    last = after_id
    while True:
        rows = fetch_rows(queryset.filter(id__gt=last).order_by("id")[:chunk])
        if not rows:
            return
        yield _to_batch(spec, rows)
        last = rows[-1][0]
        if len(rows) < chunk:
            return
