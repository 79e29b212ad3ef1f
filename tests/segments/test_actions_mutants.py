"""Rules of ``pacer.segments.actions`` that its seeded mutant sample (stop 40, ``8:4010``)
showed no test pinned: each test here fails on the mutants named in docs/testing.md."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.ingest.models import Event
from pacer.people import selectors as people_selectors
from pacer.people.models import Contact
from pacer.segments import actions
from pacer.segments.models import Membership, MembershipChange, Segment

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 12, 5, 12, tzinfo=UTC)


def members(segment) -> set[int]:
    return set(Membership.objects.filter(segment=segment).values_list("contact_id", flat=True))


def changes(segment) -> list[tuple[int, str, str]]:
    return list(
        MembershipChange.objects.filter(segment=segment)
        .order_by("id")
        .values_list("contact_id", "change", "source")
    )


@pytest.fixture
def five(workspace) -> list[int]:
    return [Contact.objects.create(workspace=workspace, email=f"p{n}@x.io").pk for n in range(5)]


def test_members_added_and_removed_by_hand_are_recorded_as_manual(workspace, five):
    segment = actions.create_segment(workspace, name="Hand", kind="static")
    assert actions.add_members(workspace, segment, five[:2]) == 2
    assert actions.remove_members(workspace, segment, five[:1]) == 1
    assert changes(segment) == [
        (five[0], "entered", "manual"),
        (five[1], "entered", "manual"),
        (five[0], "exited", "manual"),
    ]


def test_removing_more_members_than_one_statement_reads_removes_every_one(
    workspace, five, monkeypatch
):
    segment = actions.create_segment(workspace, name="Hand", kind="static")
    actions.add_members(workspace, segment, five)
    monkeypatch.setattr(people_selectors, "CHUNK", 2)  # the members read in three statements

    assert actions.remove_members(workspace, segment, five) == 5

    assert members(segment) == set()
    assert Segment.objects.get(pk=segment.pk).member_count == 0
    assert [c for c in changes(segment) if c[1] == "exited"] == [
        (pk, "exited", "manual") for pk in five
    ]


def test_a_full_evaluation_reads_the_events_a_referred_dynamic_segment_needs(workspace, five):
    for n, contact_id in enumerate(five[:2]):  # two of the five viewed a page yesterday
        Event.objects.create(
            workspace=workspace,
            message_id=f"v{n}",
            contact_id=contact_id,
            type="track",
            event="Viewed",
            timestamp=NOW - timedelta(days=1),
            received_at=NOW - timedelta(days=1),
        )
    viewed = {"type": "event", "event": "Viewed", "count_op": "gte", "count": 1}
    viewers = actions.create_segment(
        workspace, name="Viewers", definition={"type": "group", "children": [viewed]}, now=NOW
    )
    refers = {"type": "segment", "segment_id": viewers.pk, "member": True}

    again = actions.create_segment(
        workspace, name="Viewers again", definition={"type": "group", "children": [refers]}, now=NOW
    )

    assert members(viewers) == members(again) == set(five[:2])
    assert changes(again) == [(pk, "entered", "full") for pk in five[:2]]
