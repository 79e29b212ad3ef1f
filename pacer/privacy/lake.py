"""A person in the warehouse's Delta tables: their rows read for an export, deleted for
an erasure, and every older file and log entry that held them removed.

A Delta delete writes new files without the rows and marks the old ones removed, but
the old Parquet files stay for time travel, and the log's older commits keep column
statistics (minimum and maximum values) of the files they added. So after deleting,
each table is vacuumed with zero retention (``enforce_retention_duration=False``: the
library refuses under seven days unless told) and its log is checkpointed and cut back
to that checkpoint. This is safe only while no writer adds files, so it runs holding the
store's sync lock; a reader that opened an older snapshot just before may fail once.

The append tables keep their sync cursor in commit metadata (``pacer.warehouse.store``);
every commit made here carries the cursor forward, so cutting the log loses nothing.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow.compute as pc
from deltalake import CommitProperties

from pacer.warehouse.store import CURSOR_KEY, Store
from pacer.warehouse.tables import registered

LOG_RETENTION = "delta.logRetentionDuration"
DEFAULT_LOG_RETENTION = "interval 30 days"  # Delta's own default
LOCK_POLL_SECONDS = 0.2


class WarehouseBusy(Exception):
    """The warehouse sync held the store's lock for longer than we would wait."""


@contextmanager
def sync_lock(store: Store, wait_seconds: float) -> Iterator[None]:
    """Hold the store's sync lock, waiting up to ``wait_seconds`` for a running sync."""
    deadline = time.monotonic() + wait_seconds
    while True:
        with store.lock() as acquired:
            if acquired:
                yield
                return
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"warehouse: a sync has held the lock for over {wait_seconds:g} s; "
                "nothing was changed, try again"
            )
        time.sleep(LOCK_POLL_SECONDS)


def tables(store: Store) -> list[str]:
    """Every Delta table in the store (declared or derived), by name."""
    if not store.root.is_dir():
        return []
    return sorted(p.name for p in store.root.iterdir() if store.exists(p.name))


def contact_columns(store: Store, name: str) -> tuple[str, ...]:
    present = {field.name for field in store.table(name).schema().fields}
    spec = registered().get(name)  # a derived table: by ``contact_id`` when it has one
    wanted = spec.contact_columns if spec else ("contact_id",)
    return tuple(column for column in wanted if column in present)


def read_person(store: Store, contact_ids: list[int]) -> dict[str, list[dict]]:
    """The rows of the person's contacts in every table that holds rows per contact."""
    found: dict[str, list[dict]] = {}
    for name in tables(store):
        columns = contact_columns(store, name)
        if not columns:
            continue
        match = None
        for column in columns:
            condition = pc.field(column).isin(contact_ids)
            match = condition if match is None else match | condition
        dataset = store.table(name).to_pyarrow_dataset()
        found[name] = dataset.to_table(filter=match).to_pylist()
    return found


def _carry(store: Store, name: str) -> CommitProperties | None:
    """Commit metadata that keeps an append table's sync cursor on the newest commit."""
    cursor = store.cursor(name)
    return CommitProperties(custom_metadata={CURSOR_KEY: str(cursor)}) if cursor else None


def delete_person(store: Store, contact_ids: list[int]) -> dict[str, int]:
    """Delete the contacts' rows from every table; hold the sync lock. Returns the rows
    deleted per table."""
    ids = ", ".join(str(int(i)) for i in contact_ids)
    deleted: dict[str, int] = {}
    for name in tables(store):
        columns = contact_columns(store, name)
        if not columns or not ids:
            continue
        predicate = " OR ".join(f"{column} IN ({ids})" for column in columns)
        metrics = store.table(name).delete(predicate, commit_properties=_carry(store, name))
        deleted[name] = metrics["num_deleted_rows"]
    return deleted


def forget_history(store: Store, name: str) -> None:
    """Remove every file and log entry of ``name`` that only older versions use, so that
    the current version is all the table holds; hold the sync lock."""
    carry = _carry(store, name)
    table = store.table(name)
    retention = table.metadata().configuration.get(LOG_RETENTION, DEFAULT_LOG_RETENTION)
    table.alter.set_table_properties({LOG_RETENTION: "interval 0 days"}, commit_properties=carry)
    table.vacuum(
        retention_hours=0,
        dry_run=False,
        enforce_retention_duration=False,
        full=True,
        commit_properties=carry,
    )
    table = store.table(name)
    table.create_checkpoint()
    table.cleanup_metadata()
    table.alter.set_table_properties({LOG_RETENTION: retention}, commit_properties=carry)
