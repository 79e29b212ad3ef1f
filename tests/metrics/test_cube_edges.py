"""The cube's edges, on warehouse tables written by hand (no database): which calls are
visits, days and periods at their first and last second, a merged contact's screen call
and order under a survivor with no location, spend and events as the first and last day
with data, and no temporary table left behind on the kept DuckDB connection.

Workspace 1: C (id 1) absorbed D (id 2); C has no location, came by email (no campaign),
was first seen and became a lead at 2026-01-31 23:59:59 and a customer at 02-01 00:00:00.
D's screen call of 02-01 00:00:00 is a visit by email; C's page without a touch and D's
track call by email are not. D's order of 02-01 00:00:00 (no location: 30, cost 5) and C's
of Monday 03-02 00:00:00 (50, cost 20) count under C. Spend of 10 by email on 2025-12-31
and on 2026-03-31, the first and last days with data.

Workspace 2: E (id 3, location 7, organic/fall), first seen by a page without a touch
(2025-11-15, the first day) and a customer by an order with no location (2025-11-20,
the last day: 20, cost 8).
"""

from datetime import UTC, date, datetime

import pyarrow as pa

from pacer.metrics.cube import (
    BOUNDS_TABLE,
    CUBE_TABLE,
    CUSTOMER_DAYS_TABLE,
    MEASURES,
    SOURCES,
    build_cube,
    refresh_cube,
)
from pacer.metrics.selectors import period_start
from pacer.warehouse.store import Store


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def day(text: str) -> int:
    return (date.fromisoformat(text) - date(1970, 1, 1)).days


def contact(cid, workspace, canonical, location, first_seen, lead, customer, channel, campaign):
    return {
        "id": cid,
        "workspace_id": workspace,
        "canonical_id": canonical,
        "location_id": location,
        "lifecycle_stage": "customer",
        "first_seen_at": at(first_seen),
        "lead_at": lead and at(lead),
        "customer_at": at(customer),
        "order_count": 1,
        "revenue": 0.0,
        "acquisition_channel": channel,
        "acquisition_campaign": campaign,
    }


def event(eid, workspace, contact_id, kind, when, channel, campaign=None):
    return {
        "id": eid,
        "workspace_id": workspace,
        "contact_id": contact_id,
        "message_id": f"m{eid}",
        "type": kind,
        "event": "Clicked" if kind == "track" else None,
        "name": None,
        "timestamp": at(when),
        "received_at": at(when),
        "channel": channel,
        "utm_source": None,
        "utm_medium": None,
        "utm_campaign": campaign,
        "properties": "{}",
    }


def order(oid, workspace, contact_id, location, when, total, cost):
    return {
        "id": oid,
        "workspace_id": workspace,
        "contact_id": contact_id,
        "location_id": location,
        "external_id": f"o{oid}",
        "placed_at": at(when),
        "total": total,
        "cost": cost,
    }


def spend(sid, workspace, on, amount):
    return {
        "id": sid,
        "workspace_id": workspace,
        "day": date.fromisoformat(on),
        "channel": "email",
        "campaign": None,
        "location_id": None,
        "amount": amount,
    }


ROWS = {
    "contacts": [
        contact(
            1, 1, 1, None, "2026-01-31T23:59:59", "2026-01-31T23:59:59", "2026-02-01", "email", None
        ),
        contact(2, 1, 1, 5, "2025-06-01", None, "2025-06-01", "paid_search", "brand"),
        contact(3, 2, 3, 7, "2025-11-15T10:00", None, "2025-11-20T10:00", "organic", "fall"),
    ],
    "events": [
        event(1, 1, 2, "screen", "2026-02-01T00:00:00", "email"),
        event(2, 1, 1, "page", "2026-02-10T12:00:00", ""),
        event(3, 1, 2, "track", "2026-02-11T12:00:00", "email"),
        event(4, 2, 3, "page", "2025-11-15T10:00:00", ""),
    ],
    "orders": [
        order(1, 1, 2, None, "2026-02-01T00:00:00", 30.0, 5.0),
        order(2, 1, 1, None, "2026-03-02T00:00:00", 50.0, 20.0),
        order(3, 2, 3, None, "2025-11-20T10:00:00", 20.0, 8.0),
    ],
    "spend": [spend(1, 1, "2025-12-31", 10.0), spend(2, 1, "2026-03-31", 10.0)],
}


def written(tmp_path) -> Store:
    store = Store(tmp_path / "warehouse")
    for name, rows in ROWS.items():
        store.replace(name, pa.Table.from_pylist(rows, schema=SOURCES[name]))
    return store


