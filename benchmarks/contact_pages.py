"""The contacts list and the contact page on a large workspace (issue 11: p95 ≤ 300 ms at
1M contacts and 20M events).

    .venv/bin/python benchmarks/contact_pages.py [CONTACTS] [EVENTS] [REQUESTS]

Writes CONTACTS contacts (with locations, channels, emails for most, consents for some
and an order for one in three) and EVENTS events spread over them and over two years,
by bulk inserts, then times REQUESTS whole page requests (Django test client, signed in,
page rendered) of each kind, each a different contact or search term:

- the contacts list with a search, a filter and a sort (``?q=…&channel=…&sort=-revenue``),
  the common case where the search matches few contacts;
- the contacts list with a filter and a sort and no search;
- the contact page (profile, identities, consent, orders table, the newest timeline page),
  of any contact and of a busy one (1% of contacts get 20% of the events);
- the timeline fragment the page polls (nothing new: 204), and an older timeline page.

Prints p50, p95 and max of each. The machine it runs on is shared; say so with the figures.
"""

import os
import random
import re
import statistics
import sys
import time
from datetime import UTC, datetime
from html import unescape

from _common import django_in_temp_dir

CHANNELS = ["paid_search", "organic_search", "paid_social", "email", "direct", "referral"]
STAGES = ["subscriber", "lead", "customer"]
EVENT_NAMES = ["Product Viewed", "Added to Cart", "Order Completed", "Signed Up"]
START = datetime(2024, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 86400
CHUNK = 50_000


def p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(label: str, times: list[float]) -> None:
    print(
        f"{label:<58} p50 {statistics.median(times):7.1f} ms  p95 {p95(times):7.1f} ms  "
        f"max {max(times):7.1f} ms  (n={len(times)})"
    )


def _sql(sqlite: bool) -> dict:
    """The pieces of SQL each database spells its own way: a series of ``i`` from 0,
    a moment ``x`` seconds after START, ``x`` zero-padded to 10 digits."""
    if sqlite:
        return {
            "series": lambda n: (
                f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < {n - 1})"
                " {insert} SELECT {select} FROM n"
            ),
            "stamp": lambda x: f"datetime('2024-01-01 00:00:00', '+' || ({x}) || ' seconds')",
            "pad": lambda x: f"printf('%010d', {x})",
        }
    return {
        "series": lambda n: (
            "{insert} SELECT {select} FROM generate_series(0::bigint, " + str(n - 1) + ") AS n(i)"
        ),
        "stamp": lambda x: f"(timestamptz '2024-01-01 00:00:00+00' + ({x}) * interval '1 second')",
        "pad": lambda x: f"lpad(({x})::text, 10, '0')",
    }


def _case(expr: str, values: list[str]) -> str:
    return f"CASE {expr} " + " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values)) + " END"


def _insert(cursor, spell: dict, table: str, count: int, values: dict[str, str]) -> None:
    """``count`` rows made by the database itself from ``i`` = 0 … count - 1 (no Python
    per row): each column's SQL expression of ``i``."""
    insert = f"INSERT INTO {table} ({', '.join(values)})"
    sql = spell["series"](count).format(insert=insert, select=", ".join(values.values()))
    cursor.execute(sql)


