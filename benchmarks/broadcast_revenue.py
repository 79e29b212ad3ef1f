"""Revenue attributed to broadcasts at scale (``pacer.metrics.broadcast_revenue``): the
figure of the email and SMS broadcast pages and of
``GET /api/messaging/broadcasts/{id}/attributed-revenue``.

A synthetic year: CONTACTS contacts, ORDERS orders (in the operational database, which
the figure reads for the orders' currencies, 1 % in EUR, and in the warehouse), two
visits with a channel per order (eight channels, a few campaigns each), BROADCASTS
broadcasts (two in three email, the rest SMS) sent every two months to everyone, each
clicked by 5 % within two days of its send, every click followed five seconds later by
its landing visit (dropped from the journeys: ``person_touches``). The warehouse tables
are written straight as Arrow (``pacer.warehouse.store.Store.replace``), not synced.

Each figure is cold: the per-snapshot cache is emptied before every run, so a run is
what the first reader after a sync waits for (the DuckDB journey query, the currency
read, the model's fit). Also the journey query alone and the currency read alone
(``_other_currency``: the credited orders' currencies from the database). Median and
range of RUNS runs, the process's CPU time (DuckDB's threads included) beside the wall
time, and the load average before and after.

    .venv/bin/python benchmarks/broadcast_revenue.py [CONTACTS] [ORDERS] [BROADCASTS] [--runs N]
"""

import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir, runs_from_argv  # noqa: E402
from _messaging import cpu_seconds  # noqa: E402

START = datetime(2026, 1, 1, tzinfo=UTC)
YEAR = 365 * 86_400
CHANNELS = [
    "paid_search",
    "organic_search",
    "direct",
    "email",
    "sms",
    "paid_social",
    "referral",
    "display",
]
CLICK_RATE = 0.05
LANDING_SECONDS = 5


def _ts(seconds: np.ndarray) -> pa.Array:
    micros = (int(START.timestamp()) + seconds.astype(np.int64)) * 1_000_000
    return pa.array(micros, pa.int64()).cast(pa.timestamp("us", tz="UTC"))


def _strings(values: list[str], index: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(pa.array(index, pa.int32()), values).cast(pa.string())


def _database(workspace, n_contacts: int, n_orders: int, rng) -> tuple[np.ndarray, dict]:
    """Contacts and orders in the operational database; the orders' columns (ids as
    stored) for the warehouse."""
    from django.db import connection, transaction

    from pacer.people.models import Contact, Order

    first_seen = rng.integers(0, 30 * 86_400, n_contacts)
    made = Contact.objects.bulk_create(
        [
            Contact(
                workspace=workspace,
                email=f"p{i}@x.test",
                first_seen_at=START + timedelta(seconds=int(first_seen[i])),
            )
            for i in range(n_contacts)
        ],
        batch_size=10_000,
    )
    contact_ids = np.array([c.pk for c in made], dtype=np.int64)
    owner = rng.integers(0, n_contacts, n_orders)
    placed = np.sort(rng.integers(30 * 86_400, YEAR, n_orders))
    totals = np.round(rng.lognormal(3.6, 0.6, n_orders), 2)
    euro = rng.random(n_orders) < 0.01
    # straight SQL: a million model instances would take minutes to build
    adapt = connection.ops.adapt_datetimefield_value
    sql = (
        f"INSERT INTO {Order._meta.db_table} (workspace_id, external_id, contact_id, "
        "placed_at, currency, total, cost, discount) VALUES (%s, %s, %s, %s, %s, %s, 0, 0)"
    )
    batch = 50_000
    with connection.cursor() as cursor, transaction.atomic():
        for first in range(0, n_orders, batch):
            cursor.executemany(
                sql,
                [
                    (
                        workspace.pk,
                        f"o{i}",
                        int(contact_ids[owner[i]]),
                        adapt(START + timedelta(seconds=int(placed[i]))),
                        "EUR" if euro[i] else "USD",
                        f"{totals[i]:.2f}",
                    )
                    for i in range(first, min(first + batch, n_orders))
                ],
            )
    order_ids = np.array(
        Order.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True),
        dtype=np.int64,
    )
    orders = {"id": order_ids, "owner": owner, "placed": placed, "total": totals}
    return contact_ids, {"first_seen": first_seen, **orders}


