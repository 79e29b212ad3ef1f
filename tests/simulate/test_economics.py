"""The default business's economics: the properties docs/simulator.md promises, each
figure of ``truth["economics"]`` recomputed from the business's own arrays, and the
mechanisms behind them (spend that scales with size, seasons, weak locations, baskets)
checked against their parameters within 4 standard errors computed from the sample."""

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from pacer.simulate.business import DAY, WEEK, generate
from pacer.simulate.config import SimConfig

SIGMAS = 4
# Seeds and start dates (one in each season): the promised properties hold for all.
VARIANTS = (
    [{}]
    + [{"seed": s} for s in (1, 2, 3)]
    + [{"start": s} for s in ("2025-04-07", "2025-07-07", "2025-10-06", "2025-12-01")]
)


@pytest.fixture(scope="module")
def default():
    return generate(SimConfig())


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: str(v) or "default")
def test_the_default_franchise_earns_its_marketing_back(variant):
    e = generate(SimConfig(**variant)).truth["economics"]
    assert 0.05 <= e["spend_share_of_revenue"] <= 0.15
    assert e["romi"] > 0 and e["incremental_romi"] > 0
    under_water = {
        key for key, c in e["channels"].items() if c["romi"] is not None and c["romi"] < 0
    }
    assert {"display", "video"} <= under_water
    assert {"paid_search", "paid_social", "tv", "email"}.isdisjoint(under_water)
    assert e["repeat_share"] >= 0.5 and e["orders_per_customer"] > 2
    by_romi = sorted(e["locations"], key=lambda code: e["locations"][code]["romi"])
    assert set(by_romi[:2]) == {"LOC04", "LOC10"}
    assert all(e["locations"][code]["weak"] == (code in ("LOC04", "LOC10")) for code in by_romi)


def test_offline_channels_drive_customers_that_no_touch_shows(default):
    channels = default.truth["economics"]["channels"]
    for key in ("tv", "radio"):
        assert channels[key]["customers"] > 0 and channels[key]["customers_first_touch"] == 0
    assert channels["tv"]["customers"] > channels["paid_social"]["customers"] / 2
    offline = np.isin(
        default.contact_source, [default.channel_keys.index(k) for k in ("tv", "radio")]
    )
    visible = {default.channel_keys[i] for i in np.unique(default.contact_channel[offline])}
    assert visible == {"direct", "organic_search"}
    assert np.array_equal(default.contact_channel[~offline], default.contact_source[~offline])


def test_every_economic_figure_is_recomputed_from_the_business(default):
    b, e = default, default.truth["economics"]
    revenue, cost, spend = b.order_total.sum(), b.order_cost.sum(), b.spend_amount.sum()
    customers, orders = np.unique(b.order_contact, return_counts=True)
    assert e["revenue"] == pytest.approx(revenue) and e["cost"] == pytest.approx(cost)
    assert e["spend"] == pytest.approx(spend)
    assert e["spend_share_of_revenue"] == pytest.approx(spend / revenue)
    assert e["romi"] == pytest.approx((revenue - cost - spend) / spend)
    assert e["customers"] == len(customers) == b.truth["realised"]["customers"]
    assert e["orders_per_customer"] == pytest.approx(orders.mean())
    assert e["repeat_share"] == pytest.approx((orders >= 2).mean())
    assert e["average_order_value"] == pytest.approx(revenue / len(b.order_total))
    for i, key in enumerate(b.channel_keys):
        figures = e["channels"][key]
        booked = b.spend_amount[b.spend_channel == i].sum()
        assert figures["spend"] == pytest.approx(booked)
        assert booked == pytest.approx(b.truth["channels"][key]["total_spend"], abs=0.01 * 52 * 12)
        bought = np.isin(np.flatnonzero(b.contact_source == i), customers)
        assert figures["customers"] == bought.sum()
        if b.config.channels[i].base == 0 and booked:  # all its demand came from spend
            assert figures["customers_from_spend"] == pytest.approx(figures["customers"])
    profit = b.order_total - b.order_cost
    for i, code in enumerate(b.location_codes):
        spent = b.spend_amount[b.spend_location == i].sum()
        earned = profit[b.contact_location[b.order_contact] == i].sum()
        assert e["locations"][code]["romi"] == pytest.approx((earned - spent) / spent)


