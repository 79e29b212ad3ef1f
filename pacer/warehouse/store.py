"""The local Delta Lake store and the Ibis connections that read it.

Delta gives every reader a consistent snapshot while the sync appends, so web, worker
and CLI processes read freely. DuckDB cannot load the delta extension offline, so each
table's current snapshot is read by DuckDB from the snapshot's own Parquet files.
"""

import fcntl
import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ibis
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake

from pacer.core import faults

CURSOR_KEY = "pacer.max_id"
FINGERPRINT_KEY = "pacer.sha256"
# DuckDB connections kept per thread and store (``Store.duckdb``).
_connections = threading.local()


class Store:
    """A directory of Delta tables, one sub-directory per table."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, name: str) -> Path:
        return self.root / name

    def exists(self, name: str) -> bool:
        return (self.path(name) / "_delta_log").is_dir()

    def table(self, name: str) -> DeltaTable:
        return DeltaTable(str(self.path(name)))

    def _committed(self, name: str, key: str) -> str | None:
        """The newest value of ``key`` in the commit metadata of ``name``."""
        if not self.exists(name):
            return None
        for commit in self.table(name).history(20):
            if key in commit:
                return commit[key]
        return None

    def cursor(self, name: str) -> int:
        """The highest source id already in ``name`` (0 when empty), read from the last commit."""
        return int(self._committed(name, CURSOR_KEY) or 0)

    def append(self, name: str, data: pa.Table | pa.RecordBatch, max_id: int) -> None:
        """Append rows and move the cursor in the same atomic Delta commit."""
        table = data if isinstance(data, pa.Table) else pa.Table.from_batches([data])
        faults.point("warehouse.append.before_commit")
        write_deltalake(
            str(self.path(name)),
            table,
            mode="append",
            commit_properties=CommitProperties(custom_metadata={CURSOR_KEY: str(max_id)}),
        )
        faults.point("warehouse.append.after_commit")

    def replace(self, name: str, data: pa.Table) -> bool:
        """Replace the table's contents in one commit (readers see old or new, never half).

        Returns False, writing nothing, when ``data`` equals what the last replace wrote,
        so a scheduled sync of unchanged tables does not pile up table versions.
        """
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, data.schema) as writer:
            writer.write_table(data.combine_chunks())  # the same rows read in any chunks
        fingerprint = hashlib.sha256(sink.getvalue()).hexdigest()
        if fingerprint == self._committed(name, FINGERPRINT_KEY):
            return False
        faults.point("warehouse.replace.before_commit")
        write_deltalake(
            str(self.path(name)),
            data,
            mode="overwrite",
            schema_mode="overwrite",
            commit_properties=CommitProperties(custom_metadata={FINGERPRINT_KEY: fingerprint}),
        )
        faults.point("warehouse.replace.after_commit")
        return True

    def arrow(self, name: str) -> pa.Table:
        return self.table(name).to_pyarrow_table()

    @contextmanager
    def lock(self, name: str = "sync") -> Iterator[bool]:
        """An exclusive, non-blocking lock; yields False when another process holds it."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f".{name}.lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def snapshot_key(self, name: str) -> tuple[int, int] | None:
        """Changes whenever a commit lands on ``name`` (None while it does not exist): the
        log directory's modification time and entry count, read without opening it."""
        log = self.path(name) / "_delta_log"
        try:
            return os.stat(log).st_mtime_ns, len(os.listdir(log))
        except FileNotFoundError:
            return None

    def duckdb(self, names: list[str] | tuple[str, ...], schemas: dict[str, pa.Schema]):
        """An Ibis DuckDB connection with a view per named table over its current snapshot.

        DuckDB reads the snapshot's Parquet files natively (its own reader is about
        twice as fast here as scanning an Arrow dataset). A table not written yet, or
        with no files, is registered empty with its schema, so queries still run.

        The connection is kept per thread and store, and a table's view is made again
        only when the table has a new commit: a page's queries do not pay for a new
        database and a read of each Delta log every time.
        """
        cached = getattr(_connections, "by_root", None)
        if cached is None:
            cached = _connections.by_root = {}
        if str(self.root) not in cached:
            cached[str(self.root)] = (ibis.duckdb.connect(), {})
        con, views = cached[str(self.root)]
        for name in names:
            key = self.snapshot_key(name)
            if views.get(name) == key and key is not None:
                continue
            con.con.execute(f'DROP VIEW IF EXISTS "{name}"')
            files = self.table(name).file_uris() if key is not None else []
            if files:
                con.read_parquet(files, table_name=name)
            elif key is not None:
                con.con.register(name, self.table(name).to_pyarrow_dataset())
            else:
                con.con.register(name, pa.Table.from_pylist([], schema=schemas[name]))
            views[name] = key
        return con
