"""The change feed's side of segment membership (``actions.refresh_contacts`` and the
writes it shares with the full rebuild, ``actions.record_changes``), with exact values:
every dynamic segment of the workspace re-evaluated for the contacts given and for no
one else, entries and exits recorded once at the delivery's time as ``feed``, member
counts moved by the difference, static lists and other workspaces left alone, and the
same members as a full rebuild of each segment."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core.actions import create_workspace
from pacer.people import selectors as people_selectors
from pacer.people.models import Contact
from pacer.segments import actions
from pacer.segments.models import Membership, MembershipChange, Segment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)
LATER = NOW + timedelta(hours=1)


def group(*children, op="and"):
    return {"type": "group", "op": op, "negate": False, "children": list(children)}


def stage(value):
    return {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": value}


def members(segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def changes(segment) -> list[tuple]:
    return list(
        MembershipChange.objects.filter(segment=segment)
        .order_by("id")
        .values_list("contact_id", "change", "at", "source")
    )


def count(segment) -> int:
    return Segment.objects.get(pk=segment.pk).member_count


@pytest.fixture
def people(workspace):
    return [
        Contact.objects.create(workspace=workspace, email=email, lifecycle_stage=stage_)
        for email, stage_ in [("ann@x.io", "lead"), ("bob@x.io", "customer"), ("cy@x.io", "lead")]
    ]


def test_the_feed_moves_contacts_in_and_out_of_every_dynamic_segment_at_once(workspace, people):
    ann, bob, cy = people
    leads = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    buyers = actions.create_segment(
        workspace, name="Buyers", definition=group(stage("customer")), now=NOW
    )
    vip = actions.create_segment(workspace, name="VIP", kind="static", now=NOW)
    actions.add_members(workspace, vip, [bob.pk])
    vip_changes = changes(vip)
    other = create_workspace("Other", slug="other")
    dan = Contact.objects.create(workspace=other, email="dan@x.io", lifecycle_stage="lead")
    theirs = actions.create_segment(other, name="Leads", definition=group(stage("customer")))
    # Ann became a customer and Bob a lead; Cy changed too, but the feed does not name him
    Contact.objects.filter(pk=ann.pk).update(lifecycle_stage="customer")
    Contact.objects.filter(pk=bob.pk).update(lifecycle_stage="lead")
    Contact.objects.filter(pk=cy.pk).update(lifecycle_stage="customer")
    Contact.objects.filter(pk=dan.pk).update(lifecycle_stage="customer")

    assert actions.refresh_contacts(workspace, [bob.pk, ann.pk, bob.pk], now=LATER) == 4

    assert members(leads) == {bob.pk, cy.pk} and count(leads) == 2
    assert members(buyers) == {ann.pk} and count(buyers) == 1
    assert changes(leads)[2:] == [
        (bob.pk, "entered", LATER, "feed"),
        (ann.pk, "exited", LATER, "feed"),
    ]
    assert changes(buyers) == [
        (bob.pk, "entered", NOW, "full"),
        (ann.pk, "entered", LATER, "feed"),
        (bob.pk, "exited", LATER, "feed"),
    ]
    assert members(vip) == {bob.pk} and changes(vip) == vip_changes and count(vip) == 1
    assert members(theirs) == set() and changes(theirs) == []
    # a delivery again (a retry) changes nothing and records nothing
    assert actions.refresh_contacts(workspace, [ann.pk, bob.pk], now=LATER) == 0
    assert len(changes(leads)) == 4 and len(changes(buyers)) == 3
    assert count(leads) == 2 and count(buyers) == 1


def test_the_feed_agrees_with_a_full_rebuild_of_each_segment(workspace, people):
    ann, bob, cy = people
    leads = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    vip = actions.create_segment(workspace, name="VIP", kind="static", now=NOW)
    actions.add_members(workspace, vip, [ann.pk, cy.pk])
    vip_leads = actions.create_segment(
        workspace,
        name="VIP leads",
        definition=group({"type": "segment", "segment_id": vip.pk}, stage("lead")),
        now=NOW,
    )
    not_leads = actions.create_segment(
        workspace,
        name="Not leads",
        definition=group({"type": "segment", "segment_id": leads.pk, "member": False}),
        now=NOW,
    )
    assert members(vip_leads) == {ann.pk, cy.pk} and members(not_leads) == {bob.pk}
    Contact.objects.filter(pk__in=[ann.pk, bob.pk]).update(lifecycle_stage="subscriber")
    Contact.objects.filter(pk=cy.pk).update(lifecycle_stage="customer")

    assert actions.refresh_contacts(workspace, [ann.pk, bob.pk, cy.pk], now=LATER) == 6

    fed = {s.name: members(s) for s in (leads, vip_leads, not_leads)}
    assert fed == {"Leads": set(), "VIP leads": set(), "Not leads": {ann.pk, bob.pk, cy.pk}}
    for segment in (leads, vip_leads, not_leads):
        assert actions.rebuild(workspace, segment, now=LATER) == (0, 0), segment.name
        assert count(segment) == len(fed[segment.name])


def test_the_feed_with_no_contacts_or_no_dynamic_segment_writes_nothing(workspace, people):
    ann = people[0]
    vip = actions.create_segment(workspace, name="VIP", kind="static", now=NOW)
    actions.add_members(workspace, vip, [ann.pk])
    assert actions.refresh_contacts(workspace, [ann.pk], now=LATER) == 0
    leads = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    Contact.objects.filter(pk=ann.pk).update(lifecycle_stage="customer")
    assert actions.refresh_contacts(workspace, [], now=LATER) == 0
    assert ann.pk in members(leads) and len(changes(leads)) == 2
    assert members(vip) == {ann.pk} and len(changes(vip)) == 1


def test_exits_of_more_contacts_than_one_statement_takes_are_all_recorded(workspace, monkeypatch):
    leads = [
        Contact.objects.create(workspace=workspace, email=f"p{n}@x.io", lifecycle_stage="lead")
        for n in range(5)
    ]
    segment = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    kept = actions.create_segment(workspace, name="Kept", definition=group(stage("lead")), now=NOW)
    monkeypatch.setattr(people_selectors, "CHUNK", 2)  # three statements for five exits
    Contact.objects.filter(workspace=workspace).update(lifecycle_stage="customer")
    ids = [p.pk for p in leads]

    changed = actions.record_changes(
        workspace.pk, {segment.pk: ([], ids)}, now=LATER, source="feed"
    )

    assert changed == 5
    assert members(segment) == set() and count(segment) == 0
    assert [c[1:] for c in changes(segment)[5:]] == [("exited", LATER, "feed")] * 5
    assert members(kept) == set(ids) and count(kept) == 5
