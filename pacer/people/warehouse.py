"""The people domain's warehouse tables: orders (by id cursor), contacts and locations
(snapshots). A contact's ``canonical_id`` is the contact it was merged into, else itself:
the id all of one person's rows count under."""

import pyarrow as pa
from django.db.models.functions import Coalesce

from pacer.people.models import Contact, Location, Order
from pacer.warehouse.tables import UTC_TS, TableSpec

ORDER_COLUMNS = [
    ("id", pa.int64()),
    ("workspace_id", pa.int64()),
    ("contact_id", pa.int64()),
    ("location_id", pa.int64()),
    ("external_id", pa.string()),
    ("placed_at", UTC_TS),
    ("total", pa.float64()),
    ("cost", pa.float64()),
]
CONTACT_COLUMNS = [
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
LOCATION_COLUMNS = [
    ("id", pa.int64()),
    ("workspace_id", pa.int64()),
    ("code", pa.string()),
    ("name", pa.string()),
]


def _names(columns) -> list[str]:
    return [name for name, _ in columns]


ORDERS = TableSpec(
    "orders",
    pa.schema(ORDER_COLUMNS),
    append=True,
    rows=lambda: Order.objects.values_list(*_names(ORDER_COLUMNS)),
)
CONTACTS = TableSpec(
    "contacts",
    pa.schema(CONTACT_COLUMNS),
    append=False,
    rows=lambda: Contact.objects.annotate(
        canonical_id=Coalesce("merged_into_id", "id")
    ).values_list(*_names(CONTACT_COLUMNS)),
    contact_columns=("id", "canonical_id"),
)
LOCATIONS = TableSpec(
    "locations",
    pa.schema(LOCATION_COLUMNS),
    append=False,
    rows=lambda: Location.objects.values_list(*_names(LOCATION_COLUMNS)),
)
