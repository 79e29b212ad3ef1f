"""The iCal feed (RFC 5545) of a calendar feed's items, made with ``icalendar``.

The calendar's envelope is ``icalendar``'s; the events are written as content lines with
its text escaping (``vText``) and line folding (``foldline``) rather than built as one
component each, whose bookkeeping was most of a year's feed's time (docs/benchmarks.md).
tests/content/test_calendar.py parses the feed back with ``icalendar``."""

from datetime import UTC, datetime, timedelta

from icalendar import Calendar, vText
from icalendar.parser import foldline

from pacer.content.models import CalendarFeed, ContentItem

PRODID = "-//Pacer//Content calendar//EN"
END = b"END:VCALENDAR\r\n"


def uid(item: ContentItem) -> str:
    return f"content-{item.pk}@pacer"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    return vText(value).to_ical().decode()


def _event(item: ContentItem, stamp: str, base_url: str) -> str:
    details = [item.get_kind_display(), item.state]
    if item.channel:
        details.append(item.channel)
    if item.team:
        details.append(f"team {item.team}")
    lines = (
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(item.title)}",
        f"DTSTART:{_utc(item.scheduled_for)}",
        f"DTEND:{_utc(item.scheduled_for + timedelta(minutes=30))}",
        f"DTSTAMP:{stamp}",
        f"UID:{_text(uid(item))}",
        f"DESCRIPTION:{_text(' · '.join(details))}",
        f"URL:{base_url}/content/items/{item.pk}/",
        "END:VEVENT",
    )
    return "".join((foldline(line) if len(line.encode()) > 75 else line) + "\r\n" for line in lines)


def feed(feed: CalendarFeed, items, *, stamp, base_url: str) -> bytes:
    """The feed as bytes: one VEVENT per item (UID, DTSTAMP, DTSTART, DTEND = 30 minutes
    later, SUMMARY, DESCRIPTION with kind, state and channel, URL of its page)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Pacer content · {feed.get_scope_display()}")
    envelope = calendar.to_ical()
    assert envelope.endswith(END)
    stamp_text = _utc(stamp)
    events = "".join(_event(item, stamp_text, base_url) for item in items)
    return envelope[: -len(END)] + events.encode() + END
