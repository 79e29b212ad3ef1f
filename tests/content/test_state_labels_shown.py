"""Content states are shown by the labels the user sees, not their keys: the iCal feed's
DESCRIPTION (parsed back) and an item's withdrawal flag ("It was moved from In review to
Draft")."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from icalendar import Calendar

from pacer.content import actions, assets
from pacer.content.models import ContentFlag, ContentItem
from tests.content.conftest import PASSWORD
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
MOMENT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _item(workspace, title: str, state: str) -> ContentItem:
    item = actions.create_item(
        workspace, title=title, kind="blog_post", channel="", team="", scheduled_for=MOMENT
    )
    ContentItem.objects.filter(pk=item.pk).update(state=state)  # the state under test
    return ContentItem.objects.get(pk=item.pk)


def test_the_feed_describes_each_item_by_its_states_label(workspace, team):
    for title, state in (("one", "in_review"), ("two", "scheduled"), ("three", "approved")):
        _item(workspace, title, state)
    _, token = actions.rotate_feed(workspace, user=team["editor"], scope="calendar")
    body = Client().get(f"/content/feeds/{token}.ics").getvalue()
    found = {
        str(e["SUMMARY"]): str(e["DESCRIPTION"]) for e in Calendar.from_ical(body).walk("VEVENT")
    }
    assert found == {
        "one": "Blog post · In review",
        "two": "Blog post · Scheduled",
        "three": "Blog post · Approved",
    }


def test_a_withdrawal_flag_names_the_states_by_their_labels(workspace, team):
    item = _item(workspace, "flagged", "draft")
    asset = assets.upload_asset(workspace, name="Hero", filename="h.png", data=png())
    ContentFlag.objects.create(
        workspace=workspace,
        item=item,
        asset=asset,
        withdrawn_at=MOMENT,
        kind="unscheduled",
        reason="'Hero' was withdrawn: licence ended",
        state_before="in_review",
        created_at=MOMENT,
    )
    client = Client()
    assert client.login(username="eve", password=PASSWORD)
    page = client.get(f"/content/items/{item.pk}/").text
    assert "It was moved from In review to Draft." in page
    assert "in_review" not in page.split('id="item-flags"')[1].split("</div>")[0]
