"""Segment evaluation: full (warehouse) and incremental (change feed) — targets: a nested
segment with event conditions at 1M contacts / 20M events evaluated in full in <= 1 s;
one contact's change reflected in membership in <= 50 ms p99.

Full: builds the warehouse tables segments read (contact profiles, events, orders, order
lines, consents) synthetically with NumPy/Arrow straight into Delta (as kpi_refresh.py
writes the simulator's business), then times the compiled Ibis expression on DuckDB
(``RUNS`` runs: the members as Arrow, and the count alone). Columns the evaluation never
reads (message ids, UTM fields) are left empty.

Incremental: a SQLite operational store with ``--contacts`` contacts (default 10,000) and
20 events each, three dynamic segments (the nested one among them); each of ``--changes``
changes edits one contact's trait, publishes it on the change feed and times the segments
subscriber's delivery (evaluating every segment for that contact and recording the
entry or exit): p50 / p99 / max.

Run: .venv/bin/python benchmarks/segments.py [--contacts-full 1000000] [--events-full
20000000] [--contacts 10000] [--changes 500] [--runs 5]
"""

import argparse
import os
import random
import resource
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

django_in_temp_dir("pacer-bench-segments-")

from pacer.core import actions as core_actions  # noqa: E402
from pacer.segments import definition as d  # noqa: E402
from pacer.segments.evaluation import current_consents_table, order_totals_table  # noqa: E402
from pacer.segments.full import Compiler, lead_scores_table  # noqa: E402
from pacer.segments.warehouse import TABLES  # noqa: E402
from pacer.warehouse.sync import default_store  # noqa: E402
from pacer.warehouse.tables import schemas  # noqa: E402

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
EVENTS = np.array(
    [
        "Product Viewed",
        "Added to Cart",
        "Order Completed",
        "Signed Up",
        "Page Scrolled",
        "Video Played",
        "Email Opened",
        "Email Clicked",
    ]
)
PLANS = np.array(
    ['{"plan": "gold", "price": 40}', '{"plan": "silver", "price": 12}', "{}", '{"price": 99}']
)
STAGES = np.array(["lead", "customer", "", "subscriber"])
RFM_NAMES = np.array(d.RFM_SEGMENTS)
NESTED = {
    "type": "group",
    "op": "and",
    "children": [
        {"type": "field", "field": "lifecycle_stage", "op": "in", "value": ["lead", "customer"]},
        {
            "type": "group",
            "op": "or",
            "children": [
                {
                    "type": "event",
                    "event": "Product Viewed",
                    "count_op": "gte",
                    "count": 3,
                    "within_days": 30,
                },
                {
                    "type": "group",
                    "op": "and",
                    "children": [
                        {
                            "type": "event",
                            "event": "Added to Cart",
                            "within_days": 14,
                            "where": [{"key": "plan", "op": "eq", "value": "gold"}],
                        },
                        {
                            "type": "event",
                            "event": "Order Completed",
                            "within_days": 14,
                            "did": False,
                        },
                    ],
                },
            ],
        },
        {"type": "consent", "channel": "email", "purpose": "marketing"},
        {
            "type": "group",
            "negate": True,
            "children": [{"type": "orders", "measure": "revenue", "op": "gte", "value": 500}],
        },
        {"type": "field", "field": "p_alive", "op": "gte", "value": 0.2},
    ],
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def _ts(seconds: np.ndarray) -> pa.Array:
    return pa.array(seconds.astype("int64") * 1_000_000, type=pa.int64()).cast(
        pa.timestamp("us", tz="UTC")
    )


def _strings(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype(object), type=pa.string())


def build_warehouse(contacts: int, events: int, seed: int = 7, order: str = "arrival") -> None:
    """The synthetic warehouse, written into the default store. ``order`` "arrival": event
    ids and files in time order, as the sync appends events as they arrive (DuckDB then
    skips the Parquet row groups outside a condition's window); "random": timestamps in no
    order (a worst case, like a backfill of old history imported out of order)."""
    rng = np.random.default_rng(seed)
    offsets = rng.integers(0, 365 * 86_400, events)
    seconds = offsets
    if order == "arrival":
        seconds = np.sort(offsets)[::-1]  # oldest (largest offset) first
    store = default_store()
    now_s = int(NOW.timestamp())
    ids = np.arange(1, contacts + 1, dtype=np.int64)
    canonical = ids.copy()
    merged = rng.random(contacts) < 0.01  # 1% merged into the contact before them
    canonical[merged & (ids > 1)] -= 1
    n = contacts
    profile = {
        "id": pa.array(ids),
        "workspace_id": pa.array(np.ones(n, dtype=np.int64)),
        "canonical_id": pa.array(canonical),
        "location_code": _strings(np.char.add("L", rng.integers(0, 50, n).astype(str))),
        "traits": _strings(PLANS[rng.integers(0, len(PLANS), n)]),
        "email": _strings(np.char.add(np.char.add("c", ids.astype(str)), "@x.io")),
        "phone": pa.array([""] * n),
        "first_name": pa.array([""] * n),
        "last_name": pa.array([""] * n),
        "lifecycle_stage": _strings(STAGES[rng.integers(0, len(STAGES), n)]),
        "acquisition_channel": pa.array(["organic"] * n),
        "acquisition_source": pa.array([""] * n),
        "acquisition_medium": pa.array([""] * n),
        "acquisition_campaign": pa.array([""] * n),
        "order_count": pa.array(rng.poisson(1.5, n).astype(float)),
        "revenue": pa.array(rng.gamma(2, 80, n)),
        "predicted_clv": pa.array(rng.gamma(2, 50, n)),
        "p_alive": pa.array(rng.random(n)),
        "expected_purchases_90d": pa.array(rng.random(n) * 3),
        "rfm_code": _strings(
            np.char.add(
                np.char.add(rng.integers(1, 6, n).astype(str), rng.integers(1, 6, n).astype(str)),
                rng.integers(1, 6, n).astype(str),
            )
        ),
        "rfm_segment": _strings(RFM_NAMES[rng.integers(0, len(RFM_NAMES), n)]),
    }
    for name in (
        "created_at",
        "first_seen_at",
        "last_seen_at",
        "lead_at",
        "customer_at",
        "last_order_at",
    ):
        profile[name] = _ts(now_s - rng.integers(0, 365 * 86_400, n))
    spec = schemas("contact_profiles")["contact_profiles"]
    store.replace("contact_profiles", pa.table(profile, schema=spec))

    chunk = 5_000_000
    written = 0
    while written < events:
        m = min(chunk, events - written)
        ev_ids = np.arange(written + 1, written + m + 1, dtype=np.int64)
        when = _ts(now_s - seconds[written : written + m])
        table = pa.table(
            {
                "id": pa.array(ev_ids),
                "workspace_id": pa.array(np.ones(m, dtype=np.int64)),
                "contact_id": pa.array(rng.integers(1, contacts + 1, m)),
                "message_id": pa.array([""] * m),
                "type": pa.array(["track"] * m),
                "event": _strings(EVENTS[rng.integers(0, len(EVENTS), m)]),
                "name": pa.array([""] * m),
                "timestamp": when,
                "received_at": when,
                "channel": pa.array([""] * m),
                "utm_source": pa.array([""] * m),
                "utm_medium": pa.array([""] * m),
                "utm_campaign": pa.array([""] * m),
                "properties": _strings(PLANS[rng.integers(0, len(PLANS), m)]),
            },
            schema=schemas("events")["events"],
        )
        store.append("events", table, int(ev_ids[-1]))
        written += m

    orders = 2 * contacts
    order_ids = np.arange(1, orders + 1, dtype=np.int64)
    store.append(
        "orders",
        pa.table(
            {
                "id": pa.array(order_ids),
                "workspace_id": pa.array(np.ones(orders, dtype=np.int64)),
                "contact_id": pa.array(rng.integers(1, contacts + 1, orders)),
                "location_id": pa.array(np.ones(orders, dtype=np.int64)),
                "external_id": pa.array([""] * orders),
                "placed_at": _ts(now_s - rng.integers(0, 365 * 86_400, orders)),
                "total": pa.array(rng.gamma(2, 60, orders)),
                "cost": pa.array(np.zeros(orders)),
            },
            schema=schemas("orders")["orders"],
        ),
        orders,
    )
    store.append(
        "order_lines",
        pa.table(
            {
                "id": pa.array(order_ids),
                "workspace_id": pa.array(np.ones(orders, dtype=np.int64)),
                "order_id": pa.array(order_ids),
                "sku": _strings(np.char.add("SKU", rng.integers(0, 200, orders).astype(str))),
            },
            schema=schemas("order_lines")["order_lines"],
        ),
        orders,
    )
    consents = contacts
    store.append(
        "consents",
        pa.table(
            {
                "id": pa.array(np.arange(1, consents + 1, dtype=np.int64)),
                "workspace_id": pa.array(np.ones(consents, dtype=np.int64)),
                "contact_id": pa.array(rng.integers(1, contacts + 1, consents)),
                "channel": pa.array(["email"] * consents),
                "purpose": pa.array(["marketing"] * consents),
                "granted": pa.array(rng.random(consents) < 0.7),
                "recorded_at": _ts(now_s - rng.integers(0, 365 * 86_400, consents)),
            },
            schema=schemas("consents")["consents"],
        ),
        consents,
    )


def full_evaluation(runs: int) -> dict:
    store = default_store()
    con = store.duckdb(TABLES, schemas(*TABLES))
    tables = {name: con.table(name) for name in TABLES}
    tables["lead_scores"] = lead_scores_table([])
    # the latest consent and the order totals per person, made once per warehouse snapshot
    # (as evaluation does)
    cpu, started = cpu_seconds(), time.perf_counter()
    tables["current_consents"] = current_consents_table(con, store)
    tables["order_totals"] = order_totals_table(con, store)
    consents = {"wall": time.perf_counter() - started, "cpu": cpu_seconds() - cpu}
    tree = d.parse(NESTED)
    members_s, count_s, found = [], [], 0
    cpu = cpu_seconds()
    for _ in range(runs):
        compiler = Compiler(tables, 1, NOW, lambda _: None)
        started = time.perf_counter()
        found = con.to_pyarrow(compiler.members(tree)).num_rows
        members_s.append(time.perf_counter() - started)
        started = time.perf_counter()
        counted = con.to_pyarrow(compiler.count(tree)).as_py()
        count_s.append(time.perf_counter() - started)
        assert counted == found, (counted, found)
    return {
        "members": members_s,
        "count": count_s,
        "matched": found,
        "cpu": cpu_seconds() - cpu,
        "consents": consents,
    }


def incremental_world(contacts: int):
    """The operational store for the incremental run: the workspace, the contact ids and
    the random stream the changes continue."""
    from django.utils import timezone

    from pacer.core.feed import deliver
    from pacer.ingest.models import Event
    from pacer.people.models import Consent, Contact
    from pacer.segments import actions
    from pacer.segments.feed import SUBSCRIBER

    workspace = core_actions.create_workspace("Bench", slug="bench")
    rng = random.Random(11)
    Contact.objects.bulk_create(
        [
            Contact(
                workspace=workspace,
                email=f"c{i}@x.io",
                lifecycle_stage=rng.choice(STAGES),
                traits={"plan": rng.choice(["gold", "silver"])},
                p_alive=rng.random(),
            )
            for i in range(contacts)
        ],
        batch_size=5000,
    )
    ids = list(Contact.objects.filter(workspace=workspace).values_list("id", flat=True))
    now = timezone.now()
    batch = []
    for n in range(20 * contacts):
        at = now - timedelta(seconds=rng.randrange(0, 60 * 86_400))
        batch.append(
            Event(
                workspace=workspace,
                message_id=f"m{n}",
                contact_id=rng.choice(ids),
                type="track",
                event=rng.choice(list(EVENTS)),
                timestamp=at,
                received_at=at,
                properties={"plan": rng.choice(["gold", "silver"])},
            )
        )
        if len(batch) == 20_000:
            Event.objects.bulk_create(batch)
            batch = []
    Event.objects.bulk_create(batch)
    Consent.objects.bulk_create(
        [
            Consent(
                workspace=workspace,
                contact_id=c,
                channel="email",
                purpose="marketing",
                granted=rng.random() < 0.7,
                source="bench",
                recorded_at=now,
            )
            for c in ids
        ],
        batch_size=5000,
    )
    actions.create_segment(workspace, name="Nested", definition=NESTED)
    actions.create_segment(
        workspace,
        name="Gold",
        definition={
            "type": "group",
            "children": [{"type": "trait", "key": "plan", "op": "eq", "value": "gold"}],
        },
    )
    actions.create_segment(
        workspace,
        name="Busy",
        definition={
            "type": "group",
            "children": [{"type": "event", "event": "Email Opened", "count_op": "gte", "count": 3}],
        },
    )
    while deliver(SUBSCRIBER):
        pass
    return workspace, ids, rng


def incremental_latency(workspace, ids: list[int], rng: random.Random, changes: int) -> dict:
    """Each change edits one contact's trait, publishes it and times the segments
    subscriber's delivery; also counts the delivery's SQL statements."""
    from django.db import connection

    from pacer.core.feed import deliver, publish
    from pacer.people.models import Contact
    from pacer.segments.feed import SUBSCRIBER

    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    latencies, cpu_each, queries = [], [], []
    for _ in range(changes):
        contact = Contact.objects.get(pk=rng.choice(ids))
        contact.traits = {"plan": "silver" if contact.traits.get("plan") == "gold" else "gold"}
        contact.save(update_fields=["traits"])
        publish(workspace.pk, source="bench", contact_ids=[contact.pk])
        statements[0] = 0
        with connection.execute_wrapper(count):
            started, cpu = time.perf_counter(), time.process_time()
            assert deliver(SUBSCRIBER) == 1
            latencies.append(time.perf_counter() - started)
            cpu_each.append(time.process_time() - cpu)  # this process's CPU, apart from load
        queries.append(statements[0])
    latencies.sort()
    cpu_each.sort()
    return {
        "p50": statistics.median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
        "max": latencies[-1],
        "cpu_p50": statistics.median(cpu_each),
        "cpu_p99": cpu_each[int(0.99 * (len(cpu_each) - 1))],
        "queries": statistics.median(queries),
    }


def woken_latency(workspace, ids: list[int], rng: random.Random, changes: int) -> dict:
    """A contact's change reflected through the worker: the change-feed loop runs in a
    thread as ``pacer worker`` runs it (every subscriber); each change is saved and
    published in one transaction, and the time from its commit (which wakes the loop) to
    the end of the segments subscriber's delivery is taken."""
    import threading

    from django.db import transaction

    from pacer.core import feed
    from pacer.core.domains import Loop
    from pacer.core.worker import run_loop
    from pacer.people.models import Contact

    delivered, original = threading.Event(), feed.deliver

    def deliver(subscriber, **options):
        count = original(subscriber, **options)
        if count and subscriber.name == "segments":
            delivered.set()
        return count

    feed.deliver = deliver
    stop = threading.Event()
    loop = Loop(feed.DELIVERY_LOOP, "pacer.core.feed.deliver_all", seconds="FEED_POLL_SECONDS")
    worker = threading.Thread(target=run_loop, args=(loop, stop), daemon=True)
    worker.start()
    time.sleep(1)
    latencies = []
    try:
        for _ in range(changes):
            delivered.clear()
            with transaction.atomic():
                contact = Contact.objects.get(pk=rng.choice(ids))
                plan = "silver" if contact.traits.get("plan") == "gold" else "gold"
                contact.traits = {"plan": plan}
                contact.save(update_fields=["traits"])
                feed.publish(workspace.pk, source="bench", contact_ids=[contact.pk])
            started = time.perf_counter()  # committed; the commit woke the loop
            assert delivered.wait(10), "no delivery within 10 s"
            latencies.append(time.perf_counter() - started)
    finally:
        stop.set()
        from pacer.core.worker import wake

        wake(feed.DELIVERY_LOOP)
        worker.join(5)
        feed.deliver = original
    latencies.sort()
    return {
        "p50": statistics.median(latencies),
        "p99": latencies[int(0.99 * (len(latencies) - 1))],
        "max": latencies[-1],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts-full", type=int, default=1_000_000)
    parser.add_argument("--events-full", type=int, default=20_000_000)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--changes", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-full", action="store_true")
    parser.add_argument("--skip-incremental", action="store_true")
    parser.add_argument(
        "--warehouse", help="a warehouse directory: built there unless an earlier run built it"
    )
    parser.add_argument("--build-only", action="store_true", help="build the warehouse, stop")
    parser.add_argument("--event-order", choices=("arrival", "random"), default="arrival")
    args = parser.parse_args()
    print(f"cpus {os.cpu_count()}; {load()}")
    from django.conf import settings

    if args.warehouse:
        settings.WAREHOUSE_DIR = args.warehouse
    if not args.skip_full:
        started = time.perf_counter()
        if not (args.warehouse and default_store().exists("consents")):  # written last
            build_warehouse(args.contacts_full, args.events_full, order=args.event_order)
        print(
            f"warehouse ready in {time.perf_counter() - started:.1f} s (built, or reused): "
            f"{args.contacts_full:,} contacts, {args.events_full:,} events "
            f"({args.event_order} order); {load()}"
        )
        if args.build_only:
            return
        result = full_evaluation(args.runs)
        for key in ("members", "count"):
            s = result[key]
            print(
                f"full evaluation ({key}): median {statistics.median(s):.3f} s "
                f"(range {min(s):.3f}-{max(s):.3f} s, {len(s)} runs); "
                f"{result['matched']:,} members; target <= 1 s"
            )
        print(
            f"  CPU seconds for all runs: {result['cpu']:.2f}; the consent and order tables, made "
            f"once per snapshot: {result['consents']['wall']:.2f} s wall, "
            f"{result['consents']['cpu']:.2f} s CPU; {load()}"
        )
    if args.skip_incremental:
        return
    started = time.perf_counter()
    world = incremental_world(args.contacts)
    result = incremental_latency(*world, args.changes)
    print(
        f"incremental (operational store, SQLite, {args.contacts:,} contacts, "
        f"{20 * args.contacts:,} events, 3 segments; "
        f"set-up {time.perf_counter() - started:.0f} s): "
        f"p50 {result['p50'] * 1000:.1f} ms, p99 {result['p99'] * 1000:.1f} ms, "
        f"max {result['max'] * 1000:.1f} ms over {args.changes} changes; target p99 <= 50 ms; "
        f"CPU per delivery p50 {result['cpu_p50'] * 1000:.1f} ms, "
        f"p99 {result['cpu_p99'] * 1000:.1f} ms; {result['queries']:.0f} SQL statements per "
        f"delivery (median); {load()}"
    )
    woken = woken_latency(*world, args.changes)
    print(
        f"through the worker's change-feed loop (woken by the commit; poll interval "
        f"{settings.FEED_POLL_SECONDS} s): commit -> segments delivered p50 "
        f"{woken['p50'] * 1000:.1f} ms, p99 {woken['p99'] * 1000:.1f} ms, max "
        f"{woken['max'] * 1000:.1f} ms over {args.changes} changes; {load()}"
    )


if __name__ == "__main__":
    main()
