"""Per-person measures on a hand-built year (tests/metrics/year_business.py): repeat rate,
retention, cohort retention and the days with data, each worked out by hand."""

from datetime import date

import pytest

from pacer.metrics.cube import refresh_cube
from pacer.metrics.customers import activity_bounds, cohort_retention, person_rates
from pacer.metrics.selectors import KpiFilter, kpi_report
from pacer.warehouse.sync import default_store, sync
from tests.metrics.year_business import build_year_business

pytestmark = pytest.mark.django_db
YEAR = (date(2025, 1, 1), date(2025, 12, 31))


@pytest.fixture
def year(workspace, tracker):
    places = build_year_business(workspace, tracker)
    sync(after_sync=refresh_cube)
    return places


def test_the_data_runs_from_the_first_to_the_last_day_with_anything(workspace, year):
    assert activity_bounds(default_store(), workspace.pk) == (date(2024, 12, 20), date(2026, 1, 5))


def test_repeat_rate_of_a_year_counts_people_whose_first_order_is_in_it(workspace, year):
    rates = person_rates(default_store(), workspace.pk, *YEAR)
    # first orders in 2025: P1 P2 P3 P4 P5 P6 P8 (P7's was in 2024); again on a later day
    # by 31 Dec: P1 P4 P5 (P3's two orders share a day, P8 repeats in 2026)
    assert (rates.new_customers, rates.repeaters) == (7, 3)
    assert rates.repeat_rate == 3 / 7
    # retention: of those ordering in 2024 (P7), who ordered in 2025 too (P7)
    assert (rates.earlier_customers, rates.retained, rates.retention) == (1, 1, 1.0)


def test_the_kpi_totals_do_not_change_with_the_grain(workspace, year):
    store = default_store()
    monthly = kpi_report(store, workspace.pk, KpiFilter(*YEAR, grain="month")).totals
    weekly = kpi_report(store, workspace.pk, KpiFilter(*YEAR, grain="week")).totals
    assert monthly["repeat_rate"] == weekly["repeat_rate"] == 3 / 7
    assert monthly["retention"] == weekly["retention"] == 1.0


def test_rates_per_location(workspace, year):
    by = person_rates(default_store(), workspace.pk, *YEAR, by="location_id")
    north, south = by[year["north"].pk], by[year["south"].pk]
    assert (north.new_customers, north.repeaters) == (3, 2)  # P1 P2 P5; P1 P5
    assert (south.new_customers, south.repeaters) == (4, 1)  # P3 P4 P6 P8; P4
    located = person_rates(default_store(), workspace.pk, *YEAR, location_id=year["south"].pk)
    assert located == south


def test_retention_against_the_same_number_of_days_before(workspace, year):
    # February 2025 (28 days) against 4-31 January: P1 and P2 ordered then (P7 on the 3rd,
    # a day too early); P1 again in February
    feb = person_rates(default_store(), workspace.pk, date(2025, 2, 1), date(2025, 2, 28))
    assert (feb.earlier_customers, feb.retained) == (2, 1)
    # first orders in February: P3 and P4; neither orders again on a later day by the 28th
    assert (feb.new_customers, feb.repeaters) == (2, 0)


def test_cohort_triangle_of_2025(workspace, year):
    cohorts = cohort_retention(default_store(), workspace.pk, *YEAR, data_end=date(2026, 1, 5))
    rows = {r["cohort"]: r for r in cohorts.table.to_dicts()}
    assert cohorts.months == 12
    assert list(rows) == [date(2025, m, 1) for m in (1, 2, 3, 6, 12)]
    jan, feb, mar, jun, dec = rows.values()
    assert jan["customers"] == 2  # P1 P2 (P7's first month is December 2024)
    assert [jan[f"m{k}"] for k in range(12)] == [1.0, 0.5, 0.5] + [0.0] * 9
    assert [feb[f"m{k}"] for k in range(12)] == [1.0, 0.0, 0.5] + [0.0] * 8 + [None]
    assert [mar[f"m{k}"] for k in range(4)] == [1.0, 0.0, 1.0, 1.0]
    assert [jun[f"m{k}"] for k in range(8)] == [1.0] + [0.0] * 6 + [None]
    assert dec["m0"] == 1.0 and dec["m1"] is None
    assert cohorts.partial == frozenset()


def test_a_cohort_month_cut_by_the_range_is_partial(workspace, year):
    cohorts = cohort_retention(default_store(), workspace.pk, date(2025, 1, 15), date(2025, 3, 10))
    rows = {r["cohort"]: r for r in cohorts.table.to_dicts()}
    # first orders from 15 Jan: P2 (Jan), P3 P4 (Feb), P5 (10 Mar); March is cut at the 10th
    assert [r["customers"] for r in rows.values()] == [1, 2, 1]
    assert cohorts.partial == {
        (date(2025, 1, 1), 0),
        (date(2025, 1, 1), 2),
        (date(2025, 2, 1), 1),
        (date(2025, 3, 1), 0),
    }
