"""Who a broadcast goes to and when, for email and SMS alike: the checks of an audience
and a schedule when a broadcast is created, the contact ids of its audience when it is
queued, and each recipient's due time."""

from datetime import datetime

from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging.models import Schedule
from pacer.messaging.schedule import local_send_instant, parse_wall_time, within_range
from pacer.segments import selectors as segments

AUDIENCE_SHAPE = '{"all": true}, {"segment": segment id} or {"contacts": [contact ids]}'
MAX_CONTACTS = 1_000_000


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value < 2**63


def check_audience(workspace: Workspace, audience, errors: dict) -> None:
    """Refuse (under ``audience``) anything but every contact, a segment of the
    workspace, or a list of contact ids."""
    if audience == {"all": True}:
        return
    if isinstance(audience, dict) and set(audience) == {"segment"}:
        if not _is_id(audience["segment"]):
            errors["audience"] = "segment must be a segment id"
        elif segments.segment(workspace, audience["segment"]) is None:
            errors["audience"] = "no such segment in this workspace"
        return
    if not (
        isinstance(audience, dict)
        and set(audience) == {"contacts"}
        and isinstance(audience["contacts"], list)
        and len(audience["contacts"]) <= MAX_CONTACTS
        and all(_is_id(i) for i in audience["contacts"])
    ):
        errors["audience"] = f"must be {AUDIENCE_SHAPE}"


def check_schedule(errors: dict, schedule, send_at, send_local) -> None:
    """Refuse an unknown schedule, an ``at`` without an aware time in range, a ``local``
    without a wall-clock time (each under its own field)."""
    if schedule not in Schedule.values:
        errors["schedule"] = f"must be one of {', '.join(Schedule.values)}"
    elif schedule == Schedule.AT and not within_range(send_at):
        errors["send_at"] = "must be a time with its time zone, from 1901 to 2198"
    elif schedule == Schedule.LOCAL and parse_wall_time(send_local) is None:
        errors["send_local"] = "must be a local time as YYYY-MM-DDTHH:MM, from 1900 to 2199"


def audience_ids(workspace: Workspace, audience: dict) -> list[int] | None:
    """The contact ids of an audience now (None: every contact); a segment deleted since
    the broadcast was made is refused under ``audience``."""
    if audience.get("all"):
        return None
    if "segment" in audience:
        if segments.segment(workspace, audience["segment"]) is None:
            raise ValidationFailed({"audience": "its segment no longer exists"})
        members = segments.memberships(workspace, audience["segment"])
        return list(members.values_list("contact_id", flat=True))
    return audience["contacts"]


def due_at(broadcast, zone: str) -> datetime | None:
    """When a recipient in ``zone`` is due (None: now) by the schedule of a broadcast,
    email or SMS (``schedule``, ``send_at``, ``send_local``)."""
    if broadcast.schedule == Schedule.AT:
        return broadcast.send_at
    if broadcast.schedule == Schedule.LOCAL:
        return local_send_instant(parse_wall_time(broadcast.send_local), zone)
    return None
