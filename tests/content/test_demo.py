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
    # 2 alerts, 2 withdrawals
    assert counts == {"items": 42, "assets": 8, "notices": 4, "partners": 1}
    states = Counter(ContentItem.objects.values_list("state", flat=True))
    assert set(states) == {
        "idea", "draft", "in_review", "approved", "scheduled", "published", "archived"
    }  # fmt: skip
    assert Theme.objects.count() == 3
    assert Counter(Asset.objects.values_list("status", flat=True)) == {
        "active": 6,
        "withdrawn": 2,
    }
    assert load_content(workspace, date(2026, 6, 1)) == {
        "items": 0, "assets": 0, "notices": 0, "partners": 0
    }  # fmt: skip
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
    assert "No collections yet." in page and "make one below" in page
    assert 'id="collection-new"' in page
    load_content(workspace, date(2026, 6, 1))
    page = client.get("/assets/").content.decode()
    assert "No collections yet." not in page and ">Brand kit</a>" in page


def test_the_demo_has_a_partner_with_shared_collections_and_an_expiring_link(workspace, team):
    """Issue 15: the partner portal and an expiring link in the demo, with assets whose
    rights end during the demo's period."""
    from datetime import timedelta

    from django.test import Client

    from pacer.content import partners
    from pacer.content.models import Partner, ShareLink
    from pacer.core import clock

    today = date(2026, 6, 1)
    load_content(workspace, today, partner_password="pacer-demo-1")
    agency = Partner.objects.get(workspace=workspace)
    assert (agency.name, agency.key, agency.territory, agency.channels, agency.active) == (
        "Bright Signs agency", "bright-signs", "US", ["paid_social", "print", "local_partner"], True
    )  # fmt: skip
    shared = sorted(agency.shares.values_list("collection__name", "renditions"))
    assert shared == [
        ("Brand kit", ["original", "medium"]),
        ("Social images", ["original", "medium"]),
    ]
    link = ShareLink.objects.get(workspace=workspace)
    assert (link.collection.name, link.partner_id, link.channels, link.can_download) == (
        "Social images", agency.pk, ["print"], True
    )  # fmt: skip
    assert link.expires_at.date() == (clock.now() + timedelta(days=14)).date()
    assert link.revoked_at is None
    shown = {entry.asset.name: entry.asset.rights_end for entry in partners.portal(agency, today)}
    # every asset of both collections (none of them was withdrawn); two end within 12 days
    assert shown == {
        "Deluxe package hero": date(2026, 6, 6),
        "Gift card product shot": date(2026, 6, 13),
        "Happy customer portrait": date(2026, 7, 31),
        "Technician at work": date(2026, 7, 1),
        "Logo on white": None,
        "Van in front of the Denver location": None,
    }
    # the portal stops showing the two whose rights end while the link is open
    after = {e.asset.name for e in partners.portal(agency, date(2026, 6, 14))}
    assert "Deluxe package hero" not in after and "Gift card product shot" not in after
    client = Client()
    assert client.login(username="partner", password="pacer-demo-1")
    assert client.get("/portal/").status_code == 200
    assert client.get("/assets/").status_code == 403
