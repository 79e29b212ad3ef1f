"""The iCal feed (RFC 5545) of a calendar feed's items, made with ``icalendar``.

The calendar's envelope is ``icalendar``'s; the events are written as content lines with
its text escaping (``vText``) and line folding (``foldline``) rather than built as one
component each, whose bookkeeping was most of a year's feed's time (docs/benchmarks.md).
The items come as plain rows (``selectors.FEED_FIELDS``, no model instances) and the
feed is produced in chunks, so a year's feed starts going out before it is all written.
tests/content/test_calendar.py parses the feed back with ``icalendar``."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta

from icalendar import Calendar
from icalendar.parser import foldline

from pacer.content.models import CalendarFeed, ContentKind

PRODID = "-//Pacer//Content calendar//EN"
END = b"END:VCALENDAR\r\n"
CHUNK = 500  # events per chunk of the stream
KINDS = dict(ContentKind.choices)


def uid(item_id: int) -> str:
    return f"content-{item_id}@pacer"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """``value`` escaped as TEXT (``icalendar.parser.escape_char``'s rules, without the
    ``vText`` object and the encode and decode round trip)."""
    return (
        value.replace("\\N", "\n")
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _event(row: dict, stamp: str, base_url: str) -> str:
    details = [KINDS.get(row["kind"], row["kind"]), row["state"]]
    if row["channel"]:
        details.append(row["channel"])
    if row["team"]:
        details.append(f"team {row['team']}")
    start = row["scheduled_for"]
    lines = (
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(row['title'])}",
        f"DTSTART:{_utc(start)}",
        f"DTEND:{_utc(start + timedelta(minutes=30))}",
        f"DTSTAMP:{stamp}",
        f"UID:{_text(uid(row['pk']))}",
        f"DESCRIPTION:{_text(' · '.join(details))}",
        f"URL:{base_url}/content/items/{row['pk']}/",
        "END:VEVENT",
    )
    return "".join((foldline(line) if len(line.encode()) > 75 else line) + "\r\n" for line in lines)


def feed(feed: CalendarFeed, rows: Iterable[dict], *, stamp, base_url: str) -> Iterator[bytes]:
    """The feed in chunks of bytes: one VEVENT per row (UID, DTSTAMP, DTSTART, DTEND = 30
    minutes later, SUMMARY, DESCRIPTION with kind, state, channel and team, URL of its
    page). ``rows``: dicts with ``selectors.FEED_FIELDS``."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Pacer content · {feed.get_scope_display()}")
    envelope = calendar.to_ical()
    assert envelope.endswith(END)
    yield envelope[: -len(END)]
    stamp_text = _utc(stamp)
    chunk = []
    for row in rows:
        chunk.append(_event(row, stamp_text, base_url))
        if len(chunk) == CHUNK:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()
    yield END