def _warehouse(store, workspace_id: int, contact_ids, rows: dict, broadcasts: int, rng) -> dict:
    """The warehouse tables; returns their row counts."""
    from pacer.warehouse.tables import table as spec

    n_contacts, n_orders = len(contact_ids), len(rows["id"])
    never = np.iinfo(np.int64).max
    first_order = np.full(n_contacts, never, dtype=np.int64)
    np.minimum.at(first_order, rows["owner"], rows["placed"])
    customer = first_order < never
    contacts = pa.table(
        {
            "id": contact_ids,
            "workspace_id": np.full(n_contacts, workspace_id),
            "canonical_id": contact_ids,
            "location_id": pa.nulls(n_contacts, pa.int64()),
            "lifecycle_stage": _strings(["customer", ""], np.where(customer, 0, 1)),
            "first_seen_at": _ts(rows["first_seen"]),
            "lead_at": pa.nulls(n_contacts, pa.timestamp("us", tz="UTC")),
            "customer_at": _masked_ts(np.where(customer, first_order, 0), customer),
            "order_count": np.bincount(rows["owner"], minlength=n_contacts).astype(np.int64),
            "revenue": np.bincount(rows["owner"], rows["total"], minlength=n_contacts),
            "acquisition_channel": _strings(CHANNELS, rng.integers(0, len(CHANNELS), n_contacts)),
            "acquisition_campaign": _strings([""], np.zeros(n_contacts, dtype=np.int64)),
        },
        schema=spec("contacts").schema,
    )
    orders = pa.table(
        {
            "id": rows["id"],
            "workspace_id": np.full(n_orders, workspace_id),
            "contact_id": contact_ids[rows["owner"]],
            "location_id": pa.nulls(n_orders, pa.int64()),
            "external_id": pa.array([f"o{i}" for i in range(n_orders)]),
            "placed_at": _ts(rows["placed"]),
            "total": rows["total"],
            "cost": np.zeros(n_orders),
        },
        schema=spec("orders").schema,
    )
    # the broadcasts' clicks: everyone is sent each; 5 % click within two days
    click_who, click_at, click_channel, click_broadcast = [], [], [], []
    for b in range(broadcasts):
        sent = 30 * 86_400 + b * (YEAR - 60 * 86_400) // max(broadcasts, 1)
        who = np.flatnonzero(rng.random(n_contacts) < CLICK_RATE)
        click_who.append(who)
        click_at.append(sent + rng.integers(0, 2 * 86_400, len(who)))
        click_channel.append(np.full(len(who), 3 if b % 3 != 2 else 4))  # email / sms
        click_broadcast.append(np.full(len(who), b + 1))
    who, at = np.concatenate(click_who), np.concatenate(click_at)
    channel, broadcast = np.concatenate(click_channel), np.concatenate(click_broadcast)
    clicks = pa.table(
        {
            "id": np.arange(1, len(who) + 1, dtype=np.int64),
            "workspace_id": np.full(len(who), workspace_id),
            "contact_id": contact_ids[who],
            "at": _ts(at),
            "channel": _strings(CHANNELS, channel),
            "broadcast_id": broadcast.astype(np.int64),
        },
        schema=spec("message_clicks").schema,
    )
    # two visits per order, anyone, any time; then each click's landing visit
    n_visits = 2 * n_orders
    visit_who = np.concatenate([rng.integers(0, n_contacts, n_visits), who])
    visit_at = np.concatenate([rng.integers(0, YEAR, n_visits), at + LANDING_SECONDS])
    visit_channel = np.concatenate([rng.integers(0, len(CHANNELS), n_visits), channel])
    campaigns = [f"{c} {k}" for c in CHANNELS for k in range(3)] + [""]
    visit_campaign = np.concatenate(
        [visit_channel[:n_visits] * 3 + rng.integers(0, 3, n_visits), np.full(len(who), 24)]
    )
    n_events = len(visit_who)
    events = pa.table(
        {
            "id": np.arange(1, n_events + 1, dtype=np.int64),
            "workspace_id": np.full(n_events, workspace_id),
            "contact_id": contact_ids[visit_who],
            "message_id": pa.array(np.char.add("m", np.arange(n_events).astype(str))),
            "type": _strings(["page"], np.zeros(n_events, dtype=np.int64)),
            "event": _strings([""], np.zeros(n_events, dtype=np.int64)),
            "name": _strings([""], np.zeros(n_events, dtype=np.int64)),
            "timestamp": _ts(visit_at),
            "received_at": _ts(visit_at),
            "channel": _strings(CHANNELS, visit_channel),
            "utm_source": _strings([""], np.zeros(n_events, dtype=np.int64)),
            "utm_medium": _strings([""], np.zeros(n_events, dtype=np.int64)),
            "utm_campaign": _strings(campaigns, visit_campaign),
            "properties": _strings(["{}"], np.zeros(n_events, dtype=np.int64)),
        },
        schema=spec("events").schema,
    )
    spend = spec("spend").schema.empty_table()
    tables = {
        "contacts": contacts,
        "orders": orders,
        "message_clicks": clicks,
        "events": events,
        "spend": spend,
    }
    for name, table in tables.items():
        store.replace(name, table)
    return {name: table.num_rows for name, table in tables.items()}


