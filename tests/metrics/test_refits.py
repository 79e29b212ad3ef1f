"""Kept attribution results: one folder per snapshot generation, only the latest
``KEEP_GENERATIONS`` kept after a refit, removal safe from two workers at once, and a page
whose generation was removed under it fits again instead of failing."""

import os
import threading
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pacer.metrics import analysis
from pacer.metrics.analysis import SOURCES
from pacer.metrics.refits import (
    KEEP_GENERATIONS,
    generation,
    prune_results,
    read_result,
    result_path,
    results_root,
    write_result,
)
from pacer.metrics.tasks import refit_after_sync
from pacer.metrics.views import data_bounds
from pacer.warehouse.sync import default_store
from pacer.warehouse.tasks import sync_warehouse

FRAME = pl.DataFrame({"channel": ["a"], "credit": [1.0]})
START, END = date(2026, 1, 1), date(2026, 1, 31)


def _snapshot(latest: int) -> tuple:
    """A snapshot of the source tables whose latest commit is at ``latest`` ns."""
    return ((latest - 5, 2), None, (latest, 7))


def _fill(root: Path, latests: list[int]) -> list[str]:
    """One result per workspace 1 and 2 in each generation; their folder names."""
    names = []
    for latest in latests:
        for workspace_id in (1, 2):
            write_result(
                result_path(str(root), _snapshot(latest), workspace_id, START, END, "channel"),
                FRAME,
            )
        names.append(generation(_snapshot(latest)))
    return names


def _present(root: Path) -> dict[str, list[str]]:
    folder = results_root(str(root))
    return {name: sorted(os.listdir(folder / name)) for name in sorted(os.listdir(folder))}


def test_generations_are_named_by_their_latest_commit_so_they_sort_in_time_order():
    older, newer = generation(_snapshot(9_000)), generation(_snapshot(10_000))
    assert older.startswith("00000000000000009000-") and newer.startswith("00000000000000010000-")
    assert sorted([newer, older]) == [older, newer]
    assert generation((None, None)).startswith("0" * 20 + "-")
    # same latest commit, another table changed: another generation
    assert generation(((1, 1), (50, 2))) != generation(((2, 1), (50, 2)))


def test_prune_keeps_exactly_the_latest_three_generations_whole(tmp_path):
    assert KEEP_GENERATIONS == 3
    names = _fill(tmp_path, [500, 100, 400, 200, 300])  # written in no particular order
    by_time = [names[1], names[3], names[4], names[2], names[0]]  # 100, 200, ... 500
    before = _present(tmp_path)

    assert prune_results(str(tmp_path)) == by_time[:2]
    assert _present(tmp_path) == {name: before[name] for name in by_time[2:]}
    assert all(len(files) == 2 for files in _present(tmp_path).values())
    # again: nothing more to remove
    assert prune_results(str(tmp_path)) == []
    assert list(_present(tmp_path)) == by_time[2:]


def test_prune_with_nothing_written_and_a_bad_keep(tmp_path):
    assert prune_results(str(tmp_path)) == []
    with pytest.raises(ValueError, match="keep: must be at least 1"):
        prune_results(str(tmp_path), keep=0)


def test_two_workers_pruning_at_once_remove_each_old_generation_once(tmp_path):
    names = _fill(tmp_path, list(range(100, 1100, 100)))  # ten generations
    # a removal a crashed worker left half done is cleaned up too
    leftover = results_root(str(tmp_path)) / ".removing-crashed"
    leftover.mkdir()
    (leftover / "1-channel-x.parquet").write_bytes(b"half")

    start = threading.Barrier(2)
    removed: list[list[str]] = [[], []]

    def worker(index: int) -> None:
        start.wait()
        removed[index] = prune_results(str(tmp_path))

    threads = [threading.Thread(target=worker, args=(index,)) for index in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(removed[0] + removed[1]) == names[:7]  # each exactly once between them
    assert list(_present(tmp_path)) == names[7:]


def test_a_result_written_into_a_removed_generation_is_not_kept_and_does_not_fail(tmp_path):
    path = result_path(str(tmp_path), _snapshot(100), 1, START, END, "channel")
    write_result(path, FRAME)
    _fill(tmp_path, [200, 300, 400])
    assert prune_results(str(tmp_path)) == [generation(_snapshot(100))]
    assert read_result(path) is None  # a page reading it now fits again
    write_result(path, FRAME)  # a page that fitted meanwhile writes: the folder comes back
    assert read_result(path).equals(FRAME)
    assert prune_results(str(tmp_path)) == [generation(_snapshot(100))]  # and goes next time


def _current(workspace_id: int, by: str) -> Path:
    store = default_store()
    snapshot = tuple(store.snapshot_key(name) for name in SOURCES)
    return result_path(str(store.root), snapshot, workspace_id, *data_bounds(workspace_id), by)


@pytest.mark.django_db
def test_a_refit_removes_the_older_generations_and_the_page_reads_the_current_result(
    workspace, small_business
):
    sync_warehouse.call()
    root = str(default_store().root)
    older = _fill(Path(root), [1, 2, 3])  # three generations from long before this sync
    counts = refit_after_sync.call()
    assert counts == {"refitted": 2, "kept": 0, "empty": 0, "removed": 1}

    current = _current(workspace.pk, "channel").parent.name
    assert list(_present(Path(root))) == [older[1], older[2], current]
    assert sorted(_present(Path(root))[current]) == sorted(
        _current(workspace.pk, by).name for by in ("channel", "campaign")
    )
    # the task again, as a second worker would: nothing fitted, nothing more removed
    assert refit_after_sync.call() == {"refitted": 0, "kept": 2, "empty": 0, "removed": 0}

    analysis._attribution.cache_clear()  # a fresh web process
    written_at = os.stat(_current(workspace.pk, "channel")).st_mtime_ns
    start, end = data_bounds(workspace.pk)
    report = analysis.attribution_report(default_store(), workspace.pk, start, end)
    assert report.equals(read_result(_current(workspace.pk, "channel")))
    assert (
        os.stat(_current(workspace.pk, "channel")).st_mtime_ns == written_at
    )  # read, not refitted


@pytest.mark.django_db
def test_a_page_whose_result_was_removed_under_it_fits_again(workspace, small_business):
    sync_warehouse.call()
    refit_after_sync.call()
    analysis._attribution.cache_clear()
    start, end = data_bounds(workspace.pk)
    expected = read_result(_current(workspace.pk, "channel"))
    root = Path(default_store().root)
    _fill(root, [10**20 - 3, 10**20 - 2, 10**20 - 1])  # three newer generations appear
    assert prune_results(str(root)) == [_current(workspace.pk, "channel").parent.name]

    report = analysis.attribution_report(default_store(), workspace.pk, start, end)
    assert report.equals(expected)
