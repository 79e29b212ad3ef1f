"""The same KPI cube on PySpark (local mode) gives the same numbers as on DuckDB."""

import pytest

from pacer.metrics.cube import DIMENSIONS, MEASURES, SOURCES, build_cube, cube_expression
from pacer.warehouse.engines import spark_session, spark_tables
from pacer.warehouse.sync import default_store, sync

pytestmark = [pytest.mark.django_db, pytest.mark.spark]


def rows(table) -> list[tuple]:
    data = table.to_pylist()
    return sorted(
        tuple(r[d] for d in DIMENSIONS) + tuple(round(r[m], 6) for m in MEASURES) for r in data
    )


def test_cube_on_spark_equals_cube_on_duckdb(small_business):
    sync()
    store = default_store()
    on_duckdb = build_cube(store)
    session = spark_session("pacer-test")
    try:
        con, tables = spark_tables(store, session, list(SOURCES))
        on_spark = con.to_pyarrow(cube_expression(tables))
    finally:
        session.stop()
    assert on_duckdb.num_rows == 8  # month and week cells of the small business
    assert rows(on_spark) == rows(on_duckdb)
