"""The iCal feed (RFC 5545) of a calendar feed's items, made with ``icalendar``.

The calendar's envelope is ``icalendar``'s; the events are written as content lines with
its text escaping (``vText``) and line folding (``foldline``) rather than built as one
component each, whose bookkeeping was most of a year's feed's time (docs/benchmarks.md).
The items come as plain tuples (``selectors.FEED_FIELDS``, no model instances), each
event is one string (a DESCRIPTION written once per kind, state, channel and team) and the
feed is produced in chunks, so a year's feed starts going out before it is all written.
tests/content/test_calendar.py parses the feed back with ``icalendar``."""

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from icalendar import Calendar
from icalendar.parser import foldline

from pacer.content.models import CalendarFeed, ContentKind

PRODID = "-//Pacer//Content calendar//EN"
END = b"END:VCALENDAR\r\n"
CHUNK = 500  # events per chunk of the stream
KINDS = dict(ContentKind.choices)
HALF_HOUR = timedelta(minutes=30)


def uid(item_id: int) -> str:
    return f"content-{item_id}@pacer"


def _utc(moment: datetime) -> str:
    """``moment`` as a UTC DATE-TIME (``20260304T100000Z``; fields, not ``strftime``:
    twice as fast, and twice per event)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}Z"
    )


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


def _line(line: str) -> str:
    """A content line folded at 75 octets when longer (most are ASCII and short)."""
    if len(line) <= 75 and line.isascii():
        return line
    return foldline(line) if len(line.encode()) > 75 else line


@lru_cache(maxsize=4096)
def _description(kind: str, state: str, channel: str, team: str) -> str:
    """The DESCRIPTION line of an item of this kind, state (its label, as the pages show
    it), channel and team (a feed has few combinations, so each is written once)."""
    details = [KINDS.get(kind, kind), state]
    if channel:
        details.append(channel)
    if team:
        details.append(f"team {team}")
    return _line(f"DESCRIPTION:{_text(' · '.join(details))}")


def _event(row: tuple, stamp: str, base_url: str, states: dict[str, str]) -> str:
    """One VEVENT of a row of ``selectors.FEED_FIELDS`` (``states``: each state's label):
    every line but SUMMARY, DESCRIPTION and URL is short ASCII and never folded."""
    pk, title, kind, state, channel, team, start = row
    return (
        f"BEGIN:VEVENT\r\n{_line(f'SUMMARY:{_text(title)}')}\r\n"
        f"DTSTART:{_utc(start)}\r\nDTEND:{_utc(start + HALF_HOUR)}\r\nDTSTAMP:{stamp}\r\n"
        f"UID:{uid(pk)}\r\n{_description(kind, states.get(state, state), channel, team)}\r\n"
        f"{_line(f'URL:{base_url}/content/items/{pk}/')}\r\nEND:VEVENT\r\n"
    )


def feed(
    feed: CalendarFeed, rows: Iterable[tuple], *, stamp, base_url: str, states: dict[str, str]
) -> Iterator[bytes]:
    """The feed in chunks of bytes: one VEVENT per row (UID, DTSTAMP, DTSTART, DTEND = 30
    minutes later, SUMMARY, DESCRIPTION with kind, state, channel and team, URL of its
    page). ``rows``: tuples of ``selectors.FEED_FIELDS``; ``states``: the workspace's
    state labels by key (the DESCRIPTION says "In review", not ``in_review``)."""
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
        chunk.append(_event(row, stamp_text, base_url, states))
        if len(chunk) == CHUNK:
            yield "".join(chunk).encode()
            chunk = []
    if chunk:
        yield "".join(chunk).encode()
    yield END
