"""Measurement in the platform: warehouse summaries -> models -> pages, API, contacts."""

from datetime import date

import polars as pl
import pytest

from pacer.analytics.clv import CLVError
from pacer.core import actions
from pacer.metrics.analysis import (
    attribution_report,
    clv_report,
)
from pacer.people.models import Contact
from pacer.warehouse.sync import default_store, sync
from tests.business_fixture import BRAND, order

pytestmark = pytest.mark.django_db


def test_attribution_report_on_the_hand_computed_business(workspace, small_business):
    sync()
    table = attribution_report(default_store(), workspace.pk, date(2026, 1, 1), date(2026, 2, 28))
    linear = {r["channel"]: r for r in table.filter(pl.col("model") == "linear").to_dicts()}
    # A (Jan, paid search) buys 100, B (Jan, paid search) buys 200 first; C (direct) never buys
    assert set(linear) == {"paid_search", "direct"}
    assert (linear["paid_search"]["conversions"], linear["paid_search"]["revenue"]) == (2, 300)
    assert (linear["direct"]["conversions"], linear["direct"]["revenue"]) == (0, 0)
    assert linear["paid_search"]["spend"] == 400
    assert linear["paid_search"]["romi"] == pytest.approx((300 - 400) / 400)
    markov = table.filter(pl.col("model") == "markov")
    assert markov["conversions"].sum() == pytest.approx(2)
    by_campaign = attribution_report(
        default_store(), workspace.pk, date(2026, 1, 1), date(2026, 2, 28), by="campaign"
    )
    linear = {r["channel"]: r for r in by_campaign.filter(pl.col("model") == "linear").to_dicts()}
    assert set(linear) == {"brand", "direct (no campaign)"}
    assert (linear["brand"]["conversions"], linear["brand"]["revenue"]) == (2, 300)
    assert linear["brand"]["spend"] == 400 and linear["direct (no campaign)"]["spend"] == 0


def test_w_shaped_and_full_path_use_the_lead_and_opportunity_touches(workspace, tracker):
    def page(mid, when, url, referrer=""):
        context = {"page": {"url": url, "referrer": referrer}}
        return {
            "type": "page",
            "messageId": mid,
            "anonymousId": "anon-d",
            "timestamp": when,
            "context": context,
        }

    tracker.batch(
        [
            page("d1", "2026-01-03T09:00:00Z", "https://s.test/?utm_source=news&utm_medium=email"),
            page(
                "d2",
                "2026-01-04T09:00:00Z",
                "https://s.test/?utm_source=facebook&utm_medium=social",
            ),
            {
                "type": "identify",
                "messageId": "d3",
                "anonymousId": "anon-d",
                "userId": "D",
                "timestamp": "2026-01-04T09:05:00Z",
                "traits": {"email": "d@x.com"},
            },
            page(
                "d4",
                "2026-01-06T09:00:00Z",
                "https://s.test/?utm_source=google&utm_medium=cpc&utm_campaign=brand",
            ),
            {
                "type": "track",
                "messageId": "d5",
                "userId": "D",
                "event": "Opportunity Created",
                "timestamp": "2026-01-07T09:00:00Z",
            },
            page("d6", "2026-01-08T09:00:00Z", "https://s.test/", "https://blog.example.org/"),
            {
                "type": "track",
                "messageId": "d7",
                "userId": "D",
                "event": "Order Completed",
                "timestamp": "2026-01-09T09:00:00Z",
                "properties": {"order_id": "o-d", "total": 100},
            },
        ]
    )
    sync()
    table = attribution_report(default_store(), workspace.pk, date(2026, 1, 1), date(2026, 1, 31))

    def credits(model):
        rows = table.filter(pl.col("model") == model).to_dicts()
        return {r["channel"]: round(r["revenue"], 9) for r in rows if r["revenue"]}

    # first email, lead after organic social, opportunity after paid search, then referral
    assert credits("w_shaped") == {
        "email": 30.0,
        "organic_social": 30.0,
        "paid_search": 30.0,
        "referral": 10.0,
    }
    # full path: 22.5% to first, lead, opportunity and the converting touch; no others left,
    # so their 10% is shared by the four milestones
    assert credits("full_path") == {
        "email": 25.0,
        "organic_social": 25.0,
        "paid_search": 25.0,
        "referral": 25.0,
    }


