"""Measurement in the platform: warehouse summaries -> models -> pages, API, contacts."""

from datetime import date, timedelta

import polars as pl
import pytest

from pacer.core import actions
from pacer.ingest.simulated import load_business
from pacer.metrics.analysis import attribution_report, clv_report, write_back_clv
from pacer.people.models import Contact
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.warehouse.sync import default_store, sync

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


def test_attribution_report_names_an_empty_period(workspace, small_business):
    sync()
    from pacer.analytics.journeys import JourneyError

    with pytest.raises(JourneyError, match="nobody with tracked visits"):
        attribution_report(default_store(), workspace.pk, date(2020, 1, 1), date(2020, 2, 1))
    with pytest.raises(JourneyError, match="end: must not be before start"):
        attribution_report(default_store(), workspace.pk, date(2026, 2, 1), date(2026, 1, 1))


@pytest.fixture
def simulated(workspace):
    business = generate(SimConfig(seed=9, contacts=1500, months=12, locations=3))
    load_business(workspace, business)
    sync()
    return business


def test_clv_is_fitted_on_the_warehouse_and_written_to_contacts(workspace, simulated, admin):
    end = date.fromisoformat(simulated.config.start) + timedelta(weeks=simulated.config.weeks)
    report = clv_report(default_store(), workspace.pk, end)
    customers = report.customers
    assert customers.height == simulated.truth["realised"]["customers"]
    assert customers["p_alive"].is_between(0, 1).all()
    assert (customers["clv"] >= 0).all()
    assert report.cohorts["customers"].sum() == customers.height
    updated = write_back_clv(workspace, report, actor=admin)
    assert updated == customers.height
    best = customers.sort("clv", descending=True).row(0, named=True)
    contact = Contact.objects.get(pk=best["customer"])
    assert contact.predicted_clv == pytest.approx(best["clv"])
    assert contact.p_alive == pytest.approx(best["p_alive"])
    assert (
        Contact.objects.filter(workspace=workspace, predicted_clv__isnull=False).count() == updated
    )


def test_analytics_api(client, workspace, admin, small_business):
    sync()
    _, token = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    rows = client.get("/api/analytics/attribution?start=2026-01-01&end=2026-02-28", **auth).json()
    assert {r["model"] for r in rows} >= {"linear", "markov", "shapley"}
    design = client.get("/api/analytics/sample-size?baseline=0.1&target=0.12", **auth).json()
    assert design["per_arm"] == pytest.approx(3840.847, abs=1e-3)
    body = {
        "arms": [
            {"name": "control", "n": 10000, "sum": 1000},
            {"name": "new", "n": 10000, "sum": 1100},
        ]
    }
    result = client.post(
        "/api/analytics/experiment", body, content_type="application/json", **auth
    ).json()
    assert result["sample_ratio_mismatch"] is False
    assert result["variations"][0]["relative"] == pytest.approx(0.1)
    bad = client.post(
        "/api/analytics/experiment",
        {"arms": body["arms"][:1]},
        content_type="application/json",
        **auth,
    )
    assert (
        bad.status_code == 422
        and "need a control and at least one variation" in bad.json()["detail"]
    )
    assert (
        client.get("/api/analytics/sample-size?baseline=0.1&target=0.1", **auth).status_code == 422
    )


def test_analytics_pages(client, workspace, admin, small_business):
    sync()
    client.login(username="ada", password="correct-horse-1")
    page = client.get("/analytics/attribution/?start=2026-01-01&end=2026-02-28").content.decode()
    assert 'id="attribution-config"' in page and "markov_order_2" in page
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
    assert "arms line 1: n and sums must be numbers" in broken
    few = client.post("/analytics/clv/", {"as_of": "2026-03-01"}).content.decode()
    assert "fewer than 10 customers" in few
    assert Contact.objects.filter(predicted_clv__isnull=False).count() == 0
