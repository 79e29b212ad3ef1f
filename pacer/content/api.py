"""Content items over the REST API: create, read, new versions, workflow moves, votes,
rescheduling (the asset library and flags: ``pacer.content.asset_api``)."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from pacer.content import actions, selectors
from pacer.content.models import ContentKind
from pacer.content.workflow import MAX_STATES
from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    NOT_FOUND,
    AnyChannel,
    Day,
    Id,
    text,
)
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import allows, endpoint

router = Router(tags=["content"])
WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}
StateKey = text(40, min_length=1, pattern=r"^[a-z][a-z0-9_]{0,39}$")


class ContentStepIn(Schema):
    name: text(100, min_length=1)
    reviewer: Id = Field(description="the user id of a member of this workspace")


class ContentItemIn(Schema):
    title: text(300, min_length=1)
    kind: ContentKind
    body: text(actions.MAX_BODY) = ""
    channel: AnyChannel = ""
    team: text(100) = ""
    campaign_key: text(200) = ""
    reviewers: list[ContentStepIn] = Field(default=[], max_length=actions.MAX_STEPS)
    scheduled_on: Day | None = Field(default=None, description="the day it goes out (09:00 UTC)")


class ContentStepOut(Schema):
    position: int
    name: str
    reviewer: int = Field(alias="reviewer_id")
    decision: str
    comment: str


class ContentItemOut(Schema):
    id: int
    title: str
    kind: str
    state: str
    channel: str
    team: str
    theme: int | None = Field(description="the id of its theme")
    campaign_key: str
    scheduled_for: datetime | None
    published_at: datetime | None
    version: int
    approval_problem: str = Field(description="why it is not approved ('' when it is)")
    steps: list[ContentStepOut] = Field(description="the approval steps of the latest version")


class ContentItemPatch(Schema):
    """A field left out keeps its value; "" (or ``null`` for ``theme``) empties a field
    that may be empty."""

    title: text(300, min_length=1) | None = None
    kind: ContentKind | None = None
    channel: AnyChannel | None = None
    team: text(100) | None = Field(default=None, description="one of the workspace's teams")
    theme: Id | None = Field(default=None, description="the id of one of its themes")
    campaign_key: text(200) | None = Field(default=None, description="one of its campaigns")
    reviewers: list[ContentStepIn] | None = Field(
        default=None,
        max_length=actions.MAX_STEPS,
        description="the approval plan in order, all of it ([] for none); from the next "
        "review round",
    )


class ContentVersionIn(Schema):
    body: text(actions.MAX_BODY)


class ContentStateIn(Schema):
    state: StateKey


class ContentVoteIn(Schema):
    decision: Literal["approved", "rejected"]
    comment: text(5000) = ""


class ContentScheduleIn(Schema):
    day: Day


class ContentItemFilters(Schema):
    kind: ContentKind | Literal[""] = ""
    state: Literal[""] | StateKey = ""
    channel: AnyChannel = ""
    team: text(100) = ""
    q: text(200) = ""


def _item_out(item) -> dict:
    latest = selectors.latest_version(item)
    return {
        **{f: getattr(item, f) for f in ("id", "title", "kind", "state", "channel", "team")},
        "theme": item.theme_id,
        "campaign_key": item.campaign_key,
        "scheduled_for": item.scheduled_for,
        "published_at": item.published_at,
        "version": latest.number if latest else 0,
        "approval_problem": selectors.approval_problem(item) or "",
        "steps": selectors.steps_of(latest) if latest else [],
    }


def _get(request, item_id: int):
    found = selectors.item(request.workspace, item_id)
    if found is None:
        raise NotFound("item_id", "no such content item in this workspace")
    return found


@router.get("/items", response={200: list[ContentItemOut], **ERRORS})
@endpoint("content.view")
def list_items(request, filters: Query[ContentItemFilters]):
    """The newest 200 items that match."""
    rows = selectors.items(
        request.workspace,
        kind=filters.kind,
        state=filters.state,
        channel=filters.channel,
        team=filters.team,
        search=filters.q,
    ).order_by("-created_at", "-pk")[:200]
    return [_item_out(item) for item in rows]


@router.post("/items", response={201: ContentItemOut, **ERRORS, **BODY_ERRORS})
@endpoint("content.edit")
def create_item(request, payload: ContentItemIn):
    item = actions.create_item(
        request.workspace,
        title=payload.title,
        kind=payload.kind,
        body=payload.body,
        channel=payload.channel,
        team=payload.team,
        campaign_key=payload.campaign_key,
        owner=request.user,
        reviewers=[step.dict() for step in payload.reviewers],
        scheduled_for=payload.scheduled_on,
        actor=request.user,
    )
    return Status(201, _item_out(item))


@router.get("/items/{item_id}", response={200: ContentItemOut, **ERRORS, **NOT_FOUND})
@endpoint("content.view")
def get_item(request, item_id: Id):
    return _item_out(_get(request, item_id))


@router.patch("/items/{item_id}", response={200: ContentItemOut, **WRITE})
@endpoint("content.edit")
def update_item(request, item_id: Id, payload: ContentItemPatch):
    """Change its title, kind, channel, team, theme, campaign or approval plan
    (``reviewers``), all or nothing (422 naming the field: a team, theme or campaign the
    workspace does not have, a reviewer who is not a member, a channel its assets' rights
    do not cover while it is approved, any change to a published item)."""
    values = payload.dict(exclude_unset=True)
    reviewers = values.pop("reviewers", None)
    actions.edit_item(_get(request, item_id), values, reviewers, actor=request.user)
    return _item_out(selectors.item(request.workspace, item_id))


@router.post(
    "/items/{item_id}/versions",
    response={200: ContentItemOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("content.edit")
def save_version(request, item_id: Id, payload: ContentVersionIn):
    """Save a new body (a version); a version past review needs approving again."""
    item = _get(request, item_id)
    actions.save_version(item, payload.body, actor=request.user)
    return _item_out(selectors.item(request.workspace, item_id))


@router.post(
    "/items/{item_id}/state", response={200: ContentItemOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND}
)
@endpoint("content.edit")
def move(request, item_id: Id, payload: ContentStateIn):
    """Move along an allowed transition; approved, scheduled and published need every
    approval step of the latest version approved."""
    if payload.state == "published" and not allows(request.role, "content.publish"):
        raise ValidationFailed({"state": "your role does not allow publishing"})
    return _item_out(actions.transition(_get(request, item_id), payload.state, actor=request.user))


@router.post(
    "/items/{item_id}/vote", response={200: ContentItemOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND}
)
@endpoint("content.review")
def vote(request, item_id: Id, payload: ContentVoteIn):
    """The caller's vote on their open approval step of the latest version."""
    item = _get(request, item_id)
    step = selectors.open_step_for(item, request.user)
    if step is None:
        raise ValidationFailed({"step": "no approval step of this item is waiting for you"})
    actions.vote(step, payload.decision, user=request.user, comment=payload.comment)
    return _item_out(selectors.item(request.workspace, item_id))


