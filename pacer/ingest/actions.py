"""Accepting Segment messages: validate each, then append the batch in one transaction.

A batch is acknowledged only after its transaction commits, so every ``accepted`` in
the response is durable; a message that fails validation is reported as ``rejected``
with its field and reason and writes nothing. Accepted events are stored ``pending``;
``pacer.ingest.processing`` resolves them to contacts right after (in the worker, or
inline through ``ingest``).
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from pacer.core.bulk import fetch_in, insert_rows, lock_appends
from pacer.core.errors import FieldError
from pacer.core.models import Workspace
from pacer.ingest.models import MESSAGE_COLUMNS, Event
from pacer.ingest.processing import CONSENT_EVENT, ORDER_EVENT, process_pending
from pacer.ingest.spec import Message, validate
from pacer.people.commerce import order_from_properties
from pacer.people.profiles import consent_input

EVENT_COLUMNS = ["workspace", "received_at", "pending", *MESSAGE_COLUMNS]


@dataclass(slots=True)
class Result:
    message_id: str
    status: str  # accepted | duplicate | rejected
    error: str = ""

    def as_dict(self) -> dict:
        data = {"messageId": self.message_id, "status": self.status}
        if self.error:
            data["error"] = self.error
        return data


def accept(
    workspace: Workspace,
    raw_messages: list,
    *,
    received_at: datetime,
    call_type: str | None = None,
    batch_sent_at: datetime | None = None,
    rejected: dict[int, str] | None = None,
) -> list[Result]:
    """Validate messages and durably append the valid, new ones as pending events.

    Returns one result per input message, in order. ``rejected`` maps input positions
    already refused by the caller (e.g. for size) to the reason.
    """
    results: list[Result] = []
    valid: list[tuple[int, Message]] = []
    for position, raw in enumerate(raw_messages):
        mid = raw.get("messageId") if isinstance(raw, dict) else None
        if rejected and position in rejected:
            results.append(Result(str(mid or ""), "rejected", rejected[position]))
            continue
        try:
            message = validate(
                raw, call_type=call_type, received_at=received_at, batch_sent_at=batch_sent_at
            )
            # Orders and consents are checked now, so processing them cannot fail later.
            if message.type == "track" and message.event == ORDER_EVENT:
                order_from_properties(message.properties, message.timestamp, message.message_id)
            elif message.type == "track" and message.event == CONSENT_EVENT:
                consent_input(message.properties, message.timestamp)
        except FieldError as error:
            results.append(Result(str(mid or ""), "rejected", str(error)))
            continue
        results.append(Result(message.message_id, "accepted"))
        valid.append((len(results) - 1, message))
    for attempt in range(3):
        try:
            with transaction.atomic():
                _append(workspace, valid, results, received_at)
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
