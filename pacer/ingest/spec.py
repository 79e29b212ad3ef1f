"""Validation of Segment-spec messages into a normalised form.

Each message is checked on its own; a bad one is rejected with the field and the
reason while the rest of its batch goes on. Besides the spec, a message must fit what
storage holds on both databases (``check_storable``): no NUL character (PostgreSQL
refuses it in text and jsonb) or unpaired surrogate in any stored string or key, finite
numbers, integers within 64 bits (orjson's range), at most ``MAX_NESTING`` levels of
objects and arrays, and an event time between ``EARLIEST`` and ``LATEST``.
"""

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pacer.core.errors import FieldError
from pacer.ingest.channels import Touch, touch_from_context

CALL_TYPES = ("identify", "track", "page", "screen", "group", "alias")
MAX_ID_LENGTH = 200
MAX_NAME_LENGTH = 200  # event and page names are cut to their columns' length
# Event times outside these are a device clock reset or a placeholder (0001-01-01,
# 9999-12-31); the range keeps every date computation downstream far inside the limits
# of Python, both databases, Arrow and DuckDB.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
# No real payload nests this deep; orjson writes at most 254 levels and SQLite's JSON
# functions read at most 1000.
MAX_NESTING = 64
SMALLEST_INT, LARGEST_INT = -(2**63), 2**64 - 1  # the integers orjson reads and writes
NUL = "\x00"


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


def _text(value: str, field_name: str) -> str:
    """``value`` if PostgreSQL can store it (no NUL, no unpaired surrogate)."""
    if NUL in value:
        raise FieldError(field_name, "contains a NUL character (\\u0000), which cannot be stored")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            raise FieldError(
                field_name, "contains an unpaired UTF-16 surrogate (not valid Unicode)"
            ) from None
    return value


def _identifier(raw: dict, key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FieldError(key, "must be a string or a number")
    if isinstance(value, int) and not SMALLEST_INT <= value <= LARGEST_INT:
        raise FieldError(key, "is a number outside the 64-bit range")
    text = str(value).strip()
    if len(text) > MAX_ID_LENGTH:
        raise FieldError(key, f"is longer than {MAX_ID_LENGTH} characters")
    return _text(text, key)


def _object(raw: dict, key: str) -> dict:
    value = raw.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise FieldError(key, "must be a JSON object")
    return value


def _unstorable(value, depth: int, full: bool) -> tuple[list, str] | None:
    """The path (innermost key first) and reason of the first value storage cannot hold.

    ``full`` checks every key, string and number; without it only the nesting is checked
    (enough for what orjson parsed from a body without ``\\u0000``: its strings are valid
    Unicode without NUL, its numbers finite and within 64 bits)."""
    is_dict = isinstance(value, dict)
    if is_dict or isinstance(value, (list, tuple)):
        if depth >= MAX_NESTING:
            return [], f"is nested more than {MAX_NESTING} levels deep"
        for key, item in value.items() if is_dict else enumerate(value):
            if full and is_dict:
                if not isinstance(key, str):
                    return [str(key)], "is a key that is not a string"
                try:
                    _text(key, "")
                except FieldError as error:
                    return [key], f"is a key that {error.reason}"
            found = _unstorable(item, depth + 1, full)
            if found is not None:
                found[0].append(key)
                return found
        return None
    # (subclasses too: in-process callers pass e.g. NumPy's str_, which orjson writes)
    if not full or value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            _text(value, "")
        except FieldError as error:
            return [], error.reason
        return None
    if isinstance(value, float):
        return None if math.isfinite(value) else ([], "must be a finite number")
    if isinstance(value, int):
        if SMALLEST_INT <= value <= LARGEST_INT:
            return None
        return [], "is an integer outside the 64-bit range"
    return [], "is not a JSON value"


def _path(root: str, keys: list) -> str:
    path = root
    for key in reversed(keys):
        if isinstance(key, int):
            path += f"[{key}]"
        else:
            shown = key[:40]
            path += "." + (shown if shown.isprintable() else repr(shown)[1:-1])
    return path


def check_storable(root: str, value, *, full: bool = True) -> None:
    """Raise ``FieldError`` naming the first part of ``value`` (found at ``root``) that
    storage cannot hold; ``full=False`` checks the nesting only (see ``_unstorable``)."""
    found = _unstorable(value, 0, full)
    if found is not None:
        keys, reason = found
        raise FieldError(_path(root, keys), reason)


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
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is before the first representable instant
        raise FieldError(field_name, f"'{value[:40]}' is out of range") from None


def _in_range(instant: datetime, field_name: str) -> datetime:
    if not EARLIEST <= instant < LATEST:
        raise FieldError(field_name, f"must fall between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}")
    return instant


def event_time(raw: dict, received_at: datetime, batch_sent_at=None) -> datetime:
    """When the event happened.

    An explicit ``timestamp`` is kept as given (server libraries and backfills set it;
    RudderStack's SDKs send ``originalTimestamp`` beside it). Without one, Segment's
    clock-skew correction ``receivedAt - (sentAt - originalTimestamp)`` applies when the
    device sent both times (``sentAt`` from the message, else the batch's), else
    ``originalTimestamp`` is used as given, else the time the server received it.
    """
    explicit = parse_time(raw.get("timestamp"), "timestamp")
    if explicit is not None:
        return _in_range(explicit, "timestamp")
    original = parse_time(raw.get("originalTimestamp"), "originalTimestamp")
    if original is None:
        return received_at
    sent_at = parse_time(raw.get("sentAt"), "sentAt") or parse_time(batch_sent_at, "sentAt")
    if sent_at is None:
        return _in_range(original, "originalTimestamp")
    try:
        corrected = received_at - (sent_at - original)
    except OverflowError:
        corrected = None
    if corrected is None or not EARLIEST <= corrected < LATEST:
        raise FieldError(
            "sentAt",
            f"with originalTimestamp, puts the event outside {EARLIEST:%Y-%m-%d} to "
            f"{LATEST:%Y-%m-%d} once corrected for clock skew",
        )
    return corrected


def validate(
    raw,
    *,
    call_type: str | None,
    received_at: datetime,
    batch_sent_at=None,
    full_check: bool = True,
) -> Message:
    """Turn one raw message into a ``Message`` or raise ``FieldError``.

    ``batch_sent_at`` is the batch's raw ``sentAt`` (parsed only when a message needs
    it). ``full_check=False`` is for messages orjson parsed from a body without
    ``\\u0000`` (see ``check_storable``)."""
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
    check_storable("properties", properties, full=full_check)
    check_storable("context", context, full=full_check)
    if traits:
        check_storable("traits", traits, full=full_check)
    elif isinstance(context.get("traits"), dict):
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
        message.event = _text(event.strip()[:MAX_NAME_LENGTH], "event")
    elif kind in ("page", "screen"):
        name = raw.get("name")
        if name is not None and not isinstance(name, str):
            raise FieldError("name", "must be a string")
        message.name = _text((name or "")[:MAX_NAME_LENGTH], "name")
    elif kind == "group":
        message.group_id = _identifier(raw, "groupId")
        if not message.group_id:
            raise FieldError("groupId", "is required for group")
    message.touch = touch_from_context(context, properties, is_visit=kind in ("page", "screen"))
    return message