def cells(rows: list[dict], grain: str) -> dict:
    """``{(workspace, period start, channel, campaign, location): {measure: value}}``, the
    measures that are not zero."""
    found = {}
    for row in rows:
        if row["grain"] != grain:
            continue
        key = (
            row["workspace_id"],
            period_start(row["period"], grain).isoformat(),
            row["channel"],
            row["campaign"],
            row["location_id"],
        )
        assert key not in found
        found[key] = {m: row[m] for m in MEASURES if row[m]}
    return found


FEBRUARY = {
    "visits": 1,
    "new_customers": 1,
    "orders": 1,
    "revenue": 30,
    "cost": 5,
    "ordering_customers": 1,
}
MARCH = {
    "orders": 1,
    "revenue": 50,
    "cost": 20,
    "ordering_customers": 1,
    "returning_customers": 1,
}
NOVEMBER = {
    "visitors": 1,
    "new_customers": 1,
    "orders": 1,
    "revenue": 20,
    "cost": 8,
    "ordering_customers": 1,
}


def test_months_of_the_edges(tmp_path):
    store = written(tmp_path)
    assert refresh_cube(store) == store.arrow(CUBE_TABLE).num_rows
    assert cells(store.arrow(CUBE_TABLE).to_pylist(), "month") == {
        (1, "2025-12-01", "email", "", 0): {"spend": 10},
        (1, "2026-01-01", "email", "", 0): {"visitors": 1, "leads": 1},
        (1, "2026-02-01", "email", "", 0): FEBRUARY,
        # February's customer orders again the month after: retained
        (1, "2026-03-01", "email", "", 0): {**MARCH, "spend": 10, "retained_customers": 1},
        (2, "2025-11-01", "organic", "fall", 7): NOVEMBER,
    }


def test_weeks_of_the_edges(tmp_path):
    """Mondays: Wednesday 2025-12-31 is in the week of 12-29; Saturday 01-31 and Sunday
    02-01 in that of 01-26; Monday 03-02 starts its week (not retained: no order the week
    before); Tuesday 03-31 is in the week of 03-30."""
    store = written(tmp_path)
    refresh_cube(store)
    assert cells(store.arrow(CUBE_TABLE).to_pylist(), "week") == {
        (1, "2025-12-29", "email", "", 0): {"spend": 10},
        (1, "2026-01-26", "email", "", 0): {**FEBRUARY, "visitors": 1, "leads": 1},
        (1, "2026-03-02", "email", "", 0): MARCH,
        (1, "2026-03-30", "email", "", 0): {"spend": 10},
        (2, "2025-11-17", "organic", "fall", 7): {
            key: value for key, value in NOVEMBER.items() if key != "visitors"
        },
        (2, "2025-11-10", "organic", "fall", 7): {"visitors": 1},
    }


def test_the_first_and_last_days_with_data_come_from_spend_events_and_orders(tmp_path):
    store = written(tmp_path)
    refresh_cube(store)
    assert store.arrow(BOUNDS_TABLE).to_pylist() == [
        {"workspace_id": 1, "first_day": day("2025-12-31"), "last_day": day("2026-03-31")},
        {"workspace_id": 2, "first_day": day("2025-11-15"), "last_day": day("2025-11-20")},
    ]


def test_customer_days_of_a_customer_with_no_location_or_campaign(tmp_path):
    """C's days (D's order among them) at location 0 and campaign ''; E's at her own."""
    store = written(tmp_path)
    refresh_cube(store)
    feb, mar, nov = day("2026-02-01"), day("2026-03-02"), day("2025-11-20")
    c = {"workspace_id": 1, "customer": 1, "channel": "email", "campaign": "", "location_id": 0}
    e = {"workspace_id": 2, "customer": 3, "channel": "organic", "campaign": "fall"}
    assert store.arrow(CUSTOMER_DAYS_TABLE).to_pylist() == [
        {**c, "day": feb, "first_day": feb, "next_day": mar},
        {**c, "day": mar, "first_day": feb, "next_day": None},
        {**e, "day": nov, "first_day": nov, "next_day": None, "location_id": 7},
    ]


def test_refresh_leaves_no_temporary_table_and_build_computes_the_same_rows(tmp_path):
    """``refresh_cube`` copies the contacts' mapping into temporary tables of the DuckDB
    connection the store keeps for this thread; they are dropped once the cube is
    stored. ``build_cube`` (without them) computes the same rows."""
    store = written(tmp_path)
    refresh_cube(store)
    con = store.duckdb([], {})
    temporary = con.con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary")
    assert temporary.fetchall() == []
    assert build_cube(store).to_pylist() == store.arrow(CUBE_TABLE).to_pylist()
