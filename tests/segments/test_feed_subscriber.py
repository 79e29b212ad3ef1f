"""The segments' change-feed subscriber (``pacer.segments.feed``): one delivery of several
batches re-evaluates, per workspace, the contacts the batches name and both sides of each
merge they carry, at the delivery's time, and no one else."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.actions import create_workspace
from pacer.core.feed import deliver, publish
from pacer.people.models import Contact, Order
from pacer.segments import actions, incremental
from pacer.segments import definition as d
from pacer.segments.feed import SUBSCRIBER
from pacer.segments.models import Membership, MembershipChange

pytestmark = pytest.mark.django_db
CREATED = datetime(2026, 11, 30, 9, tzinfo=UTC)
DELIVERED = datetime(2026, 11, 30, 12, tzinfo=UTC)
LEADS = {
    "type": "group",
    "op": "and",
    "negate": False,
    "children": [{"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "lead"}],
}


def members(segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def changes(segment) -> set[tuple]:
    return set(
        MembershipChange.objects.filter(segment=segment).values_list(
            "contact_id", "change", "at", "source"
        )
    )


def test_one_delivery_refreshes_the_named_contacts_and_both_sides_of_each_merge_per_workspace(
    workspace, monkeypatch
):
    monkeypatch.setattr("pacer.segments.feed.timezone.now", lambda: DELIVERED)
    ann, bob, cy, dee = (
        Contact.objects.create(workspace=workspace, email=f"{name}@x.io", lifecycle_stage=stage)
        for name, stage in [("ann", "lead"), ("bob", "customer"), ("cy", "lead"), ("dee", "lead")]
    )
    other = create_workspace("Other", slug="other")
    eve = Contact.objects.create(workspace=other, email="eve@x.io", lifecycle_stage="customer")
    ours = actions.create_segment(workspace, name="Leads", definition=LEADS, now=CREATED)
    theirs = actions.create_segment(other, name="Leads", definition=LEADS, now=CREATED)
    assert (members(ours), members(theirs)) == ({ann.pk, cy.pk, dee.pk}, set())
    while deliver(SUBSCRIBER):  # whatever came before
        pass

    Contact.objects.filter(pk=ann.pk).update(lifecycle_stage="customer")
    publish(workspace.pk, source="test", contact_ids=[ann.pk])
    # cy merges into bob, who is a lead now: the batch names no contact, only the merge
    Contact.objects.filter(pk=cy.pk).update(merged_into=bob)
    Contact.objects.filter(pk=bob.pk).update(lifecycle_stage="lead")
    publish(workspace.pk, source="merge", merges=[(cy.pk, bob.pk)])
    Contact.objects.filter(pk=eve.pk).update(lifecycle_stage="lead")
    publish(other.pk, source="test", contact_ids=[eve.pk])
    # dee changes but no batch names her: left as she was
    Contact.objects.filter(pk=dee.pk).update(lifecycle_stage="customer")

    assert deliver(SUBSCRIBER) == 3
    assert members(ours) == {bob.pk, dee.pk}
    assert changes(ours) == {
        *((c.pk, "entered", CREATED, "full") for c in (ann, cy, dee)),
        (ann.pk, "exited", DELIVERED, "feed"),
        (cy.pk, "exited", DELIVERED, "feed"),
        (bob.pk, "entered", DELIVERED, "feed"),
    }
    assert members(theirs) == {eve.pk}
    assert changes(theirs) == {(eve.pk, "entered", DELIVERED, "feed")}
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.member_count, theirs.member_count) == (2, 1)
    assert deliver(SUBSCRIBER) == 0


def test_the_feeds_evaluation_loads_orders_and_decides_windows_at_its_time(workspace):
    """``incremental.evaluate`` over real contacts: orders are loaded when a definition
    asks about them, and a window ends at the time it is given."""
    ann = Contact.objects.create(
        workspace=workspace, email="ann@x.io", last_seen_at=DELIVERED - timedelta(days=2)
    )
    bob = Contact.objects.create(
        workspace=workspace, email="bob@x.io", last_seen_at=DELIVERED - timedelta(days=9)
    )
    Order.objects.create(workspace=workspace, contact=bob, placed_at=DELIVERED, total="30")
    trees = {
        1: d.parse({"type": "group", "children": [{"type": "orders", "measure": "revenue"}]}),
        2: d.parse(
            {
                "type": "group",
                "children": [
                    {"type": "field", "field": "last_seen_at", "op": "within_days", "value": 7}
                ],
            }
        ),
    }
    found = incremental.evaluate(
        workspace, trees, [ann.pk, bob.pk], now=DELIVERED, resolve=lambda segment_id: None
    )
    assert (found[1], found[2]) == ({bob.pk}, {ann.pk})
