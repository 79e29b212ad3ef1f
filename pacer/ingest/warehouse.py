"""The events table of the warehouse: every processed event, copied by id cursor.

Quarantined events are kept out: they have no contact, and if re-processed they come
back under a new id past the cursor (``pacer.ingest.actions.reprocess``), so each event
reaches the warehouse once, resolved.
"""

import pyarrow as pa

from pacer.ingest.models import Event
from pacer.ingest.selectors import processed_through
from pacer.warehouse.tables import UTC_TS, TableSpec

COLUMNS = [
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


def _rows():
    # pending events are not yet resolved to contacts; they come with a later sync
    return Event.objects.filter(
        id__lte=processed_through(), quarantined_at__isnull=True
    ).values_list(*(name for name, _ in COLUMNS))


EVENTS = TableSpec("events", pa.schema(COLUMNS), append=True, rows=_rows)
