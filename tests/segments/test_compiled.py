"""The change feed's evaluation parses and compiles each definition once per version (its
stored text) and keeps it per process: an edited definition, of the segment itself or of
a segment it refers to, is never decided with the compiled version from before the edit,
even when the edit bypassed the actions (another process, a data fix) and kept the time."""

from datetime import UTC, datetime

import pytest

from pacer.people.models import Contact
from pacer.segments import actions, incremental
from pacer.segments.models import Membership, MembershipChange, Segment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def group(*children):
    return {"type": "group", "op": "and", "negate": False, "children": list(children)}


def stage(value):
    return {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": value}


def members(segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))


@pytest.fixture
def people(workspace):
    return [
        Contact.objects.create(workspace=workspace, email=email, lifecycle_stage=stage_)
        for email, stage_ in [("ann@x.io", "lead"), ("bob@x.io", "customer"), ("cy@x.io", "lead")]
    ]


def edit_behind_the_actions(segment, definition) -> None:
    """A new definition written as another process would, same ``updated_at``, no rebuild."""
    Segment.objects.filter(pk=segment.pk).update(definition=definition)


def test_a_definition_edited_between_deliveries_is_decided_by_its_new_version(workspace, people):
    ann, bob, cy = (p.pk for p in people)
    leads = actions.create_segment(
        workspace, name="Leads", definition=group(stage("lead")), now=NOW
    )
    assert actions.refresh_contacts(workspace, [ann, bob], now=NOW) == 0  # compiled, cached
    assert members(leads) == {ann, cy}

    edit_behind_the_actions(leads, group(stage("customer")))
    assert actions.refresh_contacts(workspace, [ann, bob], now=NOW) == 2

    assert members(leads) == {bob, cy}  # cy was not touched: left for the next rebuild
    changes = MembershipChange.objects.filter(segment=leads, source="feed").order_by("id")
    assert list(changes.values_list("contact_id", "change")) == [(bob, "entered"), (ann, "exited")]
    leads.refresh_from_db()
    assert leads.member_count == 2

    edit_behind_the_actions(leads, group(stage("lead")))  # back to the first text
    assert actions.refresh_contacts(workspace, [ann, bob], now=NOW) == 2
    assert members(leads) == {ann, cy}


def test_a_referred_segment_edited_between_deliveries_is_followed(workspace, people):
    ann, bob, _ = (p.pk for p in people)
    inner = actions.create_segment(
        workspace, name="Inner", definition=group(stage("lead")), now=NOW
    )
    outer = actions.create_segment(
        workspace,
        name="Outer",
        definition=group({"type": "segment", "segment_id": inner.pk}),
        now=NOW,
    )
    assert actions.refresh_contacts(workspace, [ann, bob], now=NOW) == 0
    assert ann in members(outer) and bob not in members(outer)

    edit_behind_the_actions(inner, group(stage("customer")))
    assert actions.refresh_contacts(workspace, [ann, bob], now=NOW) == 4  # both, in both

    assert members(outer) & {ann, bob} == {bob}
    assert members(inner) & {ann, bob} == {bob}


def test_a_version_is_parsed_and_compiled_once_and_an_edit_anew():
    first = group(stage("lead"))
    tree = incremental.parsed(first)
    assert incremental.parsed(dict(first)) is tree  # the same text: the cached tree
    assert incremental.compiled(tree) is incremental.compiled(tree)
    edited = incremental.parsed(group(stage("customer")))
    assert edited is not tree
    assert incremental.compiled(edited) is not incremental.compiled(tree)
