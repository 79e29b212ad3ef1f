"""Event processing and acceptance killed at the moments that matter, and run concurrently.

A real processor process is started with a ``pacer.core.faults`` point armed and dies
there with SIGKILL; after each death the invariants hold (an event is processed exactly
when its contact, identities, orders, consents and change-feed batch are written), and
once processing is run to its end the workspace is exactly what a clean run gives.
"""

import random
import time
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.utils import timezone

from pacer.core import actions as core_actions
from pacer.core.models import ChangeBatch
from pacer.ingest.actions import accept
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.people.commerce import MAX_AMOUNT
from pacer.people.models import Account, Consent, Contact, Identity, Order, OrderLine, Product
from tests.ingest.live import processor, run_accept, run_processor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
CHUNK = 25
SIGKILL = -9


def stream(people: int, rounds: int = 3) -> list[dict]:
    """Visits, sign-ups, orders, consents, companies and aliases (merges) of ``people``,
    with one order that processing must quarantine (its catalogue cost overflows)."""
    messages: list[dict] = []
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)

    def add(message: dict) -> None:
        n = len(messages)
        when = (start + timedelta(minutes=n)).isoformat()
        messages.append({"messageId": f"m{n}", "timestamp": when, **message})

    for turn in range(rounds):
        for i in range(people):
            anon, user = f"anon-{i}", f"user-{i}"
            who = {"userId": user} if turn and i % 2 == 0 else {"anonymousId": anon}
            add({"type": "page", **who, "name": "Home", "context": {"campaign": {"source": "g"}}})
            if turn == 0 and i % 2 == 0:
                traits = {"email": f"p{i}@example.test", "firstName": f"P{i}", "tier": turn}
                add({"type": "identify", "anonymousId": anon, "userId": user, "traits": traits})
            if turn and i % 3 == 0:
                product = {"sku": f"sku-{i % 4}", "price": 10 + i, "quantity": 1 + turn}
                properties = {"order_id": f"o{i}-{turn}", "products": [product]}
                add({"type": "track", "event": "Order Completed", **who, "properties": properties})
            if turn == 1 and i % 5 == 0:
                consent = {"channel": "email", "purpose": "marketing", "granted": i % 2 == 0}
                add({"type": "track", "event": "Consent Updated", **who, "properties": consent})
            if turn == rounds - 1 and i % 7 == 0:
                group = {"groupId": f"g{i % 2}", "traits": {"name": f"Co {i % 2}", f"k{i}": i}}
                add({"type": "group", **who, **group})
            if turn == rounds - 1 and i % 6 == 0 and i + 1 < people:
                add({"type": "alias", "userId": user, "previousId": f"anon-{i + 1}"})
            if turn == rounds - 1 and i == people // 2:
                poison = {"order_id": "yachts", "products": [{"sku": "yacht", "quantity": 1000}]}
                add({"type": "track", "event": "Order Completed", **who, "properties": poison})
    return messages


def new_workspace(slug: str):
    workspace = core_actions.create_workspace(slug, slug=slug)
    Product.objects.create(workspace=workspace, sku="yacht", unit_cost=MAX_AMOUNT)
    return workspace


def clean_run(messages: list[dict]):
    """The same messages accepted and processed in another workspace, undisturbed."""
    workspace = new_workspace("clean")
    accept(workspace, messages, received_at=timezone.now())
    process_pending(workspace, chunk=CHUNK)
    return workspace


