"""A broadcast's page with per-recipient outcomes on a big broadcast: each message's
first open, first click, bounce, complaint and problem are correlated subqueries of the
table's one query (``pacer.messaging.selectors.messages_of``). Measures the whole page
request (test client, page rendered, count included) for the first page, the first page
sorted by first click, and the *Clicked* filter, with the queries each makes; and
revenue after click alone (``outcomes.revenue_after_click``: the clicking recipients'
merged ids, then their orders), with one contact in a hundred merged into its neighbour
and an order after each click; and the broadcast's counts per status alone
(``selectors.broadcast``).

    .venv/bin/python benchmarks/messaging_outcomes.py [MESSAGES] [RUNS]

Prints the median and range of RUNS runs of each, with the process's CPU time.
"""

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from _common import django_in_temp_dir
from _messaging import cpu_seconds
from contacts_table import show, timed


def main(messages: int = 10_000, runs: int = 9) -> None:
    django_in_temp_dir("pacer-bench-outcomes-")
    from django.db import connection
    from django.test import Client

    from pacer.core import actions as core
    from pacer.messaging import actions, outcomes, selectors
    from pacer.messaging.models import Broadcast, Message, MessageEvent
    from pacer.people.models import Contact, Order

    workspace = core.create_workspace("Bench", slug="bench")
    admin = core.create_user(workspace, "bench", "long-password-1", "admin")
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>Hi</p>")
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    broadcast = Broadcast.objects.create(
        workspace=workspace, name="Big", template=template, sender=sender, status="sent"
    )
    rng, sent = random.Random(7), datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    contacts = Contact.objects.bulk_create(
        [
            Contact(workspace=workspace, email=f"p{i}@x.test", first_name=f"P{i}")
            for i in range(messages)
        ],
        batch_size=5000,
    )
    rows = Message.objects.bulk_create(
        [
            Message(
                workspace=workspace,
                broadcast=broadcast,
                contact_id=c.pk,
                email=c.email,
                status="sent",
                sent_at=sent,
            )
            for c in contacts
        ],
        batch_size=5000,
    )
    events = []
    for message in rows:
        for kind, share in (("open", 0.4), ("click", 0.1), ("bounce", 0.02), ("complaint", 0.005)):
            if rng.random() < share:
                at = sent + timedelta(minutes=rng.randrange(1, 3000))
                events.append(MessageEvent(workspace=workspace, message=message, kind=kind, at=at))
    MessageEvent.objects.bulk_create(events, batch_size=5000)
    losers = contacts[1::100]
    for loser, winner in zip(losers, contacts[0::100], strict=False):
        loser.merged_into = winner
    Contact.objects.bulk_update(losers, ["merged_into"], batch_size=5000)
    Order.objects.bulk_create(
        [
            Order(
                workspace=workspace,
                external_id=f"o-{number}",
                contact_id=event.message.contact_id,
                placed_at=event.at + timedelta(days=1),
                total=Decimal("10.00"),
                currency=workspace.currency,
            )
            for number, event in enumerate(e for e in events if e.kind == "click")
        ],
        batch_size=5000,
    )
    print(
        f"{messages:,} messages, {len(events):,} events, {len(losers)} contacts merged "
        f"({connection.vendor})"
    )

    def revenue():
        return outcomes.revenue_after_click(workspace, broadcast)

    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *rest: queries.append(sql) or execute(sql, *rest)
    ):
        found = revenue()
    before, started = cpu_seconds(), time.perf_counter()
    show("revenue after click alone", timed(revenue, runs))
    wall, cpu = time.perf_counter() - started, cpu_seconds() - before
    print(
        f"  {found['orders']:,} orders, {found['revenue']} {found['currency']}; "
        f"{len(queries)} queries; CPU {cpu:.2f} s of {wall:.2f} s wall"
    )

    def status_counts():
        return selectors.broadcast(workspace, broadcast.pk)

    before, started = cpu_seconds(), time.perf_counter()
    show("status counts alone (selectors.broadcast)", timed(status_counts, runs))
    wall, cpu = time.perf_counter() - started, cpu_seconds() - before
    counted = status_counts()
    print(
        f"  sent {counted.sent:,}, failed {counted.failed:,}, queued {counted.queued:,}; "
        f"CPU {cpu:.2f} s of {wall:.2f} s wall"
    )

    client = Client()
    client.force_login(admin)
    url = f"/messages/broadcasts/{broadcast.pk}/"
    for label, query in (
        ("first page", ""),
        ("sorted by first click", "?sort=-clicked_at"),
        ("Clicked filter", "?outcome=clicked"),
    ):

        def page(q=query):
            response = client.get(url + q)
            assert response.status_code == 200, response.status_code

        queries = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            page()
        before = cpu_seconds()
        started = time.perf_counter()
        show(f"{label}: whole request", timed(page, runs))
        wall = time.perf_counter() - started
        cpu = cpu_seconds() - before
        print(f"  {len(queries)} queries per request; CPU {cpu:.2f} s of {wall:.2f} s wall")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
