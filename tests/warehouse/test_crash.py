"""The warehouse sync is safe to kill at any point: a real ``pacer sync`` process is
killed with SIGKILL at each moment that matters (fault-injection points) and at random
moments, and after a rerun every source row is in the warehouse exactly once, each
cursor is the highest id copied, snapshots equal their source and what is derived from
the warehouse (the KPI cube) is current."""

import os
import random
import signal
import time
from datetime import date

import pyarrow as pa
import pytest
from django.utils import timezone

from pacer.ingest.actions import ingest
from pacer.people.actions import upsert_locations
from pacer.planning.actions import record_spend
from pacer.warehouse.models import SyncRun
from pacer.warehouse.store import Store
from pacer.warehouse.sync import INTERRUPTED, default_store, refresh_derived, sync
from pacer.warehouse.tables import read_rows, registered
from tests import forked
from tests.conftest import database_url

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

CHUNK = 20  # rows per append commit in the killed process: several commits per table


def add_activity(workspace, round_: int, visitors: int = 12) -> None:
    """New events, orders, contacts (one merge), a location and a spend row."""
    now = timezone.now()
    messages = []
    for v in range(visitors):
        anon = f"r{round_}-v{v}"
        messages += [
            {
                "type": "page",
                "messageId": f"{anon}-p{i}",
                "anonymousId": anon,
                "timestamp": f"2026-02-{1 + round_ % 27:02d}T09:{i:02d}:00Z",
                "context": {"page": {"url": f"https://s.test/?utm_source=g{v % 3}"}},
            }
            for i in range(6)
        ]
        if v % 3 == 0:
            messages.append(
                {
                    "type": "track",
                    "event": "Order Completed",
                    "messageId": f"{anon}-o",
                    "anonymousId": anon,
                    "timestamp": f"2026-02-{1 + round_ % 27:02d}T10:00:00Z",
                    "properties": {"order_id": f"{anon}-o", "total": 12.25 * (v + 1)},
                }
            )
    messages.append(
        {
            "type": "alias",
            "messageId": f"r{round_}-alias",
            "anonymousId": f"r{round_}-v0",
            "previousId": f"r{round_}-v1",
            "timestamp": f"2026-02-{1 + round_ % 27:02d}T11:00:00Z",
        }
    )
    ingest(workspace, messages, received_at=now)
    upsert_locations(workspace, [{"code": f"L{round_}", "name": f"Store {round_}"}])
    record_spend(
        workspace,
        [{"day": date(2026, 1, 1 + round_ % 28), "channel": "paid_search", "amount": "10.25"}],
    )


def sync_process(store: Store, fault: str = "", chunk: int = CHUNK):
    """A real ``pacer sync`` in its own process, armed to kill itself at ``fault``."""
    env = {
        **os.environ,
        "PACER_DATABASE_URL": database_url(),
        "PACER_WAREHOUSE_DIR": str(store.root),
        "PACER_WAREHOUSE_SYNC_CHUNK": str(chunk),
        "PACER_FAULT": fault,
    }
    return forked.start(["-m", "pacer.cli", "sync"], env=env, text=False, merge_stderr=True)


def table_ids(store: Store, name: str) -> list[int]:
    return store.arrow(name).column("id").to_pylist() if store.exists(name) else []


def source_ids(spec, *, through: int | None = None) -> list[int]:
    rows = spec.rows()
    if through is not None:
        rows = rows.filter(id__lte=through)
    return sorted(rows.values_list("id", flat=True))


def assert_consistent(store: Store, context: str = "") -> None:
    """What holds after a kill at any moment: each append table holds exactly the
    source rows up to its cursor, once each."""
    for spec in registered().values():
        if not spec.append:
            continue
        ids, cursor = table_ids(store, spec.name), store.cursor(spec.name)
        where = f"{spec.name} {context}"
        assert len(ids) == len(set(ids)), f"{where}: duplicated ids"
        assert sorted(ids) == source_ids(spec, through=cursor), (
            f"{where}: the rows are not the source rows up to the cursor {cursor}"
        )
        assert cursor == max(ids, default=0), f"{where}: cursor {cursor} is not the max id"


def sorted_rows(table: pa.Table) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda row: tuple(str(v) for v in row.values()))


def snapshots(store: Store) -> dict[str, list[dict]]:
    """The rows of each snapshot table as the warehouse holds them now."""
    return {
        name: sorted_rows(store.arrow(name)) if store.exists(name) else []
        for name, spec in registered().items()
        if not spec.append
    }


def source_snapshot(spec) -> list[dict]:
    return sorted_rows(pa.Table.from_batches(list(read_rows(spec)), schema=spec.schema))


def assert_whole(store: Store, before: dict[str, list[dict]]) -> None:
    """After a kill, each snapshot table is what it was or what it was being replaced
    by, never something in between (empty, half written)."""
    for name, rows in snapshots(store).items():
        assert rows in (before[name], source_snapshot(registered()[name])), f"{name} is torn"


