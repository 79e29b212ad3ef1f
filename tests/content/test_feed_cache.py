"""A calendar client's poll of an iCal feed: the answer's ETag and Last-Modified come from
the feed's items, a poll with nothing changed is answered 304 after a few queries, the
body is kept for the next client, and every kind of change (a reschedule, a state, a new
item, a deletion, another team's item) gives a new ETag and a body that shows it."""

from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from pacer.content import actions
from pacer.content.models import ContentItem

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def feed(workspace, team):
    for n in range(3):
        actions.create_item(
            workspace,
            title=f"Post {n}",
            kind="blog_post",
            team="brand",
            scheduled_for=datetime(2026, 3, 2 + n, 9, tzinfo=UTC),
        )
    _, token = actions.rotate_feed(workspace, user=team["editor"], scope="team", team="brand")
    return f"/content/feeds/{token}.ics"


def _events(body: bytes) -> dict:
    calendar = Calendar.from_ical(body)
    return {
        str(e["SUMMARY"]): (e.decoded("DTSTART"), str(e["DESCRIPTION"]))
        for e in calendar.walk("VEVENT")
    }


def _get(url: str, etag: str = ""):
    headers = {"HTTP_IF_NONE_MATCH": etag} if etag else {}
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url, **headers)
        body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body, len(queries)


def test_a_poll_with_nothing_changed_is_answered_304_and_the_body_is_kept(feed):
    first, body, cold_queries = _get(feed)
    assert first.status_code == 200 and first["ETag"].startswith('"')
    assert first["Last-Modified"].endswith(" GMT")
    assert sorted(_events(body)) == ["Post 0", "Post 1", "Post 2"]
    poll, empty, poll_queries = _get(feed, first["ETag"])
    assert (poll.status_code, empty, poll["ETag"]) == (304, b"", first["ETag"])
    # the feed by its token, its maker's membership, the version: no rows read
    assert poll_queries <= cold_queries - 1 and poll_queries <= 4
    since = Client().get(feed, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert since.status_code == 304
    again, same, kept_queries = _get(feed)  # another client: the kept body
    assert (again.status_code, same, again["ETag"]) == (200, body, first["ETag"])
    assert kept_queries == poll_queries


@pytest.mark.parametrize("change", ["reschedule", "state", "new", "delete", "other team"])
def test_every_change_to_the_feeds_items_gives_a_new_etag_and_body(workspace, feed, change):
    first, body, _ = _get(feed)
    _get(feed)  # kept now
    post = ContentItem.objects.get(title="Post 1")
    if change == "reschedule":
        actions.reschedule(post, "2026-03-20")
    elif change == "state":
        actions.transition(post, "draft")
    elif change == "new":
        actions.create_item(
            workspace,
            title="Post 9",
            kind="ad",
            team="brand",
            scheduled_for=datetime(2026, 5, 1, tzinfo=UTC),
        )
    elif change == "delete":
        post.delete()
    else:  # not in this team's feed: nothing it shows changed
        actions.create_item(
            workspace,
            title="Theirs",
            kind="ad",
            team="performance",
            scheduled_for=datetime(2026, 5, 1, tzinfo=UTC),
        )
        assert _get(feed, first["ETag"])[0].status_code == 304
        return
    fresh, new_body, _ = _get(feed, first["ETag"])
    assert fresh.status_code == 200 and fresh["ETag"] != first["ETag"]
    events = _events(new_body)
    if change == "reschedule":
        assert events["Post 1"][0] == datetime(2026, 3, 20, 9, tzinfo=UTC)
    elif change == "state":
        assert events["Post 1"][1] == "Blog post · Draft · team brand"
    elif change == "new":
        assert sorted(events) == ["Post 0", "Post 1", "Post 2", "Post 9"]
    else:
        assert sorted(events) == ["Post 0", "Post 2"]
    assert _get(feed, fresh["ETag"])[0].status_code == 304
