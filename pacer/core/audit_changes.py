"""An audit entry's change as a person reads it: one line per field that changed, its
value before and after (``state: draft → archived``), nested values summarised
(``3 items``, ``4 fields``), and the whole change in one line (``change_summary``), for the
audit log page. The raw JSON stays on the entry."""

import json
import re
from datetime import datetime
from typing import Any

MAX_FIELDS = 8  # lines shown before "… and N more fields"
MAX_TEXT = 60  # characters of a text value shown
EMPTY = (None, "", [], {})
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def describe(value: Any) -> str:
    """One value, short: text cut to ``MAX_TEXT``, times to the minute, numbers rounded,
    lists and objects summarised by their size."""
    if value is None or value == "":
        return "empty"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        if ISO_TIME.match(value):
            try:
                return datetime.fromisoformat(value).strftime("%Y-%m-%d %H:%M")
            except ValueError:
                pass
        return value if len(value) <= MAX_TEXT else value[: MAX_TEXT - 1] + "…"
    if isinstance(value, list):
        if not value:
            return "none"
        if len(value) <= 3 and all(_scalar(v) for v in value):
            joined = ", ".join(describe(v) for v in value)
            if len(joined) <= MAX_TEXT:
                return joined
        return _count(len(value), "item")
    if isinstance(value, dict):
        return _count(len(value), "field") if value else "none"
    return describe(str(value))


def change_lines(before: Any, after: Any) -> list[str]:
    """A line per field that differs, in field order: ``field: old → new``, ``field: new``
    (set where there was nothing before; left out when empty) or ``field: old → removed``."""
    lines = [line for _, line in _changes(before, after)]
    if not lines:
        return ["no field changed" if (before or after) else "no details recorded"]
    if len(lines) > MAX_FIELDS:
        more = len(lines) - MAX_FIELDS + 1
        lines = lines[: MAX_FIELDS - 1] + [f"… and {more} more fields"]
    return lines


def change_summary(before: Any, after: Any) -> str:
    """The change in one line: its lines joined by "; " when they fit in ``MAX_TEXT``
    characters, else how many fields changed and their names (``7 fields: channel, id,
    …``)."""
    changes = _changes(before, after)
    joined = "; ".join(line for _, line in changes)
    if len(changes) <= 1 or len(joined) <= MAX_TEXT:
        return joined or change_lines(before, after)[0]
    return f"{len(changes)} fields: {', '.join(field for field, _ in changes)}"


def _changes(before: Any, after: Any) -> list[tuple[str, str]]:
    """``(field, line)`` for each field that differs, in field order."""
    old, new = _fields(before), _fields(after)
    changes = []
    for field in sorted(old.keys() | new.keys()):
        if field in old and field in new:
            if old[field] != new[field]:
                changes.append((field, f"{field}: {describe(old[field])} → {describe(new[field])}"))
        elif field in new:
            if new[field] not in EMPTY:  # a field set to nothing says nothing
                changes.append((field, f"{field}: {describe(new[field])}"))
        else:
            changes.append((field, f"{field}: {describe(old[field])} → removed"))
    return changes


def raw_json(before: Any, after: Any) -> str | None:
    """Both sides as stored, indented (None when nothing was recorded)."""
    if before is None and after is None:
        return None
    dump = {"before": before, "after": after}
    return json.dumps(dump, ensure_ascii=False, sort_keys=True, indent=2)


def _fields(value: Any) -> dict:
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"value": value}


def _scalar(value: Any) -> bool:
    return not isinstance(value, (list, dict))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n:,} {noun}s"


def _number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return str(value)
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{value:.3g}"