@router.post(
    "/items/{item_id}/schedule",
    response={200: ContentItemOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("content.edit")
def schedule(request, item_id: Id, payload: ContentScheduleIn):
    """Move the item to another day, keeping its time of day."""
    return _item_out(actions.reschedule(_get(request, item_id), payload.day, actor=request.user))


class ContentWorkflowStateIn(Schema):
    key: StateKey
    label: text(60, min_length=1)
    needs_approval: bool = False
    review: bool = Field(default=False, description="entering it opens the approval steps")
    terminal: bool | None = Field(
        default=None, description="no moves out (checked against moves_to when given)"
    )
    moves_to: list[StateKey] = Field(default=[], max_length=MAX_STATES)


class ContentWorkflowIn(Schema):
    states: list[ContentWorkflowStateIn] = Field(min_length=2, max_length=MAX_STATES)


class ContentWorkflowStateOut(Schema):
    key: str
    label: str
    needs_approval: bool
    review: bool
    terminal: bool
    moves_to: list[str]
    items: int = Field(description="how many content items are in it now")


@router.get("/workflow", response={200: list[ContentWorkflowStateOut], **ERRORS})
@endpoint("content.view")
def get_workflow(request):
    """The workspace's editorial states in order, with the moves out of each."""
    return selectors.workflow_rows(request.workspace)


@router.put("/workflow", response={200: list[ContentWorkflowStateOut], **ERRORS, **BODY_ERRORS})
@endpoint("content.workflow")
def put_workflow(request, payload: ContentWorkflowIn):
    """Replace the workflow (admins). Refused (422, nothing changed) when a state that
    items are in would be removed: ``states`` names each such state and its count."""
    actions.save_workflow(
        request.workspace, [state.dict() for state in payload.states], actor=request.user
    )
    return selectors.workflow_rows(request.workspace)
