"""The demo's campaigns carry the names a marketing team would give them; their keys (the
``utm_campaign`` of their links) stay the simulator's."""

import pytest

from pacer.demo.campaigns import campaign_name
from pacer.demo.loader import load_business
from pacer.planning.models import Campaign, SpendEntry
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


@pytest.mark.django_db
def test_the_demo_campaigns_run_in_their_quarter_and_only_the_last_quarters_are_live(workspace):
    from datetime import date, timedelta

    from pacer.planning.selectors import campaign_rows

    # six months ending on Sunday 2026-05-17: the second quarter's campaigns are still on
    business = generate(SimConfig(contacts=400, months=6, start="2025-11-24"))
    load_business(workspace, business)
    rows = {c.key: c for c in campaign_rows(workspace, today=date(2026, 5, 17))}
    assert rows
    for key, campaign in rows.items():
        year, quarter = int(key[-7:-3]), int(key[-1])
        first = date(year, 3 * quarter - 2, 1)
        last = date(year + quarter // 4, quarter % 4 * 3 + 1, 1) - timedelta(days=1)
        assert max(first, date(2025, 11, 24)) <= campaign.starts_on <= campaign.ends_on <= last
        assert campaign.starts_on.weekday() == 0  # a flight starts with its first week
        assert campaign.status == ("live" if key.endswith("2026-q2") else "ended"), key
    assert rows["paid_search-2026-q2"].ends_on == date(2026, 6, 30)  # booked to the quarter
    assert rows["paid_search-2026-q1"].starts_on == date(2026, 1, 5)
    assert rows["paid_search-2026-q1"].ends_on == date(2026, 3, 31)
    assert rows["paid_search-2025-q4"].starts_on == date(2025, 11, 24)  # the business began


@pytest.mark.django_db
def test_the_demo_records_a_spend_line_only_for_a_week_that_spent(workspace):
    # a TV or radio flight is off air some weeks of its quarter: the simulator gives those
    # weeks an amount of 0, which the spend table showed as rows of $0.00
    business = generate(SimConfig(contacts=300, months=6))
    assert (business.spend_amount == 0).any()
    load_business(workspace, business)
    amounts = list(SpendEntry.objects.filter(workspace=workspace).values_list("amount", flat=True))
    assert len(amounts) == int((business.spend_amount > 0).sum())
    assert min(amounts) > 0
    assert float(sum(amounts)) == pytest.approx(
        float(business.spend_amount.sum()), abs=0.005 * len(amounts)
    )
