"""Identity resolution does not depend on how activity is batched: a random mix of
identify, alias, track and CSV-import operations over a small pool of identifiers ends
with the same people (the same partition of identifiers, the same orders and revenue per
person) whether each operation is ingested alone or events are grouped into random
batches processed in random chunk sizes."""

import itertools
import os
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from pacer.core import actions
from pacer.ingest import csv_io
from pacer.ingest.actions import ingest
from pacer.people import selectors
from pacer.people.models import Contact, Identity, Order
from pacer.people.resolution import normalise

pytestmark = pytest.mark.django_db

USERS = ["u1", "u2"]
ANONS = ["a1", "a2", "a3"]
EMAILS = ["e1@x.com", "E1@x.com ", "e2@x.com"]
PHONES = ["+1 555 010 0001", "+1 (555) 010-0001", "+1 555 010 0002"]
_workspaces = itertools.count()

maybe = st.none().__or__
cents = st.integers(min_value=1, max_value=5000)
who = st.tuples(maybe(st.sampled_from(USERS)), maybe(st.sampled_from(ANONS))).filter(any)
identify = st.tuples(
    st.just("identify"), who, maybe(st.sampled_from(EMAILS)), maybe(st.sampled_from(PHONES))
)
track = st.tuples(st.just("page"), who)
order = st.tuples(st.just("order"), who, cents)
alias = st.tuples(st.just("alias"), st.sampled_from(USERS), st.sampled_from(ANONS + USERS))
csv_contact = st.tuples(
    st.just("csv_contact"),
    st.tuples(
        maybe(st.sampled_from(USERS)),
        maybe(st.sampled_from(EMAILS)),
        maybe(st.sampled_from(PHONES)),
    ).filter(any),
)
csv_order = st.tuples(
    st.just("csv_order"),
    st.tuples(maybe(st.sampled_from(USERS)), maybe(st.sampled_from(EMAILS))).filter(any),
    cents,
)
operations = st.lists(
    st.one_of(identify, track, order, alias, csv_contact, csv_order), min_size=1, max_size=14
)


def as_message(op, number: int) -> dict:
    """A Segment message for an event operation (the n-th operation of the run)."""
    kind = op[0]
    raw = {"messageId": f"m{number}", "timestamp": f"2026-03-01T10:{number:02d}:00Z"}
    if kind == "alias":
        return {**raw, "type": "alias", "userId": op[1], "previousId": op[2]}
    user, anon = op[1]
    raw |= {k: v for k, v in (("userId", user), ("anonymousId", anon)) if v}
    if kind == "identify":
        traits = {k: v for k, v in (("email", op[2]), ("phone", op[3])) if v}
        return {**raw, "type": "identify", "traits": traits}
    if kind == "order":
        properties = {"order_id": f"o{number}", "total": str(Decimal(op[2]) / 100)}
        return {**raw, "type": "track", "event": "Order Completed", "properties": properties}
    return {**raw, "type": "page", "context": {"page": {"url": "https://s.test/"}}}


def run_import(workspace, op, number: int) -> None:
    if op[0] == "csv_contact":
        user, email, phone = op[1]
        row = {"user_id": user or "", "email": (email or "").strip(), "phone": phone or ""}
        text = "user_id,email,phone\n" + ",".join(row.values()) + "\n"
        report = csv_io.import_contacts(workspace, text, {c: c for c in row})
    else:
        user, email = op[1]
        total = Decimal(op[2]) / 100
        text = f"order_id,user_id,email,placed_at,total\nc{number},{user or ''},"
        text += f"{(email or '').strip()},2026-03-01T10:{number:02d}:00,{total}\n"
        columns = ["order_id", "user_id", "email", "placed_at", "total"]
        report = csv_io.import_orders(workspace, text, {c: c for c in columns})
    assert report.ok, report.rejected


def replay(operations, batch_sizes: list[int], chunk: int):
    """Apply the operations in a new workspace: consecutive events in batches of the
    given sizes (cycled), processed ``chunk`` events at a time; imports in between."""
    workspace = actions.create_workspace("Replay", slug=f"replay-{next(_workspaces)}")
    sizes = itertools.cycle(batch_sizes)
    pending: list[dict] = []

    def flush() -> None:
        while pending:
            batch = pending[: next(sizes)]
            del pending[: len(batch)]
            with override_settings(INGEST_PROCESS_CHUNK=chunk):
                results = ingest(workspace, batch, received_at=timezone.now())
            assert {r.status for r in results} == {"accepted"}, results

    for number, op in enumerate(operations):
        if op[0].startswith("csv_"):
            flush()
            run_import(workspace, op, number)
        else:
            pending.append(as_message(op, number))
    flush()
    return people(workspace)


def people(workspace) -> dict[frozenset, tuple]:
    """Each live person as the set of their identifiers, with their orders and revenue
    (checked against the order rows they own), email, stage and first-seen time."""
    identifiers: dict[int, set] = {}
    for kind, value, contact_id in Identity.objects.filter(workspace=workspace).values_list(
        "kind", "value", "contact_id"
    ):
        survivor = selectors.contact(workspace, contact_id)
        identifiers.setdefault(survivor.pk, set()).add((kind, value))
    result = {}
    for contact in Contact.objects.filter(workspace=workspace, merged_into=None):
        orders = list(Order.objects.filter(contact=contact).values_list("total", flat=True))
        assert (contact.order_count, Decimal(contact.revenue)) == (len(orders), sum(orders, 0))
        key = frozenset(identifiers.get(contact.pk, ()))
        assert key, f"contact {contact.pk} has no identifier"
        result[key] = (
            contact.order_count,
            Decimal(contact.revenue),
            contact.email,
            contact.lifecycle_stage,
            contact.first_seen_at,
        )
    assert not Order.objects.filter(workspace=workspace).exclude(contact__merged_into=None).exists()
    return result


@settings(
    max_examples=int(os.environ.get("PACER_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operations=operations,
    batch_sizes=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=4),
    chunk=st.integers(min_value=1, max_value=5),
)
def test_people_do_not_depend_on_how_activity_is_batched(db, operations, batch_sizes, chunk):
    note(f"operations={operations!r} batch_sizes={batch_sizes!r} chunk={chunk!r}")
    one_by_one = replay(operations, [1], chunk=1000)
    batched = replay(operations, batch_sizes, chunk=chunk)
    assert batched == one_by_one


def test_pool_spellings_normalise_as_intended():
    """The pool has two spellings of one email and of one phone, and one of each apart."""
    assert len({normalise("email", e) for e in EMAILS}) == 2
    assert len({normalise("phone", p) for p in PHONES}) == 2
