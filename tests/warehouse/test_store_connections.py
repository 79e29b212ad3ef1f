"""``Store.duckdb`` keeps one connection per thread and store, and a view follows its
table's newest commit however soon after the last read it lands."""

import threading

import pyarrow as pa

from pacer.warehouse.store import Store

SCHEMA = pa.schema([("id", pa.int64())])


def ids(store: Store) -> list[int]:
    con = store.duckdb(["numbers"], {"numbers": SCHEMA})
    return sorted(con.to_pyarrow(con.table("numbers")).column("id").to_pylist())


def test_views_follow_every_commit_at_once(tmp_path):
    store = Store(tmp_path)
    assert ids(store) == []  # not written yet: empty, with its schema
    for n in range(1, 6):  # commits back to back, each read straight after
        store.replace("numbers", pa.table({"id": list(range(n))}, schema=SCHEMA))
        assert ids(store) == list(range(n))
    store.append("numbers", pa.table({"id": [99]}, schema=SCHEMA), max_id=99)
    assert ids(store) == [0, 1, 2, 3, 4, 99]


def test_one_connection_per_thread_and_store(tmp_path):
    first, second = Store(tmp_path / "a"), Store(tmp_path / "b")
    first.replace("numbers", pa.table({"id": [1]}, schema=SCHEMA))
    second.replace("numbers", pa.table({"id": [2]}, schema=SCHEMA))
    con = first.duckdb(["numbers"], {})
    assert first.duckdb(["numbers"], {}) is con
    assert second.duckdb(["numbers"], {}) is not con
    assert ids(first) == [1] and ids(second) == [2]
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(first.duckdb(["numbers"], {})))
    thread.start()
    thread.join()
    assert elsewhere[0] is not con
