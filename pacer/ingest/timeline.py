"""Events on a contact's timeline (``pacer.core.timeline``)."""

from urllib.parse import urlsplit

from django.db.models import F

from pacer.core.channels import CHANNELS
from pacer.core.timeline import Wording, query_source
from pacer.ingest.models import Event

SHOWN_PROPERTIES = 4  # scalar properties shown beside an event's name
DETAIL_LENGTH = 200
SHOWN_FIELDS = (
    "type",
    "event",
    "name",
    "timestamp",
    "channel",
    "utm_campaign",
    "properties",
    "context",
)


def _title(event: Event) -> str:
    if event.type == "track":
        return event.event or "Tracked event"
    if event.type in ("page", "screen"):
        page = (event.context or {}).get("page") or {}
        where = event.name or (urlsplit(str(page.get("url") or "")).path if page else "")
        return f"Viewed {event.type} {where}".rstrip()
    return {
        "identify": "Identified",
        "group": "Joined a company",
        "alias": "Linked a previous id",
    }.get(event.type, event.type)


def _detail(event: Event) -> str:
    parts = []
    if event.channel:
        parts.append(CHANNELS.get(event.channel, event.channel))
    if event.utm_campaign:
        parts.append(f"campaign {event.utm_campaign}")
    properties = event.properties if event.type in ("track", "page", "screen") else {}
    shown = [
        f"{key}: {value}"
        for key, value in sorted((properties or {}).items())  # jsonb keeps no order
        if isinstance(value, str | int | float) and value != ""
    ][:SHOWN_PROPERTIES]
    return " · ".join(parts + shown)[:DETAIL_LENGTH]


def _events(workspace_id: int, contact_id: int):
    """The contact's processed events."""
    # the workspace as an expression, so SQLite keeps to the (contact, timestamp) index
    return (
        Event.objects.annotate(in_workspace=F("workspace_id") + 0)
        .filter(in_workspace=workspace_id, contact_id=contact_id, pending=False)
        .only(*SHOWN_FIELDS)
    )


def _event(event: Event, contact_id: int) -> Wording:
    return Wording(title=_title(event), detail=_detail(event))


EVENTS = query_source("event", "Events", _events, "timestamp", _event)
