"""Messaging's warehouse table: every tracked-link click on a broadcast's email or text,
one row per click (copied by id), the touchpoints the measurement module's journeys take
(``pacer.metrics.summaries``): who clicked (the contact; merged contacts are resolved
there, through the contacts table), when, on which channel (``email`` or ``sms``) and of
which broadcast (``broadcast_id``: an email broadcast's or an SMS broadcast's id, told
apart by the channel)."""

import pyarrow as pa
from django.db.models.functions import Coalesce

from pacer.messaging.models import Click
from pacer.warehouse.tables import UTC_TS, TableSpec

COLUMNS = [
    ("id", pa.int64()),
    ("workspace_id", pa.int64()),
    ("contact_id", pa.int64()),
    ("at", UTC_TS),
    ("channel", pa.string()),
    ("broadcast_id", pa.int64()),
]

MESSAGE_CLICKS = TableSpec(
    "message_clicks",
    pa.schema(COLUMNS),
    append=True,
    rows=lambda: Click.objects.annotate(
        sent_by=Coalesce("broadcast_id", "sms_broadcast_id")
    ).values_list("id", "workspace_id", "contact_id", "at", "channel", "sent_by"),
)
