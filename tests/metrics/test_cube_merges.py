"""Merged contacts in the KPI cube: each person counts once, under the survivor.

The business is tests/merged_business.py's ``hand_merged_business``; the warehouse is
synced between its two phases, so the orders and visits of the contacts that merge away
reach the warehouse under their own ids. Worked out by hand (month = its first day,
"brand" = paid_search/brand, "spring" = paid_social/spring):

- K (L1) absorbs V: V's page of 2025-12-28 by spring makes K a spring visitor in
  December; K's lead 01-10 and first order 01-20 (o1, L1, 100/40); V's order 01-27 (o2 at
  L2, 2 x S2 = 100/20) and K's 02-15 (o3, L1, 100/40) count under spring.
- A (L2) absorbs A1, whose anonymous order of 2025-12-30 (o4, 50/10, no location) makes A
  a December visitor and customer under brand; A's own page (01-08, brand), lead 01-08,
  orders 01-20 (o5, 100/40) and 03-05 (o6, 50/10).
- P (L1) absorbs Q: P's page 01-03 (brand) keeps P's acquisition; Q's direct page 01-04
  is a visit under direct; Q's email identify (01-04) is P's lead; P's order 01-06 (o7,
  100/40) and Q's 02-10 (o8, 50/10).
- Spend: brand/L1 300 in January and 100 in February, spring/L2 200 in January.
"""

from datetime import date

import pytest

from pacer.metrics.cube import CUBE_TABLE, DIMENSIONS, MEASURES, build_cube, refresh_cube
from pacer.metrics.selectors import KpiFilter, kpi_report, period_start
from pacer.people.models import Contact
from pacer.warehouse.store import Store
from pacer.warehouse.sync import default_store, sync
from tests.merged_business import hand_merged_business

pytestmark = pytest.mark.django_db

DEC, JAN, FEB, MAR = "2025-12-01", "2026-01-01", "2026-02-01", "2026-03-01"
BRAND, SPRING, DIRECT = ("paid_search", "brand"), ("paid_social", "spring"), ("direct", "")


@pytest.fixture
def business(workspace):
    locations = hand_merged_business(workspace, between=sync)
    sync(after_sync=refresh_cube)
    return locations


def cells(store: Store, workspace, grain: str) -> dict:
    """The workspace's cube rows as ``{(period start, channel, campaign, location code):
    {measure: value}}``, leaving out measures that are zero."""
    codes = {loc.pk: loc.code for loc in workspace.location_set.all()}
    found = {}
    for row in store.arrow(CUBE_TABLE).to_pylist():
        if row["workspace_id"] != workspace.pk or row["grain"] != grain:
            continue
        key = (
            period_start(row["period"], grain).isoformat(),
            row["channel"],
            row["campaign"],
            codes.get(row["location_id"], row["location_id"]),
        )
        assert key not in found
        found[key] = {m: row[m] for m in MEASURES if row[m]}
    return found


def test_the_contacts_merged_as_the_cube_expects(workspace, business):
    """The premise: three people left, with the merged acquisition and dates."""
    people = {
        c.email or c.pk: c
        for c in Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
    }
    assert set(people) == {"k@x.com", "a@x.com", "q@x.com"}
    k, a, p = people["k@x.com"], people["a@x.com"], people["q@x.com"]
    assert (k.acquisition_channel, k.first_seen_at.date()) == ("paid_social", date(2025, 12, 28))
    assert (a.acquisition_channel, a.customer_at.date()) == ("paid_search", date(2025, 12, 30))
    assert (p.acquisition_channel, p.lead_at.date()) == ("paid_search", date(2026, 1, 4))
    assert Contact.objects.filter(workspace=workspace, merged_into__isnull=False).count() == 3


def test_month_cells_count_each_person_once_under_the_survivor(workspace, business):
    expected = {
        (DEC, *SPRING, "L1"): {"visits": 1, "visitors": 1},
        (DEC, *BRAND, "L2"): {
            "visitors": 1,
            "new_customers": 1,
            "orders": 1,
            "revenue": 50,
            "cost": 10,
            "ordering_customers": 1,
        },
        (JAN, *BRAND, "L1"): {
            "spend": 300,
            "visits": 2,
            "visitors": 1,
            "leads": 1,
            "new_customers": 1,
            "orders": 1,
            "revenue": 100,
            "cost": 40,
            "ordering_customers": 1,
        },
        (JAN, *BRAND, "L2"): {
            "visits": 1,
            "leads": 1,
            "orders": 1,
            "revenue": 100,
            "cost": 40,
            "ordering_customers": 1,
            "returning_customers": 1,
            "retained_customers": 1,
        },
        (JAN, *SPRING, "L1"): {
            "leads": 1,
            "new_customers": 1,
            "orders": 1,
            "revenue": 100,
            "cost": 40,
            "ordering_customers": 1,
        },
        (JAN, *SPRING, "L2"): {"spend": 200, "orders": 1, "revenue": 100, "cost": 20},
        (JAN, *DIRECT, "L1"): {"visits": 1},
        (FEB, *BRAND, "L1"): {
            "spend": 100,
            "orders": 1,
            "revenue": 50,
            "cost": 10,
            "ordering_customers": 1,
            "returning_customers": 1,
            "retained_customers": 1,
        },
        (FEB, *SPRING, "L1"): {
            "orders": 1,
            "revenue": 100,
            "cost": 40,
            "ordering_customers": 1,
            "returning_customers": 1,
            "retained_customers": 1,
        },
        (MAR, *BRAND, "L2"): {
            "orders": 1,
            "revenue": 50,
            "cost": 10,
            "ordering_customers": 1,
            "returning_customers": 1,
        },
    }
    assert cells(default_store(), workspace, "month") == expected


