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
from datetime import UTC, datetime, timedelta
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
    from pacer.people.models import Consent, Contact, Identity, Location, Order

    sqlite = connection.vendor == "sqlite"

    def stamp(seconds: float):
        moment = START + timedelta(seconds=seconds)
        return moment.strftime("%Y-%m-%d %H:%M:%S") if sqlite else moment

    def insert(model, columns: list[str], rows) -> None:
        table = model._meta.db_table
        marks = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
        batch = []
        with connection.cursor() as cursor:
            for row in rows:
                batch.append(row)
                if len(batch) == CHUNK:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)

    rng = random.Random(11)
    busy = max(1, contacts // 100)  # 1% of contacts get 20% of the events

    def busy_or_any() -> int:
        return rng.randrange(busy) if rng.random() < 0.2 else rng.randrange(contacts)

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
    ws = workspace.pk
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
        insert(
            Contact,
            [
                "workspace_id",
                "email",
                "phone",
                "first_name",
                "last_name",
                "traits",
                "location_id",
                "lifecycle_stage",
                "created_at",
                "first_seen_at",
                "last_seen_at",
                "order_count",
                "revenue",
                "acquisition_channel",
                "acquisition_source",
                "acquisition_medium",
                "acquisition_campaign",
                "rfm_code",
                "rfm_segment",
            ],  # fmt: skip
            (
                (
                    ws,
                    f"person{i}@example.test" if i % 5 else "",
                    f"+1555{i:07d}",
                    f"First{i % 9973}",
                    f"Last{i % 7919}",
                    "{}",
                    locations[i % 20],
                    STAGES[i % 3],
                    stamp(0),
                    stamp(i % SPAN_SECONDS),
                    stamp(SPAN_SECONDS - i % 86400),
                    (i % 3 == 0) * (1 + i % 4),
                    (i % 3 == 0) * rng.randrange(100, 90_000) / 100,
                    CHANNELS[i % len(CHANNELS)],
                    "google",
                    "cpc",
                    f"campaign-{i % 40}",
                    "",
                    "",
                )
                for i in range(contacts)
            ),
        )
        first = (
            Contact.objects.filter(workspace=workspace)
            .order_by("id")
            .values_list("id", flat=True)[0]
        )
        ids = range(first, first + contacts)
        insert(
            Identity,
            ["workspace_id", "contact_id", "kind", "value", "created_at"],
            ((ws, first + i, "anonymous_id", f"anon-{i}", stamp(0)) for i in range(contacts)),
        )
        insert(
            Order,
            [
                "workspace_id",
                "external_id",
                "contact_id",
                "location_id",
                "placed_at",
                "currency",
                "total",
                "cost",
                "discount",
            ],  # fmt: skip
            (
                (
                    ws,
                    f"o-{i}",
                    first + i,
                    locations[i % 20],
                    stamp(i % SPAN_SECONDS),
                    "USD",
                    "42.50",
                    "10.00",
                    "0",
                )
                for i in range(0, contacts, 3)
            ),  # fmt: skip
        )
        insert(
            Consent,
            [
                "workspace_id",
                "contact_id",
                "channel",
                "purpose",
                "granted",
                "source",
                "wording",
                "recorded_at",
            ],  # fmt: skip
            (
                (
                    ws,
                    first + i,
                    "email",
                    "marketing",
                    i % 20 != 0,
                    "form",
                    "Offers by email",
                    stamp(i % SPAN_SECONDS),
                )
                for i in range(0, contacts, 4)
            ),  # fmt: skip
        )
        insert(
            Event,
            [
                "workspace_id",
                "message_id",
                "contact_id",
                "type",
                "event",
                "name",
                "user_id",
                "anonymous_id",
                "timestamp",
                "received_at",
                "pending",
                "channel",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "properties",
                "context",
                "quarantine_reason",
            ],  # fmt: skip
            (
                (
                    ws,
                    f"e-{n}",
                    first + busy_or_any(),
                    "track",
                    EVENT_NAMES[n % 4],
                    "",
                    "",
                    "",
                    stamp(rng.randrange(SPAN_SECONDS)),
                    stamp(SPAN_SECONDS),
                    False,
                    CHANNELS[n % 6],
                    "google",
                    "cpc",
                    f"campaign-{n % 40}",
                    '{"sku": "S1", "price": 19.5}',
                    "{}",
                    "",
                )
                for n in range(events)
            ),  # fmt: skip
        )
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

    picks = [rng.randrange(contacts) for _ in range(requests)]
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
