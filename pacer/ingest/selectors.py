"""Reads of the event stream."""

from datetime import datetime

from django.db.models import Max

from pacer.ingest.models import Event


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