def assert_complete(store: Store) -> None:
    """What holds once a sync finished: everything copied once, snapshots equal to their
    source, derived tables current, and no run left looking as if it were running."""
    assert_consistent(store)
    for spec in registered().values():
        if spec.append:
            assert sorted(table_ids(store, spec.name)) == source_ids(spec), spec.name
        else:
            assert sorted_rows(store.arrow(spec.name)) == source_snapshot(spec), spec.name
    derived = sorted(
        p.name for p in store.root.iterdir() if store.exists(p.name) and p.name not in registered()
    )
    assert derived, "the sync should have built the derived tables (KPI cube)"
    built = {name: sorted_rows(store.arrow(name)) for name in derived}
    refresh_derived(store)
    assert {name: sorted_rows(store.arrow(name)) for name in derived} == built, (
        "derived tables are stale after the rerun"
    )
    assert not SyncRun.objects.filter(status="running").exists()


FAULTS = [
    ("warehouse.append.before_commit", 1),  # the very first commit (orders)
    ("warehouse.append.before_commit", 4),  # between event chunks
    ("warehouse.append.after_commit", 1),
    ("warehouse.append.after_commit", 5),
    ("warehouse.sync.between_chunks", 3),
    ("warehouse.replace.before_commit", 1),  # contacts
    ("warehouse.replace.before_commit", 3),  # spend
    ("warehouse.replace.after_commit", 2),  # locations
    ("warehouse.replace.after_commit", 4),  # the KPI cube
    ("warehouse.sync.before_derived", 1),
    ("warehouse.sync.before_bookkeeping", 1),
]


@pytest.mark.parametrize(("point", "nth"), FAULTS, ids=[f"{p}:{n}" for p, n in FAULTS])
def test_sync_killed_at_a_fault_point_resumes_exactly(workspace, point, nth):
    add_activity(workspace, 1)
    store = default_store()
    sync(store, chunk=CHUNK, after_sync=refresh_derived)  # the warehouse holds round 1
    add_activity(workspace, 2)
    before = snapshots(store)

    process = sync_process(store, f"{point}:{nth}")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == -signal.SIGKILL, (
        f"{point}:{nth} was not reached (exit {process.returncode}): {output.decode()}"
    )
    assert_consistent(store)
    assert_whole(store, before)
    crashed = SyncRun.objects.get(status="running")

    rerun = sync(store, chunk=CHUNK, after_sync=refresh_derived)
    assert rerun.status == "done"
    crashed.refresh_from_db()
    assert (crashed.status, crashed.error) == ("failed", INTERRUPTED)
    assert_complete(store)


def commits(store: Store, names: list[str]) -> list[float]:
    """When each Delta commit of the named tables was written, oldest first."""
    logs = [p for name in names for p in (store.path(name) / "_delta_log").glob("*.json")]
    return sorted(p.stat().st_mtime for p in logs)


def test_sync_killed_at_random_moments_loses_and_doubles_nothing(workspace):
    """Kill a real sync at a random moment of its copying, again and again (new rows
    arriving between runs), checking the invariants after each kill. The first run is
    left to finish, checked whole, and measures how long copying takes here; each later
    run is killed a random time after its first commit."""
    seed = int(os.environ.get("PACER_CRASH_SEED") or time.time())
    rng = random.Random(seed)
    store = default_store()
    appends = [name for name, spec in registered().items() if spec.append]
    copying, kills, mid_copy = None, 0, 0
    for round_ in range(1, 7):
        add_activity(workspace, round_, visitors=rng.randint(8, 16))
        before = {name: store.cursor(name) for name in appends}
        whole = snapshots(store)
        known = len(commits(store, appends)) if store.exists(appends[0]) else 0
        process = sync_process(store, chunk=10)
        if copying is None:
            output, _ = process.communicate(timeout=120)
            assert process.returncode == 0, output.decode()
            assert_complete(store)
            times = commits(store, appends)
            copying = times[-1] - times[0]
            continue
        while process.poll() is None and len(commits(store, appends)) == known:
            time.sleep(0.002)  # until this run's first commit
        time.sleep(rng.uniform(0, 1.2 * copying))
        process.kill()
        process.communicate(timeout=60)
        if process.returncode == -signal.SIGKILL:
            kills += 1
            moved = [n for n in appends if store.cursor(n) != before[n]]
            behind = [
                n for n in appends if store.cursor(n) != (source_ids(registered()[n]) or [0])[-1]
            ]
            mid_copy += bool(moved and behind)
        assert_consistent(store, f"(seed {seed}, round {round_})")
        assert_whole(store, whole)
    assert kills >= 3, f"only {kills} runs were killed before they finished (seed {seed})"
    assert sync(store, chunk=10, after_sync=refresh_derived).status == "done"
    assert_complete(store)
    print(f"seed {seed}: {kills} kills, {mid_copy} in the middle of copying")
