"""Attribution kept fitted: after each warehouse sync that brought rows, the worker
refits every workspace's default attribution views (its whole data range, per channel
and per campaign) and keeps the results on disk beside the warehouse, keyed by the
snapshot of the source tables. The pages then read a result instead of fitting on the
first request, and every process (web, worker, CLI) shares it.

A result is written once per snapshot (one sync generation): running the refit again,
or a second worker running it at the same time, finds it and fits nothing.

The results of one snapshot live in one folder (a generation) whose name starts with the
snapshot's latest commit time, so generations sort oldest first. After a refit only the
latest ``KEEP_GENERATIONS`` are kept: a page that read the snapshot just before a sync
still finds its file, and the older ones are removed whole.
"""

import hashlib
import os
import shutil
import tempfile
import uuid
from datetime import date
from pathlib import Path

import polars as pl

BYS = ("channel", "campaign")
KEEP_GENERATIONS = 3
_TRASH_PREFIX = ".removing-"


def results_root(root: str) -> Path:
    """The folder holding one sub-folder per snapshot generation."""
    return Path(root) / "_results" / "attribution"


def generation(snapshot: tuple) -> str:
    """The folder name of a snapshot's results: its latest commit time (nanoseconds,
    zero-padded so names sort in time order), then a hash of the whole snapshot."""
    latest = max((key[0] for key in snapshot if key is not None), default=0)
    digest = hashlib.sha256(repr(snapshot).encode()).hexdigest()[:16]
    return f"{latest:020d}-{digest}"


def result_path(root: str, snapshot: tuple, workspace_id: int, start: date, end: date, by: str):
    """Where the attribution result of this snapshot, workspace, range and grouping lives."""
    key = repr((snapshot, workspace_id, start.isoformat(), end.isoformat(), by)).encode()
    name = f"{workspace_id}-{by}-{hashlib.sha256(key).hexdigest()[:32]}.parquet"
    return results_root(root) / generation(snapshot) / name


def read_result(path: Path) -> pl.DataFrame | None:
    try:
        return pl.read_parquet(path)
    except FileNotFoundError:  # not fitted yet, or its generation was removed meanwhile
        return None


def write_result(path: Path, frame: pl.DataFrame) -> None:
    """Write ``frame`` whole or not at all (a reader never sees half a file). When the
    generation is removed while the file is written, nothing is kept (the caller still
    has its result)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    except FileNotFoundError:
        return
    os.close(handle)
    try:
        frame.write_parquet(temporary)
        os.replace(temporary, path)
    except FileNotFoundError:
        return
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def prune_results(root: str, keep: int = KEEP_GENERATIONS) -> list[str]:
    """Remove every generation but the latest ``keep``; returns the names removed by this
    call. Safe to run twice or from two workers at once: a generation is first renamed
    out of the way (one rename wins), then deleted; leftovers of an interrupted removal
    are deleted by the next call."""
    if keep < 1:
        raise ValueError("keep: must be at least 1")
    folder = results_root(root)
    try:
        entries = sorted(os.listdir(folder))
    except FileNotFoundError:
        return []
    generations = [name for name in entries if not name.startswith(".")]
    removed = []
    for name in generations[:-keep]:
        trash = folder / f"{_TRASH_PREFIX}{uuid.uuid4().hex}"
        try:
            os.rename(folder / name, trash)
        except FileNotFoundError:  # another worker took it
            continue
        shutil.rmtree(trash, ignore_errors=True)
        removed.append(name)
    for name in entries:
        if name.startswith(_TRASH_PREFIX):
            shutil.rmtree(folder / name, ignore_errors=True)
    return removed


def refit_attribution(store=None) -> dict:
    """Fit what the attribution pages show by default, for every workspace with data,
    unless this snapshot's result is kept already, then remove the generations older
    than the latest ``KEEP_GENERATIONS``. Returns how many were ``refitted``, ``kept``
    (already there) and ``empty`` (no journeys in the range), and the generations
    ``removed``."""
    from pacer.analytics.journeys import JourneyError
    from pacer.core.models import Workspace
    from pacer.metrics.analysis import SOURCES, attribution_report
    from pacer.metrics.views import data_bounds
    from pacer.warehouse.sync import default_store

    store = store or default_store()
    counts: dict = {"refitted": 0, "kept": 0, "empty": 0}
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
    counts["removed"] = len(prune_results(str(store.root)))
    return counts
