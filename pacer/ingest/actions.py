"""Accepting Segment messages: validate each, then append the batch in one transaction.

A batch is acknowledged only after its transaction commits, so every ``accepted`` in
the response is durable; a message that fails validation is reported as ``rejected``
with its field and reason and writes nothing. Accepted events are stored ``pending``;
``pacer.ingest.processing`` resolves them to contacts right after (in the worker, or
inline through ``ingest``). Also here: re-processing or discarding a quarantined event,
and the origins a workspace accepts browser events from.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from pacer.core import audit, faults
from pacer.core.bulk import fetch_in, insert_rows, lock_appends
from pacer.core.errors import FieldError, ValidationFailed, require
from pacer.core.models import Workspace
from pacer.ingest.models import MESSAGE_COLUMNS, Event, TrackingOrigin
from pacer.ingest.processing import CONSENT_EVENT, ORDER_EVENT, process_pending
from pacer.ingest.spec import Message, validate
from pacer.people.commerce import order_from_properties
from pacer.people.profiles import consent_input
from pacer.privacy.selectors import suppressed_messages

EVENT_COLUMNS = ["workspace", "received_at", "pending", *MESSAGE_COLUMNS]
ORIGIN = re.compile(
    r"https?://([a-z0-9-]+\.)*[a-z0-9-]+(:[0-9]{1,5})?|https?://\[[0-9a-f:]+\](:[0-9]{1,5})?"
)
MAX_ORIGINS = 100


def _printable(text: str) -> str:
    # echoed input may hold unpaired surrogates, which no JSON encoder writes
    return text.encode(errors="replace").decode()


@dataclass(slots=True)
class Result:
    message_id: str
    status: str  # accepted | duplicate | rejected | suppressed (an erased person's identifier)
    error: str = ""

    @classmethod
    def rejected(cls, raw, reason: str) -> "Result":
        given = raw.get("messageId") if isinstance(raw, dict) else None
        shown = str(given)[:200] if isinstance(given, (str, int)) else ""
        return cls(_printable(shown), "rejected", _printable(reason))

    def as_dict(self) -> dict:
        data = {"messageId": self.message_id, "status": self.status}
        if self.error:
            data["error"] = self.error
        return data


NOT_STORED = "not stored: another message of the same submission was refused"


def accept(
    workspace: Workspace,
    raw_messages: list,
    *,
    received_at: datetime,
    call_type: str | None = None,
    batch_sent_at=None,
    rejected: dict[int, str] | None = None,
    full_check: bool = True,
    all_or_nothing: bool = False,
) -> list[Result]:
    """Validate messages and durably append the valid, new ones as pending events.

    Returns one result per input message, in order. ``rejected`` maps input positions
    already refused by the caller (e.g. for size) to the reason; ``batch_sent_at`` is
    the batch's raw ``sentAt``; ``full_check=False`` only for messages orjson parsed
    from a body without ``\\u0000`` (see ``pacer.ingest.spec.check_storable``).
    ``all_or_nothing``: when any message is refused, none is stored (the others'
    results say ``NOT_STORED``), for callers whose messages make one thing (a lead).
    """
    results: list[Result] = []
    valid: list[tuple[int, Message]] = []
    for position, raw in enumerate(raw_messages):
        if rejected and position in rejected:
            results.append(Result.rejected(raw, rejected[position]))
            continue
        try:
            message = validate(
                raw,
                call_type=call_type,
                received_at=received_at,
                batch_sent_at=batch_sent_at,
                full_check=full_check,
            )
            # Orders and consents are checked now, so processing them cannot fail later.
            if message.type == "track" and message.event == ORDER_EVENT:
                order_from_properties(message.properties, message.timestamp, message.message_id)
            elif message.type == "track" and message.event == CONSENT_EVENT:
                consent_input(message.properties, message.timestamp)
        except FieldError as error:
            results.append(Result.rejected(raw, str(error)))
            continue
        results.append(Result(message.message_id, "accepted"))
        valid.append((len(results) - 1, message))
    if all_or_nothing and len(valid) < len(results):
        for index, _ in valid:
            results[index] = Result(results[index].message_id, "rejected", NOT_STORED)
        return results
    # an erased person's identifiers (pacer.privacy): dropped, said so, never stored
    dropped = suppressed_messages(workspace, [message for _, message in valid])
    for position in dropped:
        results[valid[position][0]].status = "suppressed"
    valid = [pair for position, pair in enumerate(valid) if position not in dropped]
    for attempt in range(3):
        try:
            with transaction.atomic():
                _append(workspace, valid, results, received_at)
                faults.point("accept.before-commit")
            faults.point("accept.committed")
            break
        except IntegrityError:
            # A concurrent batch stored the same message id first; the retry sees it.
            for index, _ in valid:
                results[index].status = "accepted"
            if attempt == 2:
                raise
    return results


def ingest(workspace: Workspace, raw_messages: list, **options) -> list[Result]:
    """``accept`` the messages, then process the workspace's pending events at once.

    For in-process loaders (simulator, tests) that want contacts current on return.
    """
    results = accept(workspace, raw_messages, **options)
    process_pending(workspace)
    return results


def _append(workspace: Workspace, valid: list, results: list[Result], received_at) -> None:
    ids = [m.message_id for _, m in valid]
    seen = {
        mid
        for (mid,) in fetch_in(
            Event, ["message_id"], {"workspace": workspace.pk}, "message_id", ids
        )
    }
    rows = []
    for index, message in valid:
        if message.message_id in seen:
            results[index].status = "duplicate"
        else:
            seen.add(message.message_id)
            rows.append((workspace.pk, received_at, True, *event_values(message)))
    if rows:
        faults.point("accept.checked")
        lock_appends(Event)
        insert_rows(Event, EVENT_COLUMNS, rows)


def event_values(message: Message) -> tuple:
    """The message's own columns of its event row, in ``MESSAGE_COLUMNS`` order."""
    properties = message.properties
    if message.type == "identify":
        properties = {"traits": message.traits}
    elif message.type == "group":
        properties = {"groupId": message.group_id, "traits": message.traits}
    elif message.type == "alias":
        properties = {"previousId": message.previous_id}
    touch = message.touch
    return (
        message.message_id,
        message.type,
        message.event,
        message.name,
        message.user_id,
        message.anonymous_id,
        message.timestamp,
        touch.channel,
        touch.source[:200],
        touch.medium[:100],
        touch.campaign[:200],
        properties,
        message.context,
    )