def _masked_ts(seconds: np.ndarray, valid: np.ndarray) -> pa.Array:
    return pa.array((int(START.timestamp()) + seconds) * 1_000_000, pa.int64(), mask=~valid).cast(
        pa.timestamp("us", tz="UTC")
    )


def _timed(call, runs: int, before=None) -> tuple[list[float], list[float], object]:
    walls, cpus, result = [], [], None
    for _ in range(runs):
        if before is not None:
            before()
        cpu, wall = cpu_seconds(), time.perf_counter()
        result = call()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return walls, cpus, result


def _show(label: str, walls: list[float], cpus: list[float]) -> None:
    print(
        f"{label:<40} wall median {statistics.median(walls):7.3f} s "
        f"(range {min(walls):.3f}-{max(walls):.3f})  CPU median {statistics.median(cpus):7.3f} s"
    )


def main(n_contacts: int, n_orders: int, broadcasts: int, runs: int) -> None:
    data_dir = django_in_temp_dir("pacer-bench-broadcast-revenue-")
    from pacer.core import actions as core
    from pacer.metrics import broadcast_revenue as module
    from pacer.metrics.analysis import SOURCES
    from pacer.metrics.summaries import order_journey_tables
    from pacer.warehouse.store import Store

    rng = np.random.default_rng(7)
    workspace = core.create_workspace("Bench", slug="bench")
    started = time.perf_counter()
    contact_ids, rows = _database(workspace, n_contacts, n_orders, rng)
    store = Store(os.path.join(data_dir, "bench-warehouse"))
    counts = _warehouse(store, workspace.pk, contact_ids, rows, broadcasts, rng)
    print(f"built in {time.perf_counter() - started:.0f} s: {counts}")
    print(f"load average before: {os.getloadavg()}")

    def journey_query(lookback: int):
        con = store.duckdb(list(SOURCES), SOURCES)
        tables = {name: con.table(name) for name in SOURCES}
        touches, orders = order_journey_tables(tables, workspace.pk, lookback)
        return con.to_polars(touches).height, con.to_polars(orders).height

    for lookback in (7, 30):
        walls, cpus, (touches, orders) = _timed(lambda: journey_query(lookback), runs)  # noqa: B023
        _show(f"journey query, {lookback}-day lookback", walls, cpus)
        print(f"  {orders:,} orders credited, {touches:,} touches")
    con = store.duckdb(list(SOURCES), SOURCES)
    tables = {name: con.table(name) for name in SOURCES}
    credited = con.to_polars(order_journey_tables(tables, workspace.pk, 7)[1])
    walls, cpus, apart = _timed(
        lambda: module._other_currency(workspace.pk, workspace.currency, credited), runs
    )
    _show("currency read (database), 7 days", walls, cpus)
    print(f"  {len(apart):,} of the {credited.height:,} credited orders in another currency")
    for model, lookback in (
        ("linear", 7),
        ("last_touch", 7),
        ("markov", 7),
        ("shapley", 7),
        ("linear", 30),
    ):
        walls, cpus, found = _timed(
            lambda: module.broadcast_revenue(store, workspace, model=model, lookback_days=lookback),  # noqa: B023
            runs,
            before=module._fitted.cache_clear,
        )
        _show(f"broadcast_revenue {model}, {lookback} days", walls, cpus)
        total = sum(figures["revenue"] for figures in found.values())
        print(f"  {len(found)} broadcasts, {total:,.2f} attributed")
    module.broadcast_revenue(store, workspace, model="linear", lookback_days=7)
    walls, cpus, _ = _timed(
        lambda: module.broadcast_revenue(store, workspace, model="linear", lookback_days=7),
        runs,
    )
    _show("broadcast_revenue linear, 7 days, cached", walls, cpus)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    if "--runs" in sys.argv:
        arguments.remove(sys.argv[sys.argv.index("--runs") + 1])
    sizes = [int(a) for a in arguments] + [100_000, 1_000_000, 6][len(arguments) :]
    main(*sizes[:3], runs_from_argv(3))
