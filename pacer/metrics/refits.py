"""Attribution kept fitted: after each warehouse sync that brought rows, the worker
refits every workspace's default attribution views (its whole data range, per channel
and per campaign) and keeps the results on disk beside the warehouse, keyed by the
snapshot of the source tables. The pages then read a result instead of fitting on the
first request, and every process (web, worker, CLI) shares it.

A result is written once per snapshot (one sync generation): running the refit again,
or a second worker running it at the same time, finds it and fits nothing.
"""

import hashlib
import os
import tempfile
from datetime import date
from pathlib import Path

import polars as pl

BYS = ("channel", "campaign")


def result_path(root: str, snapshot: tuple, workspace_id: int, start: date, end: date, by: str):
    """Where the attribution result of this snapshot, workspace, range and grouping lives."""
    key = repr((snapshot, workspace_id, start.isoformat(), end.isoformat(), by)).encode()
    name = f"{workspace_id}-{by}-{hashlib.sha256(key).hexdigest()[:32]}.parquet"
    return Path(root) / "_results" / "attribution" / name


def read_result(path: Path) -> pl.DataFrame | None:
    try:
        return pl.read_parquet(path)
    except FileNotFoundError:
        return None


def write_result(path: Path, frame: pl.DataFrame) -> None:
    """Write ``frame`` whole or not at all (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    os.close(handle)
    try:
        frame.write_parquet(temporary)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def refit_attribution(store=None) -> dict:
    """Fit what the attribution pages show by default, for every workspace with data,
    unless this snapshot's result is kept already. Returns how many were ``refitted``,
    ``kept`` (already there) and ``empty`` (no journeys in the range)."""
    from pacer.analytics.journeys import JourneyError
    from pacer.core.models import Workspace
    from pacer.metrics.analysis import SOURCES, attribution_report
    from pacer.metrics.views import data_bounds
    from pacer.warehouse.sync import default_store

    store = store or default_store()
    counts = {"refitted": 0, "kept": 0, "empty": 0}
    snapshot = tuple(store.snapshot_key(name) for name in SOURCES)
    for workspace_id in Workspace.objects.order_by("pk").values_list("pk", flat=True):
        bounds = data_bounds(workspace_id)
        if bounds is None:
            continue
        for by in BYS:
            path = result_path(str(store.root), snapshot, workspace_id, *bounds, by)
            if path.exists():
                counts["kept"] += 1
                continue
            try:
                attribution_report(store, workspace_id, *bounds, by=by)
            except JourneyError:
                counts["empty"] += 1
            else:
                counts["refitted"] += 1
    return counts
