"""The Delta store on its own: cursors in commits, replaces that skip unchanged data, the
sync lock and DuckDB views over missing, empty and written tables (found by mutation
testing: docs/testing.md)."""

import pyarrow as pa
import pytest

from pacer.warehouse.store import CURSOR_KEY, FINGERPRINT_KEY, Store

SCHEMA = pa.schema([("id", pa.int64()), ("name", pa.string())])


def _rows(*ids):
    return pa.Table.from_pylist([{"id": i, "name": f"n{i}"} for i in ids], schema=SCHEMA)


@pytest.fixture
def store(tmp_path):
    return Store(tmp_path / "warehouse")


def test_a_table_exists_once_it_has_a_delta_log(store):
    assert store.exists("events") is False
    assert store.cursor("events") == 0
    store.path("events").mkdir(parents=True)
    assert store.exists("events") is False
    store.append("events", _rows(1), max_id=1)
    assert store.exists("events") is True
    assert store.path("events") == store.root / "events"


def test_each_append_moves_the_cursor_in_its_own_commit(store):
    store.append("events", _rows(1, 2), max_id=2)
    store.append("events", _rows(3).to_batches()[0], max_id=7)
    assert store.cursor("events") == 7
    assert store.arrow("events").sort_by("id").to_pylist() == _rows(1, 2, 3).to_pylist()
    history = store.table("events").history()
    assert [commit.get(CURSOR_KEY) for commit in history[:2]] == ["7", "2"]


def test_the_cursor_is_the_newest_commit_that_carries_one(store):
    store.append("events", _rows(1), max_id=4)
    for _ in range(3):  # commits without a cursor (a maintenance write, say)
        store.table("events").delete("id < 0")
    assert store.cursor("events") == 4


def test_a_replace_writes_only_what_changed(store):
    assert store.replace("contacts", _rows(1, 2)) is True
    version = store.table("contacts").version()
    assert store.replace("contacts", _rows(1, 2)) is False
    chunked = pa.concat_tables([_rows(1), _rows(2)])  # the same rows in other chunks
    assert store.replace("contacts", chunked) is False
    assert store.table("contacts").version() == version
    assert store.replace("contacts", _rows(2, 3)) is True
    assert store.arrow("contacts").sort_by("id").to_pylist() == _rows(2, 3).to_pylist()
    assert store.table("contacts").version() == version + 1
    assert FINGERPRINT_KEY in store.table("contacts").history(1)[0]


def test_a_replace_may_change_the_schema(store):
    store.replace("contacts", _rows(1))
    wider = pa.table({"id": [5], "name": ["x"], "email": ["x@example.com"]})
    assert store.replace("contacts", wider) is True
    assert store.arrow("contacts").to_pylist() == [{"id": 5, "name": "x", "email": "x@example.com"}]


def test_the_sync_lock_is_held_by_one_at_a_time(store):
    with store.lock() as first:
        assert first is True
        assert (store.root / ".sync.lock").exists()
        with store.lock("sync") as second:
            assert second is False
        with store.lock("other") as unrelated:
            assert unrelated is True
    with store.lock() as again:
        assert again is True


def test_duckdb_reads_written_empty_and_missing_tables(store):
    store.append("events", _rows(1, 2), max_id=2)
    store.replace("contacts", _rows(9))
    store.replace("contacts", _rows().cast(SCHEMA))  # written, now without files
    assert store.table("contacts").file_uris() == []
    con = store.duckdb(["events", "contacts", "orders"], {"orders": SCHEMA})
    assert sorted(con.table("events").to_pyarrow()["id"].to_pylist()) == [1, 2]
    assert con.table("contacts").count().execute() == 0
    orders = con.table("orders")
    assert orders.count().execute() == 0
    assert orders.schema().names == ("id", "name")
