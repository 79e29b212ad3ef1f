"""The iCal feed's lines as written (``pacer.content.ical``): an ASCII line of 75 octets
stays whole and one of 76 is folded (RFC 5545 3.1), a time given in another zone is
written in UTC, and each item gets the DESCRIPTION of its own kind, state, channel and
team (descriptions are written once per combination)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from pacer.content import actions

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]

BERLIN = ZoneInfo("Europe/Berlin")


def _item(workspace, title, team, hour=9):
    return actions.create_item(
        workspace,
        title=title,
        kind="ad",
        channel="display",
        team=team,
        scheduled_for=datetime(2026, 3, 2, hour, 30, tzinfo=BERLIN),
    )


def test_lines_are_folded_past_75_octets_times_are_utc_and_descriptions_are_each_items(
    workspace, team, settings
):
    settings.BASE_URL = "https://pacer.example"
    _item(workspace, "x" * 67, "brand")  # SUMMARY: and 67 = 75 octets
    _item(workspace, "y" * 68, "", hour=10)  # 76 octets
    _, token = actions.rotate_feed(workspace, user=team["editor"], scope="calendar")

    body = Client().get(f"/content/feeds/{token}.ics").getvalue()

    assert b"\r\nSUMMARY:" + b"x" * 67 + b"\r\nDTSTART:20260302T083000Z\r\n" in body
    assert b"\r\nSUMMARY:" + b"y" * 66 + b"\r\n yy\r\nDTSTART:20260302T093000Z\r\n" in body
    assert b"DTEND:20260302T090000Z\r\n" in body and b"DTEND:20260302T100000Z\r\n" in body
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))
    events = Calendar.from_ical(body).walk("VEVENT")
    assert [(str(e["SUMMARY"])[:1], str(e["DESCRIPTION"])) for e in events] == [
        ("x", "Ad · Idea · display · team brand"),
        ("y", "Ad · Idea · display"),
    ]
