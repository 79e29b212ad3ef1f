"""Validation of Segment-spec messages into a normalised form.

Each message is checked on its own; a bad one is rejected with the field and the
reason while the rest of its batch goes on.
"""

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pacer.core.errors import FieldError
from pacer.ingest.channels import Touch, touch_from_context

CALL_TYPES = ("identify", "track", "page", "screen", "group", "alias")
MAX_ID_LENGTH = 200


@dataclass(slots=True)
class Message:
    """A valid message with its corrected timestamp and classified touch."""

    type: str
    message_id: str
    user_id: str
    anonymous_id: str
    timestamp: datetime
    event: str = ""
    name: str = ""
    group_id: str = ""
    previous_id: str = ""
    traits: dict = field(default_factory=dict)
    properties: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    touch: Touch = Touch()


def parse_time(value, field_name: str) -> datetime | None:
    """An ISO-8601 instant as an aware UTC datetime; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise FieldError(field_name, "must be an ISO-8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise FieldError(field_name, f"'{value[:40]}' is not an ISO-8601 date-time") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _identifier(raw: dict, key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(key, "must be a string or a number")
    text = str(value).strip()
    if len(text) > MAX_ID_LENGTH:
        raise FieldError(key, f"is longer than {MAX_ID_LENGTH} characters")
    return text


def _object(raw: dict, key: str) -> dict:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError(key, "must be a JSON object")
    return value


def event_time(raw: dict, received_at: datetime, batch_sent_at: datetime | None) -> datetime:
    """Segment's clock-skew correction: ``receivedAt - (sentAt - originalTimestamp)``.

    Without both device times, an explicit ``timestamp`` is used as given, then
    ``originalTimestamp``, then the time the server received the message.
    """
    original = parse_time(raw.get("originalTimestamp"), "originalTimestamp")
    sent_at = parse_time(raw.get("sentAt"), "sentAt") or batch_sent_at
    if original is not None and sent_at is not None:
        return received_at - (sent_at - original)
    explicit = parse_time(raw.get("timestamp"), "timestamp")
    return explicit or original or received_at


def validate(
    raw, *, call_type: str | None, received_at: datetime, batch_sent_at: datetime | None = None
) -> Message:
    """Turn one raw message into a ``Message`` or raise ``FieldError``."""
    if not isinstance(raw, dict):
        raise FieldError("message", "must be a JSON object")
    kind = call_type or raw.get("type")
    if kind not in CALL_TYPES:
        raise FieldError("type", f"must be one of {', '.join(CALL_TYPES)}")
    message_id = _identifier(raw, "messageId") or f"pacer-{uuid.uuid4()}"
    user_id = _identifier(raw, "userId")
    anonymous_id = _identifier(raw, "anonymousId")
    traits = _object(raw, "traits")
    properties = _object(raw, "properties")
    context = _object(raw, "context")
    if not traits and isinstance(context.get("traits"), dict):
        traits = context["traits"]
    message = Message(
        type=kind,
        message_id=message_id,
        user_id=user_id,
        anonymous_id=anonymous_id,
        timestamp=event_time(raw, received_at, batch_sent_at),
        traits=traits,
        properties=properties,
        context=context,
    )
    if kind == "alias":
        message.previous_id = _identifier(raw, "previousId")
        if not message.previous_id:
            raise FieldError("previousId", "is required for alias")
        if not user_id:
            raise FieldError("userId", "is required for alias")
    elif not user_id and not anonymous_id:
        raise FieldError("userId", "either userId or anonymousId is required")
    if kind == "track":
        event = raw.get("event")
        if not isinstance(event, str) or not event.strip():
            raise FieldError("event", "is required for track and must be a non-empty string")
        message.event = event.strip()[:200]
    elif kind in ("page", "screen"):
        name = raw.get("name")
        if name is not None and not isinstance(name, str):
            raise FieldError("name", "must be a string")
        message.name = (name or "")[:200]
    elif kind == "group":
        message.group_id = _identifier(raw, "groupId")
        if not message.group_id:
            raise FieldError("groupId", "is required for group")
    message.touch = touch_from_context(context, properties, is_visit=kind in ("page", "screen"))
    return message
