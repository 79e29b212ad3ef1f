"""Segments over the REST API: define, change, delete, preview a definition's count and
sample, page through members and changes, add to and remove from static lists.

A definition is the JSON tree of ``pacer.segments.definition``; a refused one is answered
422 with each offending node's path (``definition.children[1].count``) and the reason.
"""

from datetime import datetime
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, MAX_OFFSET, NOT_FOUND, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.segments import actions, selectors
from pacer.segments.models import Segment
from pacer.segments.preview import preview

router = Router(tags=["segments"])

DEFINITION = (
    "a group {'type': 'group', 'op': 'and'|'or', 'negate': bool, 'children': [...]} whose "
    "leaves are conditions of type field, trait, location, consent, event, orders, "
    "lead_score or segment (docs/adr/0005-segments.md)"
)
EXAMPLE = {
    "type": "group",
    "op": "and",
    "children": [
        {"type": "field", "field": "lifecycle_stage", "op": "eq", "value": "customer"},
        {"type": "event", "event": "Order Completed", "count_op": "gte", "count": 2},
    ],
}


class SegmentIn(Schema):
    name: text(200, min_length=1)
    kind: Literal["dynamic", "static"] = "dynamic"
    description: text(500) = ""
    definition: dict[str, Any] | None = Field(
        None, description=DEFINITION + "; dynamic segments only", examples=[EXAMPLE]
    )


class SegmentChangeIn(Schema):
    name: text(200, min_length=1)
    description: text(500) = ""
    definition: dict[str, Any] | None = Field(None, description=DEFINITION, examples=[EXAMPLE])


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    definition: dict[str, Any]
    member_count: int
    created_at: datetime
    updated_at: datetime
    evaluated_at: datetime | None


class SegmentPreviewIn(Schema):
    definition: dict[str, Any] = Field(description=DEFINITION, examples=[EXAMPLE])


class SegmentContactOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    lifecycle_stage: str
    location_name: str


class SegmentPreviewOut(Schema):
    count: int
    sample: list[SegmentContactOut]


class SegmentMemberOut(SegmentContactOut):
    entered_at: datetime


class SegmentChangeOut(Schema):
    contact_id: int
    change: str
    at: datetime
    source: str


class SegmentPage(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class SegmentContactsIn(Schema):
    contact_ids: list[Id] = Field(min_length=1, max_length=actions.MAX_MANUAL)


class SegmentCountOut(Schema):
    count: int


def _segment(request, segment_id: int) -> Segment:
    found = selectors.segment(request.workspace, segment_id)
    if found is None:
        raise NotFound("segment_id", "no such segment in this workspace")
    return found


@router.get("", response={200: list[SegmentOut], **ERRORS})
@endpoint("segments.view")
def list_segments(request, page: Query[SegmentPage]):
    return list(selectors.segments(request.workspace)[page.offset : page.offset + page.limit])


@router.post("", response={201: SegmentOut, **ERRORS, **BODY_ERRORS})
@endpoint("segments.edit")
def create(request, payload: SegmentIn):
    """Define a segment; a dynamic one is evaluated at once and kept current."""
    segment = actions.create_segment(
        request.workspace,
        name=payload.name,
        kind=payload.kind,
        description=payload.description,
        definition=payload.definition,
        actor=request.user,
    )
    return Status(201, segment)


@router.post("/preview", response={200: SegmentPreviewOut, **ERRORS, **BODY_ERRORS})
@endpoint("segments.view")
def preview_definition(request, payload: SegmentPreviewIn):
    """How many contacts a definition matches now, and the first few of them."""
    count, sample = preview(request.workspace, payload.definition, now=timezone.now())
    return {"count": count, "sample": sample}


@router.get("/{segment_id}", response={200: SegmentOut, **ERRORS, **NOT_FOUND})
@endpoint("segments.view")
def get_segment(request, segment_id: Id):
    return _segment(request, segment_id)


@router.put("/{segment_id}", response={200: SegmentOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("segments.edit")
def change(request, segment_id: Id, payload: SegmentChangeIn):
    """Rename or redefine (a dynamic segment is re-evaluated at once)."""
    return actions.update_segment(
        request.workspace,
        _segment(request, segment_id),
        name=payload.name,
        description=payload.description,
        definition=payload.definition,
        actor=request.user,
    )


@router.delete("/{segment_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("segments.edit")
def delete(request, segment_id: Id):
    """Delete a segment that no other segment refers to."""
    actions.delete_segment(request.workspace, _segment(request, segment_id), actor=request.user)
    return Status(204, None)


@router.get("/{segment_id}/members", response={200: list[SegmentMemberOut], **ERRORS, **NOT_FOUND})
@endpoint("segments.view")
def members(request, segment_id: Id, page: Query[SegmentPage]):
    """The members, most recently entered first."""
    segment = _segment(request, segment_id)
    rows = selectors.memberships(request.workspace, segment.pk)
    return selectors.member_rows(
        request.workspace, list(rows[page.offset : page.offset + page.limit])
    )


@router.get("/{segment_id}/changes", response={200: list[SegmentChangeOut], **ERRORS, **NOT_FOUND})
@endpoint("segments.view")
def changes(request, segment_id: Id, page: Query[SegmentPage]):
    """Who entered and exited, and when, newest first."""
    segment = _segment(request, segment_id)
    rows = selectors.changes(request.workspace, segment.pk)
    return list(rows[page.offset : page.offset + page.limit])


@router.post(
    "/{segment_id}/members", response={200: SegmentCountOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND}
)
@endpoint("segments.edit")
def add(request, segment_id: Id, payload: SegmentContactsIn):
    """Add contacts to a static list; answers how many were new."""
    segment = _segment(request, segment_id)
    return {"count": actions.add_members(request.workspace, segment, payload.contact_ids)}


@router.post(
    "/{segment_id}/members/remove",
    response={200: SegmentCountOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("segments.edit")
def remove(request, segment_id: Id, payload: SegmentContactsIn):
    """Remove contacts from a static list; answers how many were members."""
    segment = _segment(request, segment_id)
    return {"count": actions.remove_members(request.workspace, segment, payload.contact_ids)}
