"""Other Ibis engines over the same Delta tables.

The default engine is DuckDB (``Store.duckdb``). Any engine Ibis supports can run the
metric expressions: give it the tables by name and pass them to
``pacer.metrics.cube.cube_expression``. This module does it for Spark in local mode,
which is what a user who outgrows one machine moves to, and what the tests prove.
"""

import ibis
from deltalake import DeltaTable

from pacer.warehouse.store import Store


def spark_session(app_name: str = "pacer"):
    """A local Spark session in UTC (imported lazily: PySpark is an optional dependency)."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )


def spark_tables(store: Store, session, names: list[str]) -> dict:
    """Ibis tables on Spark for the current snapshot of each named Delta table.

    Spark reads the exact Parquet files of the snapshot that ``deltalake`` reports, so
    no Delta connector jar is needed offline.
    """
    con = ibis.pyspark.connect(session)
    tables = {}
    for name in names:
        files = DeltaTable(str(store.path(name))).file_uris()
        session.read.parquet(*files).createOrReplaceTempView(f"pacer_{name}")
        tables[name] = con.table(f"pacer_{name}")
    return con, tables
