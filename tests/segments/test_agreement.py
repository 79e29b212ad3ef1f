"""The two evaluators agree: for random worlds (contacts, events with properties, orders
with products, consent decisions, lead scores, merged contacts, a static list) and random
nested definitions (referring to a static and a dynamic segment), the full evaluation in
the warehouse (Ibis on DuckDB, after a real sync) and the incremental evaluation in the
operational store select exactly the same contacts; and the change feed, handing the
subscriber the touched contacts, leaves exactly those members recorded."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pacer.core import actions as core_actions
from pacer.core.feed import deliver, publish
from pacer.segments import actions, incremental
from pacer.segments import definition as d
from pacer.segments.evaluation import warehouse_members
from pacer.segments.feed import SUBSCRIBER
from pacer.segments.models import Membership, MembershipChange, Segment
from pacer.warehouse.sync import sync
from tests.segments import world as w

pytestmark = pytest.mark.django_db
_names = itertools.count()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.slow
@given(spec=w.world, data=st.data())
def test_full_and_incremental_evaluations_select_the_same_contacts(spec, data):
    workspace = core_actions.create_workspace(f"World {next(_names)}")
    contact_ids, static_members = w.build(workspace, spec)
    static = w.static_segment(workspace, static_members)
    inner = Segment.objects.create(
        workspace=workspace,
        name="Inner",
        definition=data.draw(w.definitions([static.pk])),
        created_at=w.NOW,
        updated_at=w.NOW,
    )
    tree = d.parse(data.draw(w.definitions([static.pk, inner.pk])))
    sync()
    resolve = actions.resolver(workspace)

    full = warehouse_members(workspace, tree, now=w.NOW, resolve=resolve)
    # the feed's resolver reads static lists only among the contacts it evaluates
    among = actions.resolver(workspace, among=contact_ids)
    step = incremental.evaluate(workspace, {0: tree}, contact_ids, now=w.NOW, resolve=among)[0]

    assert full == step
    live = {c for c, row in zip(contact_ids, spec["contacts"], strict=True) if not row["merged"]}
    assert full <= live | {contact_ids[0]}

    # the feed's own path (definitions parsed and compiled once per version, the
    # segments' present members read among the touched contacts) records the same
    # members, and after an edit between two deliveries, those of the new version
    outer = Segment.objects.create(
        workspace=workspace,
        name="Outer",
        definition=d.dump(tree),
        created_at=w.NOW,
        updated_at=w.NOW,
    )
    actions.refresh_contacts(workspace, contact_ids, now=w.NOW)
    assert _members(outer) == full
    edited = d.parse(data.draw(w.definitions([static.pk, inner.pk])))
    Segment.objects.filter(pk=outer.pk).update(definition=d.dump(edited))
    actions.refresh_contacts(workspace, contact_ids, now=w.NOW)
    assert _members(outer) == warehouse_members(workspace, edited, now=w.NOW, resolve=resolve)


def _members(segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def test_the_feed_keeps_members_equal_to_the_full_evaluation(workspace, monkeypatch):
    """Contacts change one batch at a time; after each delivery the recorded members are
    the full evaluation's, and each entry and exit is recorded once with its time."""
    spec = {
        "contacts": [
            {**base, "email": email, "traits": {"plan": plan}}
            for email, plan in [("a@x.io", "gold"), ("b@x.io", "silver"), ("c@x.io", "gold")]
            for base in [
                {
                    "stage": "lead",
                    "location": "nyc",
                    "revenue": 0,
                    "order_count": 0,
                    "clv": None,
                    "last_order_days": None,
                    "merged": False,
                }
            ]
        ],
        "events": [(0, "Viewed", 1, {}), (0, "Viewed", 2, {}), (1, "Viewed", 3, {})],
        "orders": [],
        "consents": [],
        "leads": [],
        "static_members": set(),
    }
    monkeypatch.setattr("pacer.segments.feed.timezone.now", lambda: w.NOW)
    contact_ids, _ = w.build(workspace, spec)
    definition = {
        "type": "group",
        "children": [
            {"type": "trait", "key": "plan", "op": "eq", "value": "gold"},
            {"type": "event", "event": "Viewed", "count_op": "gte", "count": 2},
        ],
    }
    segment = actions.create_segment(
        workspace, name="Gold viewers", definition=definition, now=w.NOW
    )
    assert set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True)) == {
        contact_ids[0]
    }
    while deliver(SUBSCRIBER):  # what came before the segment
        pass

    from pacer.people.models import Contact

    third = Contact.objects.get(pk=contact_ids[2])
    from pacer.ingest.models import Event

    for n in range(2):
        Event.objects.create(
            workspace=workspace,
            message_id=f"late-{n}",
            contact=third,
            type="track",
            event="Viewed",
            timestamp=w.NOW,
            received_at=w.NOW,
        )
    first = Contact.objects.get(pk=contact_ids[0])
    first.traits = {"plan": "silver"}
    first.save()
    publish(workspace.pk, source="test", contact_ids=[contact_ids[0], contact_ids[2]])
    assert deliver(SUBSCRIBER) == 1

    members = set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))
    sync()
    tree = d.parse(segment.definition)
    assert members == {contact_ids[2]}
    assert members == warehouse_members(
        workspace, tree, now=w.NOW, resolve=actions.resolver(workspace)
    )
    changes = list(
        MembershipChange.objects.filter(segment=segment)
        .order_by("id")
        .values_list("contact_id", "change", "source", "at")
    )
    assert changes == [
        (contact_ids[0], "entered", "full", w.NOW),
        (contact_ids[2], "entered", "feed", w.NOW),
        (contact_ids[0], "exited", "feed", w.NOW),
    ]
    segment.refresh_from_db()
    assert segment.member_count == 1
    # delivered again (a retry): nothing changes, nothing is recorded twice
    actions.refresh_contacts(workspace, [contact_ids[0], contact_ids[2]], now=w.NOW)
    assert MembershipChange.objects.filter(segment=segment).count() == 3
