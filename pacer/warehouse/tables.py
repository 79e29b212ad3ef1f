"""The warehouse tables: their Arrow schemas and how rows are read from the operational DB.

Append tables (events, orders) are copied by id cursor; snapshot tables (contacts,
spend, locations, campaigns) are rewritten whole in one Delta commit.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import orjson
import pyarrow as pa

from pacer.core.bulk import fetch_rows

UTC_TS = pa.timestamp("us", tz="UTC")


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: pa.Schema
    append: bool  # True: copied by id cursor; False: rewritten as a snapshot


EVENTS = TableSpec(
    "events",
    pa.schema(
        [
            ("id", pa.int64()),
            ("workspace_id", pa.int64()),
            ("contact_id", pa.int64()),
            ("message_id", pa.string()),
            ("type", pa.string()),
            ("event", pa.string()),
            ("name", pa.string()),
            ("timestamp", UTC_TS),
            ("received_at", UTC_TS),
            ("channel", pa.string()),
            ("utm_source", pa.string()),
            ("utm_medium", pa.string()),
            ("utm_campaign", pa.string()),
            ("properties", pa.string()),
        ]
    ),
    append=True,
)

ORDERS = TableSpec(
    "orders",
    pa.schema(
        [
            ("id", pa.int64()),
            ("workspace_id", pa.int64()),
            ("contact_id", pa.int64()),
            ("location_id", pa.int64()),
            ("external_id", pa.string()),
            ("placed_at", UTC_TS),
            ("total", pa.float64()),
            ("cost", pa.float64()),
        ]
    ),
    append=True,
)

CONTACTS = TableSpec(
    "contacts",
    pa.schema(
        [
            ("id", pa.int64()),
            ("workspace_id", pa.int64()),
            ("canonical_id", pa.int64()),
            ("location_id", pa.int64()),
            ("lifecycle_stage", pa.string()),
            ("first_seen_at", UTC_TS),
            ("lead_at", UTC_TS),
            ("customer_at", UTC_TS),
            ("order_count", pa.int64()),
            ("revenue", pa.float64()),
            ("acquisition_channel", pa.string()),
            ("acquisition_campaign", pa.string()),
        ]
    ),
    append=False,
)

SPEND = TableSpec(
    "spend",
    pa.schema(
        [
            ("id", pa.int64()),
            ("workspace_id", pa.int64()),
            ("day", pa.date32()),
            ("channel", pa.string()),
            ("campaign", pa.string()),
            ("location_id", pa.int64()),
            ("amount", pa.float64()),
        ]
    ),
    append=False,
)

LOCATIONS = TableSpec(
    "locations",
    pa.schema(
        [
            ("id", pa.int64()),
            ("workspace_id", pa.int64()),
            ("code", pa.string()),
            ("name", pa.string()),
        ]
    ),
    append=False,
)

SOURCE_TABLES = (EVENTS, ORDERS, CONTACTS, SPEND, LOCATIONS)


def _querysets():
    from pacer.ingest.models import Event
    from pacer.people.models import Contact, Location, Order
    from pacer.planning.models import SpendEntry

    return {
        "events": (
            Event.objects,
            [
                "id",
                "workspace_id",
                "contact_id",
                "message_id",
                "type",
                "event",
                "name",
                "timestamp",
                "received_at",
                "channel",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "properties",
            ],
        ),
        "orders": (
            Order.objects,
            [
                "id",
                "workspace_id",
                "contact_id",
                "location_id",
                "external_id",
                "placed_at",
                "total",
                "cost",
            ],
        ),
        "contacts": (
            Contact.objects,
            [
                "id",
                "workspace_id",
                "merged_into_id",
                "location_id",
                "lifecycle_stage",
                "first_seen_at",
                "lead_at",
                "customer_at",
                "order_count",
                "revenue",
                "acquisition_channel",
                "acquisition_campaign",
            ],
        ),
        "spend": (
            SpendEntry.objects,
            [
                "id",
                "workspace_id",
                "day",
                "channel",
                "campaign__key",
                "location_id",
                "amount",
            ],
        ),
        "locations": (Location.objects, ["id", "workspace_id", "code", "name"]),
    }


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
        if spec.name == "contacts" and field.name == "canonical_id":
            # merged_into_id -> the id that all of this person's rows count under
            values = [m if m is not None else i for m, i in zip(values, columns[0], strict=True)]
        elif field.name == "properties":
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
    manager, fields = _querysets()[spec.name]
    queryset = manager.all()
    if spec.name == "events":
        from pacer.ingest.selectors import processed_through

        # pending events are not yet resolved to contacts; they come with a later sync
        queryset = queryset.filter(id__lte=processed_through())
    last = after_id
    while True:
        rows = fetch_rows(queryset.filter(id__gt=last).order_by("id").values_list(*fields)[:chunk])
        if not rows:
            return
        yield _to_batch(spec, rows)
        last = rows[-1][0]
        if len(rows) < chunk:
            return
