"""KPIs and analyses through the REST API: bounded input, and no NaN in any answer."""

import pytest

from pacer.metrics.cube import refresh_cube
from pacer.people.models import Contact
from pacer.warehouse.sync import sync
from tests.api_client import ApiClient, strict_json

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


def refused(response) -> dict:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"] == "; ".join(f"{f}: {r}" for f, r in body["errors"].items())
    return body["errors"]


ARMS = [{"name": "control", "n": 10000, "sum": 1000}, {"name": "offer", "n": 10000, "sum": 1100}]


def test_analyses_answer_on_the_warehouse_and_on_sufficient_statistics(api, small_business):
    sync()
    rows = strict_json(api.get("analytics/attribution", start="2026-01-01", end="2026-02-28"))
    assert {r["model"] for r in rows} >= {"linear", "markov", "shapley"}
    linear = {r["channel"]: r for r in rows if r["model"] == "linear"}
    assert linear["paid_search"]["spend"] == 400 and linear["direct"]["romi"] is None
    design = api.get("analytics/sample-size", baseline=0.1, target=0.12).json()
    assert design == {"per_arm": pytest.approx(3840.847, abs=1e-3), "method": "pooled"}
    result = strict_json(api.post("analytics/experiment", {"arms": ARMS}))
    assert (result["control"], result["sample_ratio_mismatch"]) == ("control", False)
    assert result["variations"][0]["relative"] == pytest.approx(0.1)
    assert refused(api.post("analytics/experiment", {"arms": ARMS[:1]})) == {
        "arms": "List should have at least 2 items after validation, not 1"
    }


@pytest.mark.parametrize(
    ("alpha", "reason"),
    [(0, "Input should be greater than 0"), (2, "Input should be less than 1")],
)
def test_alpha_must_be_a_probability(api, alpha, reason):
    design = api.get("analytics/sample-size", baseline=0.1, target=0.12, alpha=alpha)
    assert refused(design) == {"alpha": reason}
    assert refused(api.post("analytics/experiment", {"arms": ARMS, "alpha": alpha})) == {
        "alpha": reason
    }


def test_nan_and_infinity_are_refused_as_input(api):
    for value in ("NaN", "nan", "inf", "-Infinity"):
        design = api.get("analytics/sample-size", baseline=value, target=0.12)
        assert refused(design) == {"baseline": "Input should be a finite number"}
    raw = b'{"arms": [{"name": "control", "n": 100, "sum": NaN}, ' + (
        b'{"name": "offer", "n": 100, "sum": 10, "sum_sq": Infinity}]}'
    )
    assert refused(api.post("analytics/experiment", raw=raw)) == {
        "arms[0].sum": "Input should be a finite number",
        "arms[1].sum_sq": "Input should be a finite number",
    }


def test_an_undefined_figure_is_null_not_nan(api):
    """A control mean of 0 leaves the relative effect undefined."""
    arms = [{"name": "control", "n": 1000, "sum": 0}, {"name": "offer", "n": 1000, "sum": 30}]
    response = api.post("analytics/experiment", {"arms": arms})
    assert response.status_code == 200
    variation = strict_json(response)["variations"][0]
    assert (variation["relative"], variation["relative_ci"]) == (None, [None, None])
    assert variation["absolute"] == pytest.approx(0.03)
    assert variation["control_mean"] == 0.0


def test_the_analysis_refuses_inconsistent_statistics_by_field(api):
    conversions = [{"name": "control", "n": 10, "sum": 11}, ARMS[1]]
    assert refused(api.post("analytics/experiment", {"arms": conversions})) == {
        "arms[0].sum": "a conversion count must be between 0 and n"
    }
    squares = [{"name": "control", "n": 10, "sum": 10, "sum_sq": 1}, ARMS[1]]
    assert refused(api.post("analytics/experiment", {"arms": squares})) == {
        "arms[0].sum_sq": "must be at least sum² / n"
    }
    weights = api.post("analytics/experiment", {"arms": ARMS, "weights": [1]})
    assert refused(weights) == {"weights": "need one weight per arm"}
    twins = api.post("analytics/experiment", {"arms": [ARMS[0], ARMS[0]]})
    assert refused(twins) == {"arms": "names must be different"}
    flat = [{"name": "a", "n": 10, "sum": 0}, {"name": "b", "n": 10, "sum": 0}]
    assert refused(api.post("analytics/experiment", {"arms": flat})) == {
        "variance": "both arms have zero variance; no test is possible"
    }


def test_sample_size_input_is_bounded(api):
    design = api.get("analytics/sample-size", baseline=0.1, target=0.12, method="cohens_h")
    assert design.status_code == 200 and design.json()["method"] == "cohens_h"
    assert refused(api.get("analytics/sample-size", baseline=0.1, target=0.1)) == {
        "target": "must differ from baseline (zero effect needs infinite samples)"
    }
    assert refused(api.get("analytics/sample-size", baseline=0, target=1, method="x")) == {
        "baseline": "Input should be greater than 0",
        "target": "Input should be less than 1",
        "method": "'x' is not one of 'pooled', 'evan_miller' or 'cohens_h'",
    }
    tiny = api.get("analytics/sample-size", baseline=0.5, target=0.5 + 1e-16, power=0.999999)
    assert tiny.status_code == 200 and strict_json(tiny)["per_arm"] > 1e33


def test_days_outside_the_supported_range_are_refused(api):
    assert refused(api.get("metrics/kpis", start="0001-01-01")) == {
        "start": "Input should be greater than or equal to 1900-01-01"
    }
    assert refused(api.get("metrics/kpis", start="2026-02-01", end="2026-01-01")) == {
        "end": "must not be before start"
    }
    attribution = api.get("analytics/attribution", start="0001-01-01", end="9999-12-31")
    assert refused(attribution) == {
        "start": "Input should be greater than or equal to 1900-01-01",
        "end": "Input should be less than or equal to 2199-12-31",
    }
    assert refused(api.get("analytics/clv/holdout", as_of="0001-01-01")) == {
        "as_of": "Input should be greater than or equal to 1900-01-01"
    }
    assert refused(api.post("analytics/clv", as_of="0001-01-01")) == {
        "as_of": "Input should be greater than or equal to 1900-01-01"
    }
    assert not Contact.objects.filter(predicted_clv__isnull=False).exists()


def test_kpis_answer_null_ratios_for_an_empty_slice(api, small_business):
    """The hand-computed business of tests/metrics/test_kpis.py."""
    sync(after_sync=refresh_cube)
    body = strict_json(api.get("metrics/kpis", start="2026-01-01", end="2026-02-28"))
    assert (body["totals"]["revenue"], body["totals"]["spend"]) == (350, 400)
    assert [p["label"] for p in body["trend"]] == ["2026-01-01", "2026-02-01"]
    empty = strict_json(api.get("metrics/kpis", start="2030-01-01", end="2030-12-31"))
    assert empty["trend"] == [] and empty["totals"]["cac"] is None
    assert empty["funnel"][0] == {"stage": "Visits", "count": 0.0, "conversion": None}


def test_an_analysis_without_data_is_refused_with_its_reason(api):
    sync()
    assert refused(api.get("analytics/attribution", start="2026-01-01", end="2026-01-31")) == {
        "journeys": "nobody with tracked visits was first seen in this period"
    }
    assert refused(api.post("analytics/clv", as_of="2026-01-31")) == {
        "customers": "fewer than 10 customers with orders; nothing to fit"
    }
