"""Readiness checks: can this process serve requests right now?

Each check returns None when fine, else a short reason that reveals nothing about the
deployment (no paths, hosts or driver messages: those go to the log).
"""

import logging
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)


def database(conn=connection) -> str | None:
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.warning("readiness: database unreachable", exc_info=True)
        return "unreachable"
    return None


def migrations(conn=connection) -> str | None:
    executor = MigrationExecutor(conn)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        return f"{len(plan)} migration{'s' if len(plan) != 1 else ''} not applied"
    return None


def warehouse(directory: Path | None = None) -> str | None:
    directory = Path(directory or settings.WAREHOUSE_DIR)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".readyz-") as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError:
        logger.warning("readiness: warehouse directory not writable", exc_info=True)
        return "not writable"
    return None


def readiness() -> dict[str, str]:
    """Every check's outcome (``"ok"`` or the reason), in order; the migrations check is
    skipped when the database is unreachable."""
    results = {"database": database()}
    if results["database"] is None:
        results["migrations"] = migrations()
    else:
        results["migrations"] = "not checked (database unreachable)"
    results["warehouse"] = warehouse()
    return {name: reason or "ok" for name, reason in results.items()}
