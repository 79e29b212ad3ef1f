"""Reads of the event stream."""

from datetime import datetime

from django.db.models import F, Max, Q

from pacer.core.bulk import fetch_values
from pacer.ingest.models import Event, TrackingOrigin

CHUNK = 5000  # ids per IN (...) list
EXPERIMENT_VIEWED = "Experiment Viewed"  # Segment's A/B testing spec


def processed_through() -> int:
    """The largest event id such that every event up to it is processed (0 if none)."""
    first_pending = (
        Event.objects.filter(pending=True).order_by("id").values_list("id", flat=True).first()
    )
    if first_pending is not None:
        return first_pending - 1
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def pending_window() -> tuple[datetime, datetime] | None:
    """When the oldest and the newest pending event were received (None if none)."""
    pending = Event.objects.filter(pending=True)
    oldest = pending.order_by("id").values_list("received_at", flat=True).first()
    if oldest is None:
        return None
    return oldest, pending.order_by("-id").values_list("received_at", flat=True).first()


def goal_event_times(
    workspace_id: int, event: str, contact_ids: list[int], since: datetime
) -> list[tuple[int, datetime]]:
    """``(contact id, timestamp)`` of the contacts' ``track`` events named ``event`` at or
    after ``since``."""
    rows: list[tuple[int, datetime]] = []
    # The workspace is checked as an expression: as a plain equality SQLite would pick
    # the workspace's index over the contact index and scan every event of the workspace.
    events = Event.objects.annotate(in_workspace=F("workspace_id") + 0)
    for start in range(0, len(contact_ids), CHUNK):
        rows += events.filter(
            in_workspace=workspace_id,
            contact_id__in=contact_ids[start : start + CHUNK],
            type="track",
            event=event,
            timestamp__gte=since,
        ).values_list("contact_id", "timestamp")
    return rows


def experiment_views(workspace_id: int, experiment_key: str) -> list[tuple]:
    """Segment "Experiment Viewed" events for one experiment (matched on
    ``experiment_id`` or ``experiment_name``): ``(contact id, unit id, variation,
    timestamp)``, oldest first. The unit is the user id, else the anonymous id."""
    rows = (
        Event.objects.filter(
            workspace_id=workspace_id,
            type="track",
            event=EXPERIMENT_VIEWED,
            pending=False,
            quarantined_at__isnull=True,
        )
        .filter(
            Q(properties__experiment_id=experiment_key)
            | Q(properties__experiment_name=experiment_key)
        )
        .order_by("timestamp", "id")
        .values_list("contact_id", "user_id", "anonymous_id", "properties", "timestamp")
    )
    return [
        (
            contact_id,
            user_id or anonymous_id,
            str(props.get("variation_id") or props.get("variation_name") or ""),
            ts,
        )
        for contact_id, user_id, anonymous_id, props, ts in rows
    ]


def events_of(workspace_id: int, contact_id: int, *, limit: int = 100) -> list[Event]:
    """A contact's processed events, newest first."""
    return list(
        Event.objects.filter(
            workspace_id=workspace_id, contact_id=contact_id, pending=False
        ).order_by("-timestamp", "-id")[:limit]
    )


def event_count(workspace_id: int) -> int:
    return Event.objects.filter(workspace_id=workspace_id).count()


def quarantined(workspace_id: int):
    """The workspace's quarantined events, most recently set aside first."""
    return Event.objects.filter(workspace_id=workspace_id, quarantined_at__isnull=False).order_by(
        "-id"
    )


def quarantined_event(workspace_id: int, event_id: int) -> Event | None:
    return quarantined(workspace_id).filter(pk=event_id).first()


def allowed_origins(workspace_id: int) -> list[str]:
    """The origins a workspace accepts browser events from (none listed: any)."""
    return list(
        TrackingOrigin.objects.filter(workspace_id=workspace_id)
        .order_by("origin")
        .values_list("origin", flat=True)
    )


def origin_allowed(workspace_id: int, origin: str) -> bool:
    """Whether a browser on ``origin`` (the ``Origin`` header) may send events."""
    allowed = allowed_origins(workspace_id)
    return not allowed or origin.strip().lower().rstrip("/") in allowed


def accepted_events() -> int:
    """Events accepted since the install began: the highest event id (ids are given once
    per stored event and never reused; on PostgreSQL a rolled-back insert also uses some,
    so this can run slightly ahead)."""
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def pending_events() -> int:
    """Events accepted and not yet processed (the partial ``event_pending`` index)."""
    return Event.objects.filter(pending=True).count()


def quarantined_events() -> int:
    """Events set aside because processing could not write them, in every workspace."""
    return Event.objects.filter(quarantined_at__isnull=False).count()


def events_named(workspace_id: int, name: str, first_id: int, last_id: int) -> list[dict]:
    """Processed track events called ``name`` with ids in ``first_id..last_id``, oldest
    first, each with its contact, time, channel and properties (a change-feed batch's
    range; subscribers read what arrived through this)."""
    return list(
        Event.objects.filter(
            workspace_id=workspace_id,
            id__gte=first_id,
            id__lte=last_id,
            type="track",
            event=name,
            pending=False,
            quarantined_at__isnull=True,
        )
        .order_by("id")
        .values("id", "contact_id", "timestamp", "channel", "utm_campaign", "properties")
    )


def event_times(workspace_id: int, contact_ids: list[int], names: list[str]) -> list[tuple]:
    """``(contact_id, event name, timestamp)`` of the contacts' processed track events
    called one of ``names`` (lead scoring reads behaviour through this)."""
    if not contact_ids or not names:
        return []
    return list(
        Event.objects.filter(
            workspace_id=workspace_id,
            contact_id__in=contact_ids,
            type="track",
            event__in=names,
            pending=False,
        ).values_list("contact_id", "event", "timestamp")
    )


def track_events_of(
    workspace_id: int, contact_ids: list[int], names: list[str]
) -> list[tuple[int, str, datetime, dict]]:
    """``(contact_id, event name, timestamp, properties)`` of the contacts' processed track
    events called one of ``names`` (segments evaluate event conditions on these; read
    through the driver, as the change feed asks this for a few contacts per delivery)."""
    if not contact_ids or not names:
        return []
    return fetch_values(
        Event,
        ["contact", "event", "timestamp", "properties"],
        {
            "workspace": workspace_id,
            "type": "track",
            "event": list(names),
            "pending": False,
            "quarantined_at": None,
        },
        "contact",
        contact_ids,
    )
