"""Results against spend per plan node: exact figures on a hand-counted business, totals
that reconcile with the children, attributed revenue never above the model's total."""

from dataclasses import fields
from decimal import Decimal

import pytest

from pacer.analytics.journeys import JourneyError
from pacer.metrics.labels import MODEL_LABELS
from pacer.planning.results import MIN_SPEND, Outcome, node_results, portfolio, romi_interval
from pacer.warehouse.sync import default_store
from tests.planning.results_fixture import END, START, build_results_plan

pytestmark = pytest.mark.django_db

MEASURES = [f.name for f in fields(Outcome)]


@pytest.fixture
def plan(workspace, tracker):
    return build_results_plan(workspace, tracker)


def _by_name(results):
    return {row.node.name: row for row in results.rows}


def test_each_node_has_its_campaigns_results(workspace, plan):
    results = node_results(workspace, default_store(), start=START, end=END, model="linear")
    rows = _by_name(results)
    leaf, search, root = rows["Spring search"].own, rows["Search"].own, rows["FY2026"].own
    # spring: P1 (100, alone) and half of P2 (200 over spring, summer) under linear
    assert (leaf.spend, leaf.attributed, leaf.conversions) == (Decimal(400), 200.0, 1.5)
    # acquired by spring (their first campaign): P1 and P2, 300 bought, CLV 150 + 420
    assert (leaf.leads, leaf.customers, leaf.revenue) == (2, 2, 300)
    assert (leaf.clv_customers, leaf.clv) == (2, 570.0)
    assert leaf.cac == 200.0
    assert leaf.romi == pytest.approx((200 - 400) / 400)
    assert leaf.clv_romi == pytest.approx((570 - 400) / 400)
    # summer: 1500 in the range (50 in December is outside), half of P2, P3 a lead only
    assert (search.spend, search.attributed, search.customers) == (Decimal(1500), 100.0, 0)
    assert search.leads == 1 and search.cac is None
    assert root == Outcome()
    assert (rows["FY2026"].depth, rows["Search"].depth, rows["Spring search"].depth) == (0, 1, 2)


def test_the_chosen_model_changes_the_credit(workspace, plan):
    results = node_results(workspace, default_store(), start=START, end=END, model="last_touch")
    rows = _by_name(results)
    assert rows["Spring search"].own.attributed == 100.0  # P1 only; P2's last touch: summer
    assert rows["Search"].own.attributed == 200.0
    first = node_results(workspace, default_store(), start=START, end=END, model="first_touch")
    assert _by_name(first)["Spring search"].own.attributed == 300.0


@pytest.mark.parametrize("model", list(MODEL_LABELS))
def test_totals_reconcile_and_never_exceed_the_models_total(workspace, plan, model):
    results = node_results(workspace, default_store(), start=START, end=END, model=model)
    children = {}
    for row in results.rows:
        children.setdefault(row.node.parent_id, []).append(row)
    for row in results.rows:
        for name in MEASURES:
            expected = getattr(row.own, name) + sum(
                getattr(child.total, name) for child in children.get(row.node.pk, [])
            )
            assert getattr(row.total, name) == pytest.approx(expected), (row.node.name, name)
    attributed = sum(row.own.attributed for row in results.rows)
    assert attributed <= results.model_total + 1e-9
    top = [row for row in results.rows if row.node.parent_id is None]
    assert sum(row.total.attributed for row in top) == pytest.approx(attributed)
    assert results.model_total == pytest.approx(300.0)  # every model shares out all revenue


def test_a_campaign_on_two_levels_is_counted_once(workspace, plan):
    results = node_results(workspace, default_store(), start=START, end=END)
    root = _by_name(results)["FY2026"].total
    assert root.spend == Decimal(1900)
    assert (root.customers, root.revenue, root.clv) == (2, 300, 570.0)


def test_bad_model_and_range_are_refused(workspace, plan):
    with pytest.raises(JourneyError, match="model: must be one of"):
        node_results(workspace, default_store(), start=START, end=END, model="magic")
    with pytest.raises(JourneyError, match="end: must not be before start"):
        node_results(workspace, default_store(), start=END, end=START)


def test_no_journeys_in_the_range_says_so_and_keeps_spend(workspace, plan):
    from datetime import date

    results = node_results(
        workspace, default_store(), start=date(2025, 12, 1), end=date(2025, 12, 31)
    )
    assert "nobody with tracked visits" in results.problem
    assert _by_name(results)["Search"].own.spend == Decimal(50)
    assert results.model_total == 0


def test_portfolio_calls_follow_the_written_rule(workspace, plan):
    results = node_results(workspace, default_store(), start=START, end=END, model="last_touch")
    calls = {row.node.name: (row.call, row.why) for row in portfolio(results)}
    assert set(calls) == {"Search", "Spring search"}  # the root has no campaign
    assert calls["Spring search"] == (
        "keep",
        f"spent under {MIN_SPEND:,.0f} (workspace currency): too little to judge",
    )
    # summer: 1500 spent, one conversion of 200: interval of 1 event is [0.025, 5.57]
    # conversions, so ROMI is within [-1.0, -0.26]: all below 0
    assert calls["Search"][0] == "stop"
    low, high = romi_interval(_by_name(results)["Search"].own)
    assert low == pytest.approx((200 * 0.0253 - 1500) / 1500, abs=1e-3)
    assert high == pytest.approx((200 * 5.5716 - 1500) / 1500, abs=1e-3)


def test_romi_interval_scales_with_the_count():
    few = Outcome(spend=Decimal(1000), conversions=4, attributed=4000)
    many = Outcome(spend=Decimal(1000), conversions=400, attributed=4000)
    lo_few, hi_few = romi_interval(few)
    lo_many, hi_many = romi_interval(many)
    assert lo_few < lo_many < 3.0 < hi_many < hi_few
    assert lo_many > 2.0  # 400 conversions: about ±10%
    assert romi_interval(Outcome(spend=Decimal(10))) is None


def test_without_a_clv_prediction_the_clv_figures_are_blank_not_minus_100_percent():
    unpredicted = Outcome(spend=Decimal("400"), customers=2)
    assert (unpredicted.predicted_clv, unpredicted.clv_romi) == (None, None)
    predicted = Outcome(spend=Decimal("400"), customers=2, clv_customers=1, clv=0.0)
    assert (predicted.predicted_clv, predicted.clv_romi) == (0.0, -1.0)