def test_booked_spend_scales_with_the_size_of_the_business():
    small = generate(SimConfig(contacts=20_000))
    double = generate(SimConfig(contacts=40_000))
    longer = generate(SimConfig(contacts=20_000, months=24))
    for key, truth in small.truth["channels"].items():
        assert double.truth["channels"][key]["total_spend"] == pytest.approx(
            2 * truth["total_spend"]
        )
    # twice the weeks at the same size: half the contacts a week, so half the spend a week
    weekly = small.truth["realised"]["spend"] / small.config.weeks
    assert longer.config.spend_scale == pytest.approx(small.config.spend_scale / 2)
    assert longer.truth["realised"]["spend"] / longer.config.weeks < weekly


def _within(observed: np.ndarray, expected_share: np.ndarray, n: int) -> None:
    """Multinomial counts against their expected shares, each within 4 standard errors."""
    standard_error = np.sqrt(n * expected_share * (1 - expected_share))
    assert np.all(np.abs(observed - n * expected_share) < SIGMAS * standard_error)


def test_first_visits_follow_the_yearly_season_and_the_weekday_weights():
    config = SimConfig(seed=13, contacts=200_000)
    b = generate(config)
    # weekdays: each contact's day is drawn by the weights (the start is a Monday)
    weekday = (b.contact_first_seen // DAY + 3) % 7
    weights = np.array(config.weekday_weights)
    _within(np.bincount(weekday, minlength=7), weights / weights.sum(), b.n_contacts)
    # channels without spend have demand season(week) · base: their contacts' weeks are
    # distributed as the season, computed here from its definition
    no_spend = [i for i, c in enumerate(config.channels) if c.beta == 0]
    organic = np.isin(b.contact_source, no_spend)
    week = (b.contact_first_seen[organic] - b.start) // WEEK
    middle = [
        datetime.fromtimestamp(b.start + w * WEEK + WEEK // 2, UTC) for w in range(config.weeks)
    ]
    day_of_year = np.array([m.timetuple().tm_yday - 1 for m in middle])
    season = 1 + config.season_amplitude * np.cos(
        2 * np.pi * (day_of_year - config.season_peak_day) / 365.25
    )
    peak = season > 1  # the half of the year above the mean
    share = season[peak].sum() / season.sum()
    assert share > peak.mean() + 0.05  # a real season, not a flat year
    _within(np.array([peak[week].sum()]), np.array([share]), int(organic.sum()))


def test_weak_locations_answer_leads_slower_and_convert_fewer():
    config = SimConfig(seed=17, contacts=100_000)
    b = generate(config)
    leads = b.lead_at >= 0
    weak = np.isin(b.contact_location + 1, config.weak_locations)
    hours = b.response_hours
    assert np.median(hours[leads & weak]) > 10 * np.median(hours[leads & ~weak])
    customers = np.isin(np.arange(b.n_contacts), b.order_contact)
    assert customers[leads & weak].mean() < customers[leads & ~weak].mean() / 3
    assert b.truth["weak_locations"] == ["LOC04", "LOC10"]
    assert generate(replace(config, contacts=500, locations=3)).truth["weak_locations"] == []


def test_customers_differ_in_basket_size_as_the_beta_prior_says():
    """Extra lines per order are Binomial(2, q) with q ~ Beta(a, b) per customer: their
    mean is 2a/(a+b), and two orders of the same customer covary by Var(2q) = 4 Var(q)."""
    config = SimConfig(seed=19, contacts=200_000)
    b = generate(config)
    extra = np.bincount(b.line_order, minlength=len(b.order_total)) - 1
    a, bb = config.basket_a, config.basket_b
    mean = 2 * a / (a + bb)
    assert abs(extra.mean() - mean) < SIGMAS * extra.std(ddof=1) / np.sqrt(len(extra))
    order = np.argsort(b.order_contact, kind="stable")  # each customer's orders in time order
    contact = b.order_contact[order]
    first = np.flatnonzero(np.r_[True, contact[1:] != contact[:-1]])
    pairs = first[
        (first + 1 < len(contact))
        & (contact[np.minimum(first + 1, len(contact) - 1)] == contact[first])
    ]
    x, y = extra[order][pairs], extra[order][pairs + 1]
    products = (x - mean) * (y - mean)
    covariance = 4 * a * bb / ((a + bb) ** 2 * (a + bb + 1))
    assert abs(products.mean() - covariance) < SIGMAS * products.std(ddof=1) / np.sqrt(len(pairs))
