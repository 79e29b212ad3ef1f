"""The metric expressions give the same answers on PySpark (local mode) as on DuckDB.

The warehouse is a simulated business of 5,000 contacts (12 locations, 14 channels and
their campaigns, weekly spend, about 45,000 events) written by ``pacer.warehouse.bulk``,
with 125 pairs of contacts merged in the contacts snapshot while their events and orders
stay under the merged-away ids (as after a sync that ran before the merges). Every row
and every measure must agree: integers and strings exactly, floats to 1e-9 (relative).
"""

import math
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from pacer.metrics.analysis import SOURCES
from pacer.metrics.cube import (
    bounds_expression,
    build_cube,
    cube_expression,
    customer_days_expression,
)
from pacer.metrics.summaries import customer_summary, journey_tables
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.warehouse.bulk import business_tables
from pacer.warehouse.engines import spark_session, spark_tables
from pacer.warehouse.store import Store
from pacer.warehouse.tables import table as table_spec
from tests.merged_business import merge_in_snapshot

pytestmark = pytest.mark.spark

WORKSPACE = 7
PAIRS = 125


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    business = generate(SimConfig(contacts=5_000, months=12))
    tables = business_tables(business, WORKSPACE)
    ids = tables["contacts"].column("id").to_pylist()
    pairs = [(ids[i], ids[i + 1]) for i in range(0, 40 * PAIRS, 40)]
    tables["contacts"] = merge_in_snapshot(tables["contacts"], pairs)
    tables["message_clicks"] = _clicks(tables["events"])
    store = Store(tmp_path_factory.mktemp("warehouse"))
    for name, table in tables.items():
        store.replace(name, table)
    start = datetime.fromisoformat(business.config.start).replace(tzinfo=UTC)
    return store, start


def _clicks(events: pa.Table) -> pa.Table:
    """Broadcast clicks as journeys' touches: every 40th event's person and time, on three
    broadcasts, email and text in turn (merged contacts among them)."""
    picked = events.take(list(range(0, events.num_rows, 40)))
    n = picked.num_rows
    return pa.table(
        {
            "id": pa.array(range(1, n + 1), pa.int64()),
            "workspace_id": pa.array([WORKSPACE] * n, pa.int64()),
            "contact_id": picked.column("contact_id"),
            "at": picked.column("timestamp"),
            "channel": pa.array(["email" if i % 2 else "sms" for i in range(n)]),
            "broadcast_id": pa.array([1 + i % 3 for i in range(n)], pa.int64()),
        },
        schema=table_spec("message_clicks").schema,
    )


@pytest.fixture(scope="module")
def engines(warehouse):
    """``run(build)`` runs ``build(tables)`` (an Ibis expression) on both engines."""
    store, _ = warehouse
    duck = store.duckdb(list(SOURCES), SOURCES)
    duck_tables = {name: duck.table(name) for name in SOURCES}
    session = spark_session("pacer-test")
    spark, spark_tables_ = spark_tables(store, session, list(SOURCES))

    def run(build):
        return duck.to_pyarrow(build(duck_tables)), spark.to_pyarrow(build(spark_tables_))

    yield run
    session.stop()


def plain(value):
    """Spark hands back timestamps without a time zone; its session's is UTC."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def assert_same_rows(on_duckdb, on_spark) -> None:
    """Same columns and the same rows in any order; floats equal to 1e-9 (relative)."""
    assert on_spark.column_names == on_duckdb.column_names
    assert on_spark.num_rows == on_duckdb.num_rows

    def ordered(table):
        def key(row):
            return [(v is None, round(v, 6) if isinstance(v, float) else v) for v in row.values()]

        rows = [{name: plain(value) for name, value in row.items()} for row in table.to_pylist()]
        return sorted(rows, key=key)

    for row, other in zip(ordered(on_duckdb), ordered(on_spark), strict=True):
        for name, value in row.items():
            if isinstance(value, float):
                assert math.isclose(value, other[name], rel_tol=1e-9, abs_tol=1e-9), (row, name)
            else:
                assert value == other[name], (row, other, name)


def test_the_whole_cube_on_spark_equals_the_cube_on_duckdb(warehouse, engines):
    store, _ = warehouse
    on_duckdb, on_spark = engines(cube_expression)
    assert_same_rows(on_duckdb, on_spark)
    assert on_duckdb.num_rows > 5_000  # both grains, every channel, campaign and location
    assert build_cube(store).num_rows == on_duckdb.num_rows
    # the merges are in play: merged-away contacts' orders count under the survivors
    merged_away = {
        row["id"] for row in store.arrow("contacts").to_pylist() if row["id"] != row["canonical_id"]
    }
    assert merged_away & set(store.arrow("orders").column("contact_id").to_pylist())
    months = [row for row in on_duckdb.to_pylist() if row["grain"] == "month"]
    assert sum(row["orders"] for row in months) == store.arrow("orders").num_rows


def test_customer_days_and_bounds_on_spark_equal_those_on_duckdb(warehouse, engines):
    on_duckdb, on_spark = engines(customer_days_expression)
    assert_same_rows(on_duckdb, on_spark)
    rows = on_duckdb.to_pylist()
    # each customer's days chain through next_day, ending in null on their last day
    by_customer = {}
    for row in rows:
        by_customer.setdefault(row["customer"], []).append(row)
    for days in by_customer.values():
        days.sort(key=lambda row: row["day"])
        assert [row["next_day"] for row in days] == [row["day"] for row in days[1:]] + [None]
        assert {row["first_day"] for row in days} == {days[0]["day"]}
    assert any(len(days) > 1 for days in by_customer.values())
    on_duckdb, on_spark = engines(bounds_expression)
    assert_same_rows(on_duckdb, on_spark)
    assert on_duckdb.num_rows == 1


def test_attribution_journeys_on_spark_equal_those_on_duckdb(warehouse, engines):
    _, start = warehouse
    end = start.replace(year=start.year + 1)
    touches = engines(lambda t: journey_tables(t, WORKSPACE, start, end)[0])
    outcomes = engines(lambda t: journey_tables(t, WORKSPACE, start, end)[1])
    assert outcomes[0].num_rows > 1_000
    assert_same_rows(*outcomes)
    assert_same_rows(*touches)


def test_clv_summaries_on_spark_equal_those_on_duckdb(warehouse, engines):
    _, start = warehouse
    calibration_end = start.replace(month=start.month + 8)
    observation_end = start.replace(year=start.year + 1)
    summary = engines(lambda t: customer_summary(t, WORKSPACE, observation_end))
    assert summary[0].num_rows > 200
    assert_same_rows(*summary)
    holdout = engines(lambda t: customer_summary(t, WORKSPACE, calibration_end, observation_end))
    assert sum(holdout[0].column("x_holdout").to_pylist()) > 0
    assert_same_rows(*holdout)
