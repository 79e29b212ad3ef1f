"""Running the full evaluation on the warehouse (DuckDB) for a workspace, and choosing
between it and the operational store for counts, samples and rebuilds."""

from datetime import datetime

import ibis

from pacer.core.models import ChangeBatch, Workspace
from pacer.leads import selectors as leads
from pacer.people import selectors as people
from pacer.segments import definition as d
from pacer.segments import incremental
from pacer.segments.full import Compiler, current_consents, lead_scores_table, order_totals
from pacer.segments.warehouse import TABLES
from pacer.warehouse.store import Store
from pacer.warehouse.sync import default_store, last_sync
from pacer.warehouse.tables import schemas


def warehouse_ready(store: Store | None = None) -> bool:
    """Whether a sync has written the contact profiles segments read."""
    return (store or default_store()).exists("contact_profiles")


def warehouse_compiler(
    workspace: Workspace, now: datetime, resolve, store: Store | None = None
) -> tuple[object, Compiler]:
    """A DuckDB connection over the current snapshot and a compiler for the workspace."""
    store = store or default_store()
    con = store.duckdb(TABLES, schemas(*TABLES))
    tables = {name: con.table(name) for name in TABLES}
    tables["current_consents"] = current_consents_table(con, store)
    tables["order_totals"] = order_totals_table(con, store)
    scores = leads.leads(workspace).values_list("contact_id", "score", "predicted")
    tables["lead_scores"] = lead_scores_table(list(scores))
    return con, Compiler(tables, workspace.pk, now, resolve)


def snapshot_table(con, store: Store, name: str, sources: tuple[str, ...], expression):
    """``expression()`` (an Ibis table) kept as a temporary table ``name`` of the
    (per-thread, cached) DuckDB connection, made again only when a sync has committed new
    rows to one of the ``sources`` tables: the first evaluation after a sync pays for it,
    the others read it."""
    key = tuple(store.snapshot_key(source) for source in sources)
    made = getattr(con, "_pacer_snapshot_tables", None)
    if made is None:
        made = con._pacer_snapshot_tables = {}
    if made.get(name) != key or None in key:
        sql = ibis.to_sql(expression(), dialect="duckdb")
        con.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {sql}")
        made[name] = key
    return con.table(name)


def current_consents_table(con, store: Store):
    """``pacer.segments.full.current_consents`` per warehouse snapshot."""
    return snapshot_table(
        con,
        store,
        "segments_current_consents",
        ("contact_profiles", "consents"),
        lambda: current_consents(con.table("contact_profiles"), con.table("consents")),
    )


def order_totals_table(con, store: Store):
    """``pacer.segments.full.order_totals`` per warehouse snapshot."""
    return snapshot_table(
        con,
        store,
        "segments_order_totals",
        ("contact_profiles", "orders"),
        lambda: order_totals(con.table("contact_profiles"), con.table("orders")),
    )


def warehouse_members(workspace: Workspace, tree: d.Group, *, now: datetime, resolve) -> set[int]:
    con, compiler = warehouse_compiler(workspace, now, resolve)
    result = con.to_pyarrow(compiler.members(tree))
    return set(result.column("contact_id").to_pylist())


def operational_members(workspace: Workspace, tree: d.Group, *, now: datetime, resolve) -> set[int]:
    ids = list(people.contacts(workspace).values_list("id", flat=True))
    return incremental.evaluate(workspace, {0: tree}, ids, now=now, resolve=resolve)[0]


def changed_since_sync(workspace: Workspace) -> set[int] | None:
    """Contacts the change feed says changed since the last finished sync started (None:
    no sync has finished)."""
    run = last_sync()
    if run is None or run.status != "done":
        return None
    touched: set[int] = set()
    for contact_ids, merges in ChangeBatch.objects.filter(
        workspace=workspace, created_at__gte=run.started_at
    ).values_list("contact_ids", "merges"):
        touched.update(contact_ids)
        touched.update(c for pair in merges for c in pair)
    return touched


def latest_batch(workspace: Workspace) -> int:
    """The id of the workspace's latest change on the feed (0: none yet)."""
    found = ChangeBatch.objects.filter(workspace=workspace).order_by("-pk").values_list("pk")
    return next(iter(found[:1]), (0,))[0]


def changed_after(workspace: Workspace, batch_id: int) -> set[int]:
    """Contacts the change feed says changed after the change ``batch_id``."""
    touched: set[int] = set()
    for contact_ids, merges in ChangeBatch.objects.filter(
        workspace=workspace, pk__gt=batch_id
    ).values_list("contact_ids", "merges"):
        touched.update(contact_ids)
        touched.update(c for pair in merges for c in pair)
    return touched


def members(workspace: Workspace, tree: d.Group, *, now: datetime, resolve) -> set[int]:
    """Every contact the definition matches now: the warehouse's answer for what it has,
    corrected in the operational store for contacts changed since its last sync (or the
    operational store alone before the first sync)."""
    touched = changed_since_sync(workspace) if warehouse_ready() else None
    if touched is None:
        return operational_members(workspace, tree, now=now, resolve=resolve)
    matched = warehouse_members(workspace, tree, now=now, resolve=resolve) - touched
    if touched:
        matched |= incremental.evaluate(workspace, {0: tree}, touched, now=now, resolve=resolve)[0]
    return matched
