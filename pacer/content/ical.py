"""The iCal feed (RFC 5545) of a calendar feed's items, made with ``icalendar``."""

from datetime import timedelta

from icalendar import Calendar, Event

from pacer.content.models import CalendarFeed, ContentItem

PRODID = "-//Pacer//Content calendar//EN"


def uid(item: ContentItem) -> str:
    return f"content-{item.pk}@pacer"


def feed(feed: CalendarFeed, items, *, stamp, base_url: str) -> bytes:
    """The feed as bytes: one VEVENT per item (UID, DTSTAMP, DTSTART, DTEND = 30 minutes
    later, SUMMARY, DESCRIPTION with kind, state and channel, URL of its page)."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Pacer content · {feed.get_scope_display()}")
    for item in items:
        event = Event()
        event.add("uid", uid(item))
        event.add("dtstamp", stamp)
        event.add("dtstart", item.scheduled_for)
        event.add("dtend", item.scheduled_for + timedelta(minutes=30))
        event.add("summary", item.title)
        details = [item.get_kind_display(), item.state]
        if item.channel:
            details.append(item.channel)
        if item.team:
            details.append(f"team {item.team}")
        event.add("description", " · ".join(details))
        event.add("url", f"{base_url}/content/items/{item.pk}/")
        calendar.add_component(event)
    return calendar.to_ical()
