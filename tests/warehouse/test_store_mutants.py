"""What the store's own tests left open, found by mutation testing (docs/testing.md): the
fault points the crash tests kill the sync at, reached where those tests expect them, a
view made beside one already current, and a lock taken in a store whose directory does
not exist yet."""

from contextlib import ExitStack

import pyarrow as pa

from pacer.core import faults
from pacer.warehouse.store import FINGERPRINT_KEY, Store

SCHEMA = pa.schema([("id", pa.int64())])
POINTS = (
    "warehouse.append.before_commit",
    "warehouse.append.after_commit",
    "warehouse.replace.before_commit",
    "warehouse.replace.after_commit",
)


def rows(*ids: int) -> pa.Table:
    return pa.table({"id": list(ids)}, schema=SCHEMA)


def test_each_write_passes_its_fault_points_before_and_after_its_commit(tmp_path):
    store = Store(tmp_path)
    seen = []

    def note(point: str):
        def at_point():
            # what a process killed here would leave: the cursor and the fingerprint
            # of the last commit on disk
            seen.append(
                (point, store.cursor("events"), store._committed("contacts", FINGERPRINT_KEY))
            )

        return at_point

    with ExitStack() as hooks:
        for point in POINTS:
            hooks.enter_context(faults.hooked(point, note(point)))
        store.append("events", rows(1, 2), max_id=2)
        assert store.replace("contacts", rows(5)) is True
        assert store.replace("contacts", rows(5)) is False  # unchanged: no commit, no point

    replaced = store._committed("contacts", FINGERPRINT_KEY)
    assert replaced is not None
    assert seen == [
        ("warehouse.append.before_commit", 0, None),
        ("warehouse.append.after_commit", 2, None),
        ("warehouse.replace.before_commit", 2, None),
        ("warehouse.replace.after_commit", 2, replaced),
    ]


def test_the_lock_makes_the_stores_directory_and_its_parents(tmp_path):
    store = Store(tmp_path / "data" / "warehouse")
    with store.lock() as held:
        assert held is True
        assert (tmp_path / "data" / "warehouse" / ".sync.lock").is_file()
    with store.lock() as again:  # the directory exists now
        assert again is True


def test_a_table_not_viewed_yet_is_read_beside_one_already_viewed(tmp_path):
    store = Store(tmp_path)
    store.replace("first", rows(1))
    store.replace("second", rows(2))
    con = store.duckdb(["first"], {})
    # the first view is current; the second must still be made
    assert store.duckdb(["first", "second"], {}) is con
    assert con.table("second").to_pyarrow().column("id").to_pylist() == [2]
    assert con.table("first").to_pyarrow().column("id").to_pylist() == [1]
