"""The demo's content: every editorial state, themes, and assets whose rights end in the
period (some withdrawn by the expiry loop); loading twice adds nothing."""

from collections import Counter
from datetime import date

import pytest

from pacer.content.models import Asset, ContentItem, Theme
from pacer.demo.content import load_content

pytestmark = pytest.mark.django_db


def test_the_demo_has_items_in_every_state_and_assets_that_expire(workspace, team):
    counts = load_content(workspace, date(2026, 6, 1))
    assert counts == {"items": 42, "assets": 8, "notices": 4}  # 2 alerts, 2 withdrawals
    states = Counter(ContentItem.objects.values_list("state", flat=True))
    assert set(states) == {
        "idea", "draft", "in_review", "approved", "scheduled", "published", "archived"
    }  # fmt: skip
    assert Theme.objects.count() == 3
    assert Counter(Asset.objects.values_list("status", flat=True)) == {
        "active": 6,
        "withdrawn": 2,
    }
    assert load_content(workspace, date(2026, 6, 1)) == {"items": 0, "assets": 0, "notices": 0}
    assert ContentItem.objects.count() == 42


def test_published_demo_items_lie_in_the_past_and_scheduled_ones_ahead(workspace, team):
    today = date(2026, 6, 1)
    load_content(workspace, today)
    days = {
        state: {
            item.date()
            for item in ContentItem.objects.filter(state=state).values_list(
                "scheduled_for", flat=True
            )
        }
        for state in ("published", "scheduled", "approved", "in_review")
    }
    assert days["published"] and max(days["published"]) < today
    for state in ("scheduled", "approved", "in_review"):
        assert days[state] and min(days[state]) >= today, state


def test_the_assets_page_says_how_to_make_a_collection_until_there_is_one(workspace, admin):
    from django.test import Client

    client = Client()
    client.force_login(admin)
    page = client.get("/assets/").content.decode()
    assert "No collections yet." in page and "add it to a new collection there" in page
    load_content(workspace, date(2026, 6, 1))
    page = client.get("/assets/").content.decode()
    assert "No collections yet." not in page and ">Brand kit</a>" in page