def snapshot(workspace) -> dict:
    """Everything processing wrote, with contacts named by their identifiers (ids differ
    between workspaces)."""
    owned: dict[int, set] = {}
    for contact_id, kind, value in Identity.objects.filter(workspace=workspace).values_list(
        "contact_id", "kind", "value"
    ):
        owned.setdefault(contact_id, set()).add((kind, value))

    def who(contact_id):
        return tuple(sorted(owned.get(contact_id, ()))) if contact_id else None

    contacts = Contact.objects.filter(workspace=workspace)
    return {
        "contacts": sorted(
            (
                who(c.pk),
                c.email,
                c.first_name,
                c.lifecycle_stage,
                c.order_count,
                c.revenue,
                c.first_seen_at,
                c.last_seen_at,
                c.lead_at,
                c.customer_at,
                c.last_order_at,
                c.acquisition_channel,
                orjson.dumps(c.traits, option=orjson.OPT_SORT_KEYS),
                c.account.group_id if c.account else None,
            )
            for c in contacts.filter(merged_into__isnull=True).select_related("account")
        ),
        "merged": contacts.filter(merged_into__isnull=False).count(),
        "orders": sorted(
            (o.external_id, who(o.contact_id), o.total, o.cost, o.placed_at)
            for o in Order.objects.filter(workspace=workspace)
        ),
        "lines": sorted(
            OrderLine.objects.filter(workspace=workspace).values_list(
                "order__external_id", "sku", "quantity", "unit_price"
            )
        ),
        "events": sorted(
            (e.message_id, e.pending, e.quarantined_at is not None, who(e.contact_id))
            for e in Event.objects.filter(workspace=workspace)
        ),
        "consents": sorted(
            (who(c.contact_id), c.channel, c.purpose, c.granted, c.recorded_at)
            for c in Consent.objects.filter(workspace=workspace)
        ),
        "accounts": sorted(
            (a.group_id, a.name, orjson.dumps(a.traits, option=orjson.OPT_SORT_KEYS))
            for a in Account.objects.filter(workspace=workspace)
        ),
        "products": sorted(
            Product.objects.filter(workspace=workspace).values_list("sku", "name", "price")
        ),
    }


def announced_event_ids(workspace) -> list[int]:
    """The ids of the events the change feed says were processed, with repeats."""
    ids = []
    for first, last in ChangeBatch.objects.filter(workspace=workspace, source="events").values_list(
        "first_event_id", "last_event_id"
    ):
        ids += Event.objects.filter(workspace=workspace, id__range=(first, last)).values_list(
            "id", flat=True
        )
    return ids


def assert_consistent(workspace) -> None:
    """Whatever point processing died at: an event is processed exactly when what it
    writes is written, and the change feed announced each processed event once."""
    events = Event.objects.filter(workspace=workspace)
    processed = events.filter(pending=False, quarantined_at__isnull=True)
    assert not processed.filter(contact__isnull=True).exists()
    assert not events.filter(pending=True, contact__isnull=False).exists()
    assert sorted(announced_event_ids(workspace)) == sorted(processed.values_list("id", flat=True))
    ordered = processed.filter(event="Order Completed")
    assert sorted(
        Order.objects.filter(workspace=workspace).values_list("external_id", flat=True)
    ) == (sorted(str(e.properties["order_id"]) for e in ordered))
    # every contact came from a processed event (merged ones keep no events)
    unexplained = Contact.objects.filter(workspace=workspace, merged_into__isnull=True).exclude(
        pk__in=processed.values("contact_id")
    )
    assert not unexplained.exists()
    consents = processed.filter(event="Consent Updated").count()
    assert Consent.objects.filter(workspace=workspace).count() == consents
    assert not events.filter(quarantined_at__isnull=False, contact__isnull=False).exists()


FAULTS = [
    "process.planned:1",  # planned from reads, nothing locked
    "process.locked:1",  # holding the workspace lock, nothing written
    "process.written:1",  # everything written, before COMMIT
    "process.committed:2",  # a chunk committed, the next one killed after its commit
    "process.written:2",  # a chunk committed, the next killed before its commit
    # a chunk committed; the next (orders, consents) killed with contacts, identities,
    # orders and consents written but its events not yet marked processed
    "process.profiles-written:2",
    "process.quarantined:1",  # a failing event set aside, before COMMIT
]


