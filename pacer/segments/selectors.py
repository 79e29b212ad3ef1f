"""Reads for segments: the list, one segment, its members and its changes."""

from django.db.models import QuerySet

from pacer.core.models import Workspace
from pacer.people import selectors as people
from pacer.segments.models import Membership, MembershipChange, Segment


def segments(workspace: Workspace) -> QuerySet[Segment]:
    return Segment.objects.filter(workspace=workspace).order_by("name", "id")


def segment(workspace: Workspace, segment_id: int) -> Segment | None:
    return Segment.objects.filter(workspace=workspace, pk=segment_id).first()


def memberships(workspace: Workspace, segment_id: int) -> QuerySet[Membership]:
    """The segment's members, newest first."""
    return Membership.objects.filter(workspace=workspace, segment_id=segment_id).order_by(
        "-entered_at", "-id"
    )


def changes(workspace: Workspace, segment_id: int) -> QuerySet[MembershipChange]:
    """Who entered and left, newest first."""
    return MembershipChange.objects.filter(workspace=workspace, segment_id=segment_id).order_by(
        "-id"
    )


def member_rows(workspace: Workspace, rows: list) -> list[dict]:
    """Membership rows with the contact's name, email, stage and location."""
    found = people.contact_summaries(workspace, [row.contact_id for row in rows])
    return [
        {
            "contact_id": row.contact_id,
            "entered_at": row.entered_at,
            **found.get(row.contact_id, {}),
        }
        for row in rows
    ]


def segment_ids_of(workspace: Workspace, contact_id: int) -> list[int]:
    """The segments a contact is in now (for journeys and the contact page)."""
    return list(
        Membership.objects.filter(workspace=workspace, contact_id=contact_id)
        .order_by("segment_id")
        .values_list("segment_id", flat=True)
    )
