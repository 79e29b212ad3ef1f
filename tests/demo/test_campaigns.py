"""The demo's campaigns carry the names a marketing team would give them; their keys (the
``utm_campaign`` of their links) stay the simulator's."""

import pytest

from pacer.demo.campaigns import campaign_name
from pacer.demo.loader import load_business
from pacer.planning.models import Campaign
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig


def test_a_simulated_campaign_key_reads_as_a_season_a_year_and_what_ran():
    assert campaign_name("paid_search-2025-q4") == "Holiday 2025 search ads"
    assert campaign_name("tv-2026-q1") == "New year 2026 TV flight"
    assert campaign_name("direct_mail-2026-q2") == "Spring 2026 postcards"
    assert campaign_name("podcast-2026-q3") == "Summer 2026 Podcast"  # no format: its label
    assert campaign_name("brand") == "brand"  # not a simulated key: unchanged


@pytest.mark.django_db
def test_the_loaded_demo_names_every_campaign_and_keeps_its_key(workspace):
    business = generate(SimConfig(contacts=300, months=3))
    load_business(workspace, business)
    campaigns = list(Campaign.objects.filter(workspace=workspace).values("key", "name"))
    assert campaigns
    assert {c["key"] for c in campaigns} <= set(business.campaign_names)
    for campaign in campaigns:
        assert campaign["name"] == campaign_name(campaign["key"]) != campaign["key"]
        assert "_" not in campaign["name"]
    assert len({c["name"] for c in campaigns}) == len(campaigns)