def test_processing_killed_at_each_point_loses_and_doubles_nothing():
    messages = stream(36)
    expected = snapshot(clean_run(messages))
    workspace = new_workspace("crashed")
    accept(workspace, messages, received_at=timezone.now())
    for fault in FAULTS:
        status, output = run_processor(fault=fault, chunk=CHUNK)
        assert status == SIGKILL, f"{fault} was not reached: {output[-2000:]}"
        assert_consistent(workspace)
    status, output = run_processor(chunk=CHUNK)
    assert status == 0, output[-2000:]
    assert_consistent(workspace)
    assert not Event.objects.filter(workspace=workspace, pending=True).exists()
    assert snapshot(workspace) == expected
    assert Event.objects.get(
        workspace=workspace,
        message_id__in=[
            m["messageId"] for m in messages if m.get("properties", {}).get("order_id") == "yachts"
        ],
    ).quarantine_reason.startswith("order.cost:")


def test_processing_killed_at_moments_the_test_chooses_ends_as_a_clean_run():
    chooser = random.Random(20261201)
    messages = stream(60)
    expected = snapshot(clean_run(messages))
    workspace = new_workspace("crashed")
    accept(workspace, messages, received_at=timezone.now())
    pending = Event.objects.filter(workspace=workspace, pending=True)
    kills = []
    for _ in range(4):
        before = pending.count()
        running = processor(chunk=10)
        deadline = time.monotonic() + 60
        # wait until it is writing, then let it run a moment chosen at random
        while pending.count() == before and running.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        delay = chooser.uniform(0, 0.3)
        time.sleep(delay)
        running.kill()
        running.communicate()
        kills.append((round(delay, 3), before - pending.count()))
        assert_consistent(workspace)
    status, output = run_processor(chunk=10)
    assert status == 0, output[-2000:]
    assert_consistent(workspace)
    assert snapshot(workspace) == expected, f"killed after (delay, processed): {kills}"


ACCEPT_FAULTS = [
    ("accept.checked", False),  # duplicates checked, nothing inserted
    ("accept.before-commit", False),  # inserted, before COMMIT
    ("accept.committed", True),  # committed, killed before acknowledging
]


@pytest.mark.parametrize(("fault", "committed"), ACCEPT_FAULTS)
def test_acceptance_killed_at_each_point_loses_no_acknowledged_event_and_doubles_none(
    fault, committed
):
    workspace = new_workspace("site")
    first, second = stream(4)[:5], stream(4)[5:12]
    assert [r.status for r in accept(workspace, first, received_at=timezone.now())] == (
        ["accepted"] * 5
    )
    # the second batch's process dies: no acknowledgement, so the SDK sends it again
    status, output = run_accept("site", first + second, fault=fault)
    assert status == SIGKILL, output
    stored = set(Event.objects.filter(workspace=workspace).values_list("message_id", flat=True))
    expected = {m["messageId"] for m in first + (second if committed else [])}
    assert stored == expected
    retried = accept(workspace, second, received_at=timezone.now())
    assert [r.status for r in retried] == ["duplicate" if committed else "accepted"] * 7
    assert Event.objects.filter(workspace=workspace).count() == 12


def test_two_processors_at_once_never_write_the_same_events():
    workspace = new_workspace("busy")
    visitors = [{"type": "page", "messageId": f"v{i}", "anonymousId": f"a{i}"} for i in range(60)]
    accept(workspace, visitors, received_at=timezone.now())
    process_pending(workspace)
    # only returning visitors: no new identifier whose unique key would stop a double write
    visits = [
        {"type": "page", "messageId": f"p{i}", "anonymousId": f"a{i % 60}", "name": f"{i}"}
        for i in range(2000)
    ]
    accept(workspace, visits, received_at=timezone.now())
    first, second = processor(chunk=40), processor(chunk=40)
    counts = []
    for running in (first, second):
        out, err = running.communicate(timeout=300)
        assert running.returncode == 0, err[-2000:]
        counts.append(int(out.split()[-1]))
    assert sum(counts) == 2000, counts
    assert_consistent(workspace)
    assert Contact.objects.filter(workspace=workspace).count() == 60
    assert not Event.objects.filter(workspace=workspace, pending=True).exists()