def _quarantined(workspace: Workspace, event_id: int) -> Event:
    event = (
        Event.objects.select_for_update()
        .filter(workspace=workspace, pk=event_id, quarantined_at__isnull=False)
        .first()
    )
    if event is None:
        raise ValidationFailed({"event_id": "no quarantined event with this id in this workspace"})
    return event


@transaction.atomic
def reprocess(workspace: Workspace, event_id: int, *, actor=None) -> Event:
    """Put a quarantined event back at the end of the stream, pending, under a new id.

    A new id, not the old one made pending again: the warehouse copies events by an id
    cursor that may have passed the old id (quarantined events are kept out of it), so
    only an id after every other lets the event reach the warehouse once processed.
    """
    event = _quarantined(workspace, event_id)
    reason = event.quarantine_reason
    event.delete()
    lock_appends(Event)
    event.pk, event._state.adding = None, True
    event.pending, event.quarantined_at, event.quarantine_reason = True, None, ""
    event.save(force_insert=True)
    audit.record(
        workspace,
        "event.reprocess",
        event,
        actor=actor,
        before={"event_id": event_id, "reason": reason},
        after={"event_id": event.pk},
    )
    return event


@transaction.atomic
def discard(workspace: Workspace, event_id: int, *, actor=None) -> None:
    """Delete a quarantined event for good (a later delivery of its message id is
    accepted as new)."""
    event = _quarantined(workspace, event_id)
    audit.record(
        workspace,
        "event.discard",
        event,
        actor=actor,
        before={"message_id": event.message_id, "reason": event.quarantine_reason},
    )
    event.delete()


def normalise_origin(origin: str) -> str:
    return origin.strip().lower().rstrip("/")


@transaction.atomic
def set_allowed_origins(workspace: Workspace, origins: list[str], *, actor=None) -> list[str]:
    """Replace the origins the workspace accepts browser events from (none: any origin).

    Each is a scheme and host with an optional port, as browsers send it in ``Origin``:
    ``https://shop.example`` or ``http://localhost:8080``."""
    wanted = []
    for index, origin in enumerate(origins):
        value = normalise_origin(origin) if isinstance(origin, str) else ""
        require(
            len(value) <= 200 and ORIGIN.fullmatch(value) is not None,
            f"origins[{index}]",
            "must be a scheme and host with an optional port, like https://shop.example",
        )
        if value not in wanted:
            wanted.append(value)
    require(len(wanted) <= MAX_ORIGINS, "origins", f"at most {MAX_ORIGINS} origins")
    before = sorted(
        TrackingOrigin.objects.filter(workspace=workspace).values_list("origin", flat=True)
    )
    TrackingOrigin.objects.filter(workspace=workspace).exclude(origin__in=wanted).delete()
    TrackingOrigin.objects.bulk_create(
        [TrackingOrigin(workspace=workspace, origin=origin) for origin in wanted],
        ignore_conflicts=True,
    )
    audit.record(
        workspace,
        "ingest.origins",
        workspace,
        actor=actor,
        before={"origins": before},
        after={"origins": sorted(wanted)},
    )
    return sorted(wanted)