def build(connection, ws: int, location: int, contacts: int, events: int, busy: int) -> None:
    """Contacts, their identities, orders (one in three), consents (one in four) and the
    events, generated inside the database. On SQLite the tables' secondary indexes are
    dropped for the load and made again after (a sorted build, not a million random
    inserts); PostgreSQL's are kept (its load is the same statements)."""
    sqlite = connection.vendor == "sqlite"
    spell = _sql(sqlite)
    stamp = spell["stamp"]
    tables = ["people_contact", "people_identity", "people_order", "people_consent", "ingest_event"]
    with connection.cursor() as cursor:
        dropped = []
        if sqlite:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({', '.join(repr(t) for t in tables)})"
            )
            dropped = cursor.fetchall()
            for name, _ in dropped:
                cursor.execute(f'DROP INDEX "{name}"')
        step = time.perf_counter()
        _insert(cursor, spell, "people_contact", contacts, {
            "workspace_id": str(ws),
            "email": "CASE WHEN i % 5 <> 0 THEN 'person' || i || '@example.test' ELSE '' END",
            "phone": f"'+1' || {spell['pad']('i')}",
            "first_name": "'First' || (i % 9973)",
            "last_name": "'Last' || (i % 7919)",
            "traits": "'{}'",
            "location_id": f"{location} + i % 20",
            "lifecycle_stage": _case("i % 3", STAGES),
            "created_at": stamp("0"),
            "first_seen_at": stamp(f"i % {SPAN_SECONDS}"),
            "last_seen_at": stamp(f"{SPAN_SECONDS} - i % 86400"),
            "order_count": "CASE WHEN i % 3 = 0 THEN 1 + i % 4 ELSE 0 END",
            "revenue": "CASE WHEN i % 3 = 0 THEN ((i * 7919) % 89900 + 100) / 100.0 ELSE 0 END",
            "acquisition_channel": _case("i % 6", CHANNELS),
            "acquisition_source": "'google'",
            "acquisition_medium": "'cpc'",
            "acquisition_campaign": "'campaign-' || (i % 40)",
            "rfm_code": "''",
            "rfm_segment": "''",
        })  # fmt: skip
        print(f"  contacts {time.perf_counter() - step:.0f} s", flush=True)
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM people_contact WHERE workspace_id = {ws}")
        first, last = cursor.fetchone()
        assert last - first + 1 == contacts, "the contacts' ids are not consecutive"
        step = time.perf_counter()
        _insert(cursor, spell, "people_identity", contacts, {
            "workspace_id": str(ws),
            "contact_id": f"{first} + i",
            "kind": "'anonymous_id'",
            "value": f"'anon-' || {spell['pad']('i')}",
            "created_at": stamp("0"),
        })  # fmt: skip
        _insert(cursor, spell, "people_order", (contacts + 2) // 3, {
            "workspace_id": str(ws),
            "external_id": f"'o-' || {spell['pad']('i')}",
            "contact_id": f"{first} + 3 * i",
            "location_id": f"{location} + (3 * i) % 20",
            "placed_at": stamp(f"(3 * i) % {SPAN_SECONDS}"),
            "currency": "'USD'",
            "total": "42.50",
            "cost": "10.00",
            "discount": "0",
        })  # fmt: skip
        _insert(cursor, spell, "people_consent", (contacts + 3) // 4, {
            "workspace_id": str(ws),
            "contact_id": f"{first} + 4 * i",
            "channel": "'email'",
            "purpose": "'marketing'",
            "granted": "(4 * i) % 20 <> 0",
            "source": "'form'",
            "wording": "'Offers by email'",
            "recorded_at": stamp(f"(4 * i) % {SPAN_SECONDS}"),
        })  # fmt: skip
        print(f"  identities, orders, consents {time.perf_counter() - step:.0f} s", flush=True)
        step = time.perf_counter()
        # 1% of contacts (the busy ones) get 20% of the events; spread by multiplicative
        # hashing of i, so a rerun writes the same data
        _insert(cursor, spell, "ingest_event", events, {
            "workspace_id": str(ws),
            "message_id": f"'e-' || {spell['pad']('i')}",
            "contact_id": f"{first} + CASE WHEN i % 5 = 0 THEN (i * 7919) % {busy} "
            f"ELSE (i * 104729) % {contacts} END",
            "type": "'track'",
            "event": _case("i % 4", EVENT_NAMES),
            "name": "''",
            "user_id": "''",
            "anonymous_id": "''",
            "timestamp": stamp(f"(i * 2654435761) % {SPAN_SECONDS}"),
            "received_at": stamp(str(SPAN_SECONDS)),
            "pending": "false",
            "channel": _case("i % 6", CHANNELS),
            "utm_source": "'google'",
            "utm_medium": "'cpc'",
            "utm_campaign": "'campaign-' || (i % 40)",
            "properties": "'{\"sku\": \"S1\", \"price\": 19.5}'",
            "context": "'{}'",
            "quarantine_reason": "''",
        })  # fmt: skip
        print(f"  events {time.perf_counter() - step:.0f} s", flush=True)
        step = time.perf_counter()
        for _, sql in dropped:
            cursor.execute(sql)
        if dropped:
            print(f"  {len(dropped)} indexes made again {time.perf_counter() - step:.0f} s")