def test_attribution_is_refitted_only_when_a_sync_brings_data(workspace, small_business, tracker):
    sync()
    span = (date(2026, 1, 1), date(2026, 2, 28))
    first = attribution_report(default_store(), workspace.pk, *span)
    assert attribution_report(default_store(), workspace.pk, *span) is first  # kept
    assert attribution_report(default_store(), workspace.pk, *span, by="campaign") is not first
    newcomer = [  # D arrives by the brand campaign in February and buys for 100
        {
            "type": "page",
            "messageId": "d1",
            "anonymousId": "anon-d",
            "timestamp": "2026-02-10T09:00:00Z",
            "context": BRAND,
        },
        {
            "type": "identify",
            "messageId": "d2",
            "anonymousId": "anon-d",
            "userId": "D",
            "timestamp": "2026-02-10T09:05:00Z",
            "traits": {"email": "d@x.com"},
        },
        order("d3", "D", "2026-02-20T12:00:00Z", "o9", "S1", 1),
    ]
    assert tracker.batch(newcomer).json()["accepted"] == 3
    assert attribution_report(default_store(), workspace.pk, *span) is first  # not synced yet
    sync()
    again = attribution_report(default_store(), workspace.pk, *span)
    linear = {r["channel"]: r for r in again.filter(pl.col("model") == "linear").to_dicts()}
    assert (linear["paid_search"]["conversions"], linear["paid_search"]["revenue"]) == (3, 400)


def test_attribution_report_names_an_empty_period(workspace, small_business):
    sync()
    from pacer.analytics.journeys import JourneyError

    with pytest.raises(JourneyError, match="nobody with tracked visits"):
        attribution_report(default_store(), workspace.pk, date(2020, 1, 1), date(2020, 2, 1))
    with pytest.raises(JourneyError, match="by: must be 'channel' or 'campaign'"):
        attribution_report(
            default_store(), workspace.pk, date(2026, 1, 1), date(2026, 2, 1), by="source"
        )
    with pytest.raises(JourneyError, match="end: must not be before start"):
        attribution_report(default_store(), workspace.pk, date(2026, 2, 1), date(2026, 1, 1))


def test_analytics_pages(client, workspace, admin, small_business):
    sync()
    client.login(username="ada", password="correct-horse-1")
    page = client.get("/analytics/attribution/?start=2026-01-01&end=2026-02-28").content.decode()
    assert 'id="attribution-config"' in page and "Markov (order 2)" in page
    design = client.get("/analytics/experiments/?baseline=0.1&target=0.12").content.decode()
    assert "3841" in design
    skewed = client.post(
        "/analytics/experiments/", {"arms": "control, 10000, 1000\nnew, 11000, 1100"}
    ).content.decode()
    assert 'id="srm-warning"' in skewed
    fine = client.post(
        "/analytics/experiments/", {"arms": "control, 10000, 1000\nnew, 10050, 1100"}
    ).content.decode()
    assert 'id="srm-warning"' not in fine and 'id="results"' in fine
    broken = client.post("/analytics/experiments/", {"arms": "control, x, 1"}).content.decode()
    assert "Arms, one per line, control first › line 1: n and sums must be numbers" in broken
    few = client.post("/analytics/clv/", {"as_of": "2026-03-01"}).content.decode()
    assert "fewer than 10 customers" in few
    assert Contact.objects.filter(predicted_clv__isnull=False).count() == 0


def test_unidentifiable_clv_fits_are_refused_with_the_error_not_a_500(
    client, workspace, admin, tracker
):
    # twelve customers with one order each: nobody has come back, so BG/NBD's dropout
    # cannot be estimated
    tracker.batch(
        [
            {
                "type": "track",
                "messageId": f"o{i}",
                "userId": f"u{i}",
                "event": "Order Completed",
                "timestamp": f"2026-01-{i + 1:02d}T09:00:00Z",
                "properties": {"order_id": f"order-{i}", "total": 50},
            }
            for i in range(12)
        ]
    )
    sync()
    with pytest.raises(CLVError, match="x: no customer has a repeat purchase"):
        clv_report(default_store(), workspace.pk, date(2026, 3, 1))
    _, token = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    response = client.post(
        "/api/analytics/clv?as_of=2026-03-01", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 422
    assert "no customer has a repeat purchase" in response.json()["detail"]
    client.force_login(admin)
    page = client.post("/analytics/clv/", {"as_of": "2026-03-01"})
    assert page.status_code == 200 and "no customer has a repeat purchase" in page.content.decode()
    assert not Contact.objects.filter(predicted_clv__isnull=False).exists()


def test_a_control_without_conversions_gives_no_relative_effect_rather_than_nan(
    client, workspace, admin
):
    _, token = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    body = {
        "arms": [
            {"name": "control", "n": 1000, "sum": 0},
            {"name": "new", "n": 1000, "sum": 12},
        ]
    }
    response = client.post(
        "/api/analytics/experiment",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    (variation,) = response.json()["variations"]
    assert variation["relative"] is None and variation["relative_ci"] == [None, None]
    assert variation["absolute"] == pytest.approx(0.012)
    impossible = client.post(
        "/api/analytics/experiment",
        {"arms": [{"name": "control", "n": 100, "sum": 150}, body["arms"][1]]},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert impossible.status_code == 422
    assert list(impossible.json()["errors"]) == ["arms[0].sum"]
    client.force_login(admin)
    page = client.post("/analytics/experiments/", {"arms": "control, 1000, 0\nnew, 1000, 12"})
    assert page.status_code == 200 and 'id="results"' in page.content.decode()
