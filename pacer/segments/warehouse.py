"""The warehouse tables segments read beside events and orders: every contact's profile
(a snapshot, with its canonical id: the contact it was merged into, else itself), consent
decisions and order lines (appended by id)."""

import pyarrow as pa

from pacer.people import selectors as people
from pacer.warehouse.tables import UTC_TS, TableSpec

_TEXT = pa.string()
_NUMBER = pa.float64()
PROFILE_COLUMNS = [
    ("id", pa.int64()),
    ("workspace_id", pa.int64()),
    ("canonical_id", pa.int64()),
    ("location_code", _TEXT),
    ("traits", _TEXT),
    ("email", _TEXT),
    ("phone", _TEXT),
    ("first_name", _TEXT),
    ("last_name", _TEXT),
    ("lifecycle_stage", _TEXT),
    ("acquisition_channel", _TEXT),
    ("acquisition_source", _TEXT),
    ("acquisition_medium", _TEXT),
    ("acquisition_campaign", _TEXT),
    ("order_count", _NUMBER),
    ("revenue", _NUMBER),
    ("predicted_clv", _NUMBER),
    ("p_alive", _NUMBER),
    ("expected_purchases_90d", _NUMBER),
    ("created_at", UTC_TS),
    ("first_seen_at", UTC_TS),
    ("last_seen_at", UTC_TS),
    ("lead_at", UTC_TS),
    ("customer_at", UTC_TS),
    ("last_order_at", UTC_TS),
    ("rfm_code", _TEXT),
    ("rfm_segment", _TEXT),
]
CONSENT_COLUMNS = [
    ("id", pa.int64()),
    ("workspace_id", pa.int64()),
    ("contact_id", pa.int64()),
    ("channel", _TEXT),
    ("purpose", _TEXT),
    ("granted", pa.bool_()),
    ("recorded_at", UTC_TS),
]
ORDER_LINE_COLUMNS = [
    ("id", pa.int64()),
    ("workspace_id", pa.int64()),
    ("order_id", pa.int64()),
    ("sku", _TEXT),
]

PROFILES = TableSpec(
    "contact_profiles",
    pa.schema(PROFILE_COLUMNS),
    append=False,
    rows=people.profile_rows,
    contact_columns=("id", "canonical_id"),
)
CONSENTS = TableSpec("consents", pa.schema(CONSENT_COLUMNS), append=True, rows=people.consent_rows)
ORDER_LINES = TableSpec(
    "order_lines", pa.schema(ORDER_LINE_COLUMNS), append=True, rows=people.order_line_rows
)
TABLES = ("contact_profiles", "consents", "order_lines", "events", "orders")
