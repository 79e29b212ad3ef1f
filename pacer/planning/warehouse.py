"""Spend in the warehouse: a snapshot of every spend row with its campaign key."""

import pyarrow as pa

from pacer.planning.models import SpendEntry
from pacer.warehouse.tables import TableSpec

COLUMNS = [
    ("id", pa.int64()),
    ("workspace_id", pa.int64()),
    ("day", pa.date32()),
    ("channel", pa.string()),
    ("campaign", pa.string()),
    ("location_id", pa.int64()),
    ("amount", pa.float64()),
]

SPEND = TableSpec(
    "spend",
    pa.schema(COLUMNS),
    append=False,
    rows=lambda: SpendEntry.objects.values_list(
        "id", "workspace_id", "day", "channel", "campaign__key", "location_id", "amount"
    ),
)
