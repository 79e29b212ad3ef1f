"""KPIs on a hand-computable business: every number below is worked out by hand.

Jan: spend 300; A and B arrive by paid search (brand) and become leads; A buys 100 (cost 40).
Feb: spend 100; C arrives direct; B buys 2 x 100 (cost 80); A buys again 50 (cost 10).
"""

from datetime import date

import pytest

from pacer.metrics.cube import refresh_cube
from pacer.metrics.selectors import KpiFilter, kpi_report
from pacer.warehouse.sync import default_store, sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def report_for(workspace, small_business):
    sync(after_sync=refresh_cube)

    def report(**filters):
        return kpi_report(default_store(), workspace.pk, KpiFilter(**filters))

    return report


def test_totals(report_for):
    t = report_for().totals
    assert (t["spend"], t["visits"], t["visitors"], t["leads"], t["new_customers"]) == (
        400,
        3,
        3,
        2,
        2,
    )
    assert (t["orders"], t["revenue"], t["cost"], t["gross_profit"]) == (3, 350, 130, 220)
    assert t["cac"] == 200
    assert t["romi"] == pytest.approx((220 - 400) / 400)
    # per person over 5 Jan - 15 Feb (all data): A and B first ordered in it, A again
    assert t["repeat_rate"] == 1 / 2
    # nobody ordered in the 42 days before 5 January: no one to retain
    assert t["retention"] is None
    assert t["clv"] == 175


def test_trend_by_month(report_for):
    jan, feb = report_for().trend
    assert (jan["label"], feb["label"]) == ("2026-01-01", "2026-02-01")
    assert (jan["spend"], jan["new_customers"], jan["revenue"], jan["cac"]) == (300, 1, 100, 300)
    assert (feb["spend"], feb["new_customers"], feb["revenue"], feb["cac"]) == (100, 1, 250, 100)
    assert (feb["ordering_customers"], feb["returning_customers"], feb["retained_customers"]) == (
        2,
        1,
        1,
    )
    assert jan["retention"] is None and feb["retention"] == 1.0
    assert (jan["clv"], feb["clv"]) == (100, 175)


def test_funnel(report_for):
    funnel = report_for().funnel
    assert [(s["stage"], s["count"]) for s in funnel] == [
        ("Visits", 3),
        ("New visitors", 3),
        ("Leads", 2),
        ("New customers", 2),
        ("Repeat customers", 1),
    ]
    assert [s["conversion"] for s in funnel] == [None, 1.0, pytest.approx(2 / 3), 1.0, 0.5]


def test_channel_comparison_and_filters(report_for, small_business):
    by_channel = {r["channel"]: r for r in report_for().by_channel}
    assert set(by_channel) == {"paid_search", "direct"}
    assert (by_channel["paid_search"]["revenue"], by_channel["paid_search"]["spend"]) == (350, 400)
    assert (by_channel["direct"]["visitors"], by_channel["direct"]["revenue"]) == (1, 0)
    search = report_for(channel="paid_search").totals
    assert (search["visitors"], search["new_customers"], search["cac"]) == (2, 2, 200)
    located = report_for(location_id=small_business["location"].pk).totals
    assert (located["spend"], located["visitors"], located["revenue"]) == (400, 2, 350)
    feb = report_for(start=date(2026, 2, 1), end=date(2026, 2, 28)).totals
    assert (feb["spend"], feb["revenue"], feb["new_customers"], feb["clv"]) == (100, 250, 1, 175)


def test_weekly_grain_sums_to_the_same_totals(report_for):
    weekly = report_for(grain="week")
    assert sum(r["revenue"] for r in weekly.trend) == 350
    assert weekly.trend[0]["label"] == "2026-01-05"  # the Monday of the first week with data
