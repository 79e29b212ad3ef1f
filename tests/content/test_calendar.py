"""The content calendar's pages (month, week, list; themes and campaigns behind the
items; rescheduling by drag and by form) and the iCal feeds behind rotatable tokens."""

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client
from icalendar import Calendar

from pacer.content import actions
from pacer.content.models import ContentItem
from pacer.core import actions as core
from pacer.planning import actions as planning
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(workspace, team):
    made = []
    for n, (day, owner, team_name) in enumerate(
        [
            (date(2026, 3, 2), "editor", "brand"),
            (date(2026, 3, 2), "brand", "brand"),
            (date(2026, 3, 17), "editor", "content"),
            (date(2026, 4, 1), "brand", "content"),
        ]
    ):
        made.append(
            actions.create_item(
                workspace,
                title=f"Item {n}",
                kind="social_post",
                channel="organic_social",
                team=team_name,
                owner=team[owner],
                scheduled_for=datetime(2026, day.month, day.day, 9 + n, tzinfo=UTC),
            )
        )
    actions.create_item(workspace, title="Unscheduled", kind="ad")
    return made


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _events(body: bytes) -> list[tuple[str, datetime, str]]:
    calendar = Calendar.from_ical(body)
    return sorted(
        (str(e["UID"]), e.decoded("DTSTART"), str(e["SUMMARY"])) for e in calendar.walk("VEVENT")
    )


def _expected(rows) -> list[tuple[str, datetime, str]]:
    return sorted((f"content-{i.pk}@pacer", i.scheduled_for, i.title) for i in rows)


@pytest.mark.parametrize(
    ("scope", "team_name", "chosen"),
    [("calendar", "", [0, 1, 2, 3]), ("user", "", [0, 2]), ("team", "content", [2, 3])],
)
def test_a_feed_holds_exactly_its_scheduled_items(workspace, team, items, scope, team_name, chosen):
    _, token = actions.rotate_feed(workspace, user=team["editor"], scope=scope, team=team_name)
    response = Client().get(f"/content/feeds/{token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.streaming  # sent as it is written
    assert _events(response.getvalue()) == _expected([items[i] for i in chosen])


def test_rotating_a_feed_refuses_the_old_token(workspace, team, items):
    _, old = actions.rotate_feed(workspace, user=team["editor"], scope="calendar")
    assert Client().get(f"/content/feeds/{old}.ics").status_code == 200
    _, new = actions.rotate_feed(workspace, user=team["editor"], scope="calendar")
    assert new != old
    assert Client().get(f"/content/feeds/{old}.ics").status_code == 404
    assert Client().get(f"/content/feeds/{new}.ics").status_code == 200
    # from the page, too: the new address is shown once, and works; the last one stops
    page = _client(team["editor"]).post("/content/feeds/", {"scope": "calendar"})
    shown = re.search(r'id="new-feed-url">[^<]*/content/feeds/([^<]+)\.ics<', page.text)
    assert Client().get(f"/content/feeds/{new}.ics").status_code == 404
    assert Client().get(f"/content/feeds/{shown.group(1)}.ics").status_code == 200
    again = _client(team["editor"]).get("/content/feeds/").text
    assert shown.group(1) not in again and shown.group(1)[:6] in again


def test_a_feed_stops_when_its_maker_leaves_the_workspace(workspace, team, items, admin):
    _, token = actions.rotate_feed(workspace, user=team["brand"], scope="calendar")
    core.remove_member(workspace, team["brand"], actor=admin)
    assert Client().get(f"/content/feeds/{token}.ics").status_code == 404


def test_the_month_shows_items_on_their_days_with_themes_and_campaigns(workspace, team, items):
    actions.create_theme(
        workspace, name="Spring sale", starts_on="2026-03-10", ends_on="2026-03-20"
    )
    planning.create_campaign(
        workspace,
        "easter",
        "email",
        name="Easter push",
        starts_on=date(2026, 3, 30),
        ends_on=date(2026, 4, 6),
    )
    page = _client(team["editor"]).get("/content/calendar/?day=2026-03-15").content.decode()
    # the grid runs Monday 23 February to Sunday 5 April: April's item sits in a greyed day
    assert page.count('class="cal-item') == 4
    assert 'class="cal-day outside" data-day="2026-04-01"' in page
    march_2 = page.split('data-day="2026-03-02"')[1].split("</section>")[0]
    assert "Item 0" in march_2 and "Item 1" in march_2
    march_15 = page.split('data-day="2026-03-15"')[1].split("</section>")[0]
    assert "Spring sale" in march_15
    march_31 = page.split('data-day="2026-03-31"')[1].split("</section>")[0]
    assert "Easter push" in march_31 and "Spring sale" not in march_31
    team_only = _client(team["editor"]).get("/content/calendar/?day=2026-03-15&team=content")
    assert team_only.content.decode().count('class="cal-item') == 2  # items 2 and 3


def test_week_and_list_views(workspace, team, items):
    week = _client(team["editor"]).get("/content/calendar/?view=week&day=2026-03-04")
    assert week.content.decode().count('class="cal-item') == 2
    listing = _client(team["editor"]).get("/content/calendar/?view=list&day=2026-04-09")
    body = listing.content.decode()
    assert "Item 3" in body and "Item 0" not in body


def test_drag_to_reschedule_moves_the_item_and_refuses_bad_days(workspace, team, items):
    client = _client(team["editor"])
    item = items[0]
    answer = client.post(f"/content/calendar/move/{item.pk}/", {"day": "2026-03-05"})
    assert answer.status_code == 200
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 5, 9, tzinfo=UTC)
    refused = client.post(f"/content/calendar/move/{item.pk}/", {"day": "05/03/2026"})
    assert refused.status_code == 422
    assert refused.json() == {"errors": {"day": "must be a date (YYYY-MM-DD)"}}
    item.refresh_from_db()
    assert item.scheduled_for == datetime(2026, 3, 5, 9, tzinfo=UTC)
    # without JavaScript: the form on the item's page
    client.post(f"/content/items/{item.pk}/schedule/", {"day": "2026-03-09"})
    assert ContentItem.objects.get(pk=item.pk).scheduled_for == datetime(2026, 3, 9, 9, tzinfo=UTC)
    # staff may look but not move
    staff = _client(team["legal"])
    assert (
        staff.post(f"/content/calendar/move/{item.pk}/", {"day": "2026-03-01"}).status_code == 403
    )


def test_a_feed_keeps_titles_with_commas_semicolons_new_lines_and_long_text(workspace, team):
    title = "Spring; sale, 50% off\nall week: " + "é" * 120
    actions.create_item(
        workspace,
        title=title,
        kind="ad",
        channel="display",
        team="brand",
        scheduled_for=datetime(2026, 3, 2, 23, 30, tzinfo=UTC),
    )
    _, token = actions.rotate_feed(workspace, user=team["editor"], scope="calendar")
    body = Client().get(f"/content/feeds/{token}.ics").getvalue()
    assert all(len(line) <= 75 for line in body.split(b"\r\n"))  # folded (RFC 5545 3.1)
    (event,) = Calendar.from_ical(body).walk("VEVENT")
    assert str(event["SUMMARY"]) == title
    assert event.decoded("DTEND") == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)
    assert str(event["DESCRIPTION"]) == "Ad · Idea · display · team brand"