def test_week_cells_count_customers_once_per_week(workspace, business):
    """Weeks (Mondays): A orders in the weeks of 12-29, 01-19 and 03-02 (returning, never
    retained); K in the weeks of 01-19 and 01-26 (retained) and 02-09; P in 01-05 and 02-09."""
    customers = ("ordering_customers", "returning_customers", "retained_customers")
    found = {
        key: tuple(measures.get(m, 0) for m in customers)
        for key, measures in cells(default_store(), workspace, "week").items()
        if measures.get("ordering_customers")
    }
    assert found == {
        ("2025-12-29", *BRAND, "L2"): (1, 0, 0),
        ("2026-01-05", *BRAND, "L1"): (1, 0, 0),
        ("2026-01-19", *SPRING, "L1"): (1, 0, 0),
        ("2026-01-19", *BRAND, "L2"): (1, 1, 0),
        ("2026-01-26", *SPRING, "L1"): (1, 1, 1),
        ("2026-02-09", *SPRING, "L1"): (1, 1, 0),
        ("2026-02-09", *BRAND, "L1"): (1, 1, 0),
        ("2026-03-02", *BRAND, "L2"): (1, 1, 0),
    }
    weekly = kpi_report(default_store(), workspace.pk, KpiFilter(grain="week")).totals
    monthly = kpi_report(default_store(), workspace.pk, KpiFilter()).totals
    for measure in ("spend", "visits", "visitors", "leads", "new_customers", "orders", "revenue"):
        assert weekly[measure] == monthly[measure], measure


def test_report_of_the_merged_business(workspace, business):
    report = kpi_report(default_store(), workspace.pk, KpiFilter())
    t = report.totals
    assert (t["visits"], t["visitors"], t["leads"], t["new_customers"]) == (5, 3, 3, 3)
    assert (t["orders"], t["revenue"], t["cost"], t["spend"]) == (8, 650, 210, 600)
    assert (t["ordering_customers"], t["returning_customers"], t["retained_customers"]) == (
        7,
        4,
        3,
    )
    assert t["cac"] == 200
    by_month = {r["label"]: r for r in report.trend}
    # January: K, A and P ordered (A returning and retained from December's o4)
    assert by_month[JAN]["ordering_customers"] == 3
    assert (by_month[JAN]["retention"], by_month[FEB]["retention"]) == (1.0, pytest.approx(2 / 3))
    assert by_month[MAR]["retention"] == 0.0
    assert [r["clv"] for r in report.trend] == [50, 150, 200, pytest.approx(650 / 3)]
    l2 = kpi_report(default_store(), workspace.pk, KpiFilter(location_id=business["L2"].pk))
    # V's order o2 was placed at L2: its revenue counts there, its customer (K) at L1
    assert (l2.totals["orders"], l2.totals["revenue"], l2.totals["ordering_customers"]) == (
        4,
        300,
        3,
    )


def test_the_cube_is_the_same_whether_the_warehouse_saw_the_contacts_before_or_after_they_merged(
    workspace, business, tmp_path
):
    synced_once = Store(tmp_path / "synced-after-the-merges")
    sync(synced_once, after_sync=refresh_cube)
    # the premise: the store synced between the phases holds orders under merged-away ids
    merged_away = set(
        Contact.objects.filter(merged_into__isnull=False).values_list("pk", flat=True)
    )
    early = default_store().arrow("orders").column("contact_id").to_pylist()
    late = synced_once.arrow("orders").column("contact_id").to_pylist()
    assert merged_away & set(early) and not merged_away & set(late)
    for grain in ("month", "week"):
        assert cells(synced_once, workspace, grain) == cells(default_store(), workspace, grain)


def test_build_cube_computes_the_rows_refresh_cube_stores(workspace, business):
    """``build_cube`` (the cube computed on DuckDB without storing it, as the Spark parity
    check compares it) is the stored cube row for row, ordered by its dimensions."""
    store = default_store()
    built = build_cube(store)
    assert built.to_pylist() == store.arrow(CUBE_TABLE).to_pylist()
    grains = [cells(store, workspace, grain) for grain in ("month", "week")]
    assert (len(grains[0]), built.num_rows) == (10, sum(map(len, grains)))


def test_build_cube_on_a_warehouse_never_synced_is_empty(tmp_path):
    """Each source not written yet is read as empty with its schema: no rows, every
    dimension and measure a column."""
    built = build_cube(Store(tmp_path / "never-synced"))
    assert (built.num_rows, built.column_names) == (0, [*DIMENSIONS, *MEASURES])