def main(contacts: int = 1_000_000, events: int = 5_000_000, requests: int = 40) -> None:
    reuse = os.environ.get("PACER_BENCH_REUSE", "")
    if reuse:  # time again on the data a previous run wrote (new migrations applied)
        os.environ["PACER_DATA_DIR"] = reuse
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
    else:
        django_in_temp_dir("pacer-bench-contact-")
    from django.db import connection, transaction

    from pacer.core import actions
    from pacer.ingest.models import Event
    from pacer.people.models import Contact, Location

    sqlite = connection.vendor == "sqlite"

    rng = random.Random(11)
    busy = max(1, contacts // 100)  # 1% of contacts get 20% of the events

    if reuse:
        from django.contrib.auth import get_user_model

        from pacer.core.models import Workspace

        workspace = Workspace.objects.get(slug="bench")
        admin = get_user_model().objects.get(username="bench")
        first = Contact.objects.filter(workspace=workspace).order_by("id")[0].pk
        contacts = Contact.objects.filter(workspace=workspace).count()
        print(f"reusing {reuse}: {contacts:,} contacts, {Event.objects.count():,} events")
        ids = range(first, first + contacts)
        return measure(workspace, admin, ids, max(1, contacts // 100), requests, rng)
    workspace = actions.create_workspace("Bench", slug="bench")
    admin = actions.create_user(workspace, "bench", "long-password-1", "admin")
    started = time.perf_counter()
    if sqlite:  # a bulk load: a large page cache, no waiting for the disk
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
            cursor.execute("PRAGMA cache_size=-1000000")
    with transaction.atomic():
        locations = [
            Location.objects.create(workspace=workspace, code=f"L{i}", name=f"Store {i}").pk
            for i in range(20)
        ]
        assert locations == list(range(locations[0], locations[0] + 20))
        build(connection, workspace.pk, locations[0], contacts, events, busy)
    first = (
        Contact.objects.filter(workspace=workspace).order_by("id").values_list("id", flat=True)[0]
    )
    ids = range(first, first + contacts)
    print(
        f"{contacts:,} contacts, {events:,} events, {contacts // 3 + 1:,} orders, "
        f"{contacts // 4 + 1:,} consents written in {time.perf_counter() - started:.0f} s "
        f"({connection.vendor})"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if sqlite else "VACUUM ANALYZE")

    print(f"data in {os.environ['PACER_DATA_DIR']} (PACER_BENCH_REUSE=that to time again)")
    measure(workspace, admin, ids, busy, requests, rng)


def measure(workspace, admin, ids: range, busy: int, requests: int, rng) -> None:
    from django.test import Client

    contacts = len(ids)
    client = Client()
    client.force_login(admin)

    def timed(urls: list[str], expect: int = 200) -> list[float]:
        client.get(urls[0])  # warm
        times = []
        for url in urls:
            begun = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == expect, (url, response.status_code)
        return times

    def polls(picks: list[int]) -> list[str]:
        urls = []
        for i in picks:
            html = client.get(f"/contacts/{ids[i]}/timeline/").content.decode()
            seen = re.search(r'data-signature="(\w+)"', html).group(1)
            urls.append(f"/contacts/{ids[i]}/timeline/?seen={seen}")
        return urls

    def older_pages(picks: list[int]) -> list[str]:
        urls = []
        for i in picks:
            html = client.get(f"/contacts/{ids[i]}/").content.decode()
            found = re.search(r'href="([^"]*before=[^"]*)" rel="next"', html)
            if found:
                urls.append(unescape(found.group(1)))
        return urls or ["/contacts/"]

    from pacer.people.views import COLUMNS
    from pacer.web.tables import make_cursor

    sortable = [column.key for column in COLUMNS if column.sortable]
    picks = [rng.randrange(contacts) for _ in range(requests)]
    report("list: first page (newest first)", timed(["/contacts/"] * requests))
    deep = [make_cursor(ids[i], ids[i], contacts - i) for i in picks]
    report(
        "list: a deep keyset page (newest first)", timed([f"/contacts/?after={c}" for c in deep])
    )
    for key in sortable:
        report(f"list: first page sorted by {key}", timed([f"/contacts/?sort={key}"] * 5))
        report(f"list: first page sorted by -{key}", timed([f"/contacts/?sort=-{key}"] * 5))
    report(
        "list: stage filter (a third of contacts), newest first",
        timed([f"/contacts/?stage={STAGES[i % 3]}" for i in picks]),
    )
    report(
        "list: channel + location filters, sort by last seen",
        timed(
            [
                f"/contacts/?channel={CHANNELS[i % 6]}&location=L{i % 20}&sort=-last_seen_at"
                for i in picks
            ]
        ),
    )
    report(
        "list: search + channel filter + sort by revenue",
        timed([f"/contacts/?q=person{i}@&channel={CHANNELS[i % 6]}&sort=-revenue" for i in picks]),
    )
    report(
        "list: search by name + stage filter + sort by last seen",
        timed([f"/contacts/?q=First{i % 9973}&stage=customer&sort=-last_seen_at" for i in picks]),
    )
    report(
        "list: location filter + sort by revenue, no search",
        timed([f"/contacts/?location=L{i % 20}&sort=-revenue" for i in picks]),
    )
    report("contact page with its timeline", timed([f"/contacts/{ids[i]}/" for i in picks]))
    report("timeline fragment, nothing new (204)", timed(polls(picks), expect=204))
    heavy = [rng.randrange(busy) for _ in range(requests)]
    report("contact page of a busy contact", timed([f"/contacts/{ids[i]}/" for i in heavy]))
    report("an older page of a busy contact's timeline", timed(older_pages(heavy)))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
