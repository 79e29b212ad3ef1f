"""A board's columns, swimlanes and limit per person over the REST API (the board's
settings page calls the same ``pacer.work.board_edit`` functions)."""

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import ERRORS, NOT_FOUND, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.work import actions, board_edit, checks
from pacer.work.api import WRITE, BoardOut, ColumnIn, ColumnOut, Limit, RemovedOut, Slug, _board
from pacer.work.models import Column, Stage, Swimlane

router = Router(tags=["work"])


class ColumnAddIn(ColumnIn):
    position: int | None = Field(
        None, ge=0, le=actions.MAX_COLUMNS, description="0 = leftmost; none = rightmost"
    )


class ColumnChangeIn(Schema):
    name: text(60, min_length=1) | None = None
    stage: Stage | None = None
    wip_limit: Limit = Field(None, ge=1, le=checks.MAX_LIMIT)
    no_wip_limit: bool = Field(False, description="true: remove the column's WIP limit")
    position: int | None = Field(None, ge=0, le=actions.MAX_COLUMNS - 1)


class ColumnRemoveIn(Schema):
    move_cards_to: Id | None = Field(
        None, description="the column its cards move to (needed when it holds cards)"
    )


class SwimlaneIn(Schema):
    name: text(60, min_length=1)
    position: int | None = Field(None, ge=0, le=actions.MAX_SWIMLANES)


class SwimlaneChangeIn(Schema):
    name: text(60, min_length=1) | None = None
    position: int | None = Field(None, ge=0, le=actions.MAX_SWIMLANES - 1)


class SwimlaneOut(Schema):
    id: int
    name: str
    position: int


class PersonLimitIn(Schema):
    person_wip_limit: Limit = Field(None, ge=1, le=checks.MAX_LIMIT, description="none: no limit")


def _column(request, column_id: int) -> Column:
    found = Column.objects.filter(board__workspace=request.workspace, pk=column_id).first()
    if found is None:
        raise NotFound("column_id", f"no column {column_id} in this workspace")
    return found


def _swimlane(request, lane_id: int) -> Swimlane:
    found = Swimlane.objects.filter(board__workspace=request.workspace, pk=lane_id).first()
    if found is None:
        raise NotFound("swimlane_id", f"no swimlane {lane_id} in this workspace")
    return found


@router.post("/boards/{slug}/columns", response={201: ColumnOut, **WRITE})
@endpoint("work.manage")
def add_column(request, slug: Slug, payload: ColumnAddIn):
    """Add a column at ``position`` (0 = leftmost; none: rightmost)."""
    column = board_edit.add_column(_board(request, slug), actor=request.user, **payload.dict())
    return Status(201, column)


@router.patch("/columns/{column_id}", response={200: ColumnOut, **WRITE})
@endpoint("work.manage")
def change_column(request, column_id: Id, payload: ColumnChangeIn):
    """Rename a column, change its kind (stage), WIP limit or place; fields left out stay."""
    changes = payload.dict(exclude_unset=True, exclude={"no_wip_limit"})
    changes = {k: v for k, v in changes.items() if v is not None}
    if payload.no_wip_limit:
        changes["wip_limit"] = None
    return board_edit.update_column(_column(request, column_id), actor=request.user, **changes)


@router.post("/columns/{column_id}/remove", response={200: RemovedOut, **WRITE})
@endpoint("work.manage")
def remove_column(request, column_id: Id, payload: ColumnRemoveIn):
    """Remove a column. One that holds cards is refused (422, ``move_cards_to``) unless
    its cards are moved to another column of the board."""
    moved = board_edit.remove_column(
        _column(request, column_id),
        now=timezone.now(),
        move_cards_to=payload.move_cards_to,
        actor=request.user,
    )
    return {"cards": moved}


@router.put("/boards/{slug}/person-limit", response={200: BoardOut, **WRITE})
@endpoint("work.manage")
def set_person_limit(request, slug: Slug, payload: PersonLimitIn):
    """How many in-progress cards one person may hold on the board (none: no limit)."""
    return board_edit.set_person_limit(
        _board(request, slug), payload.person_wip_limit, actor=request.user
    )


@router.post("/boards/{slug}/swimlanes", response={201: SwimlaneOut, **WRITE})
@endpoint("work.manage")
def add_swimlane(request, slug: Slug, payload: SwimlaneIn):
    lane = board_edit.add_swimlane(_board(request, slug), actor=request.user, **payload.dict())
    return Status(201, lane)


@router.patch("/swimlanes/{swimlane_id}", response={200: SwimlaneOut, **WRITE})
@endpoint("work.manage")
def change_swimlane(request, swimlane_id: Id, payload: SwimlaneChangeIn):
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    return board_edit.update_swimlane(
        _swimlane(request, swimlane_id), actor=request.user, **changes
    )


@router.delete("/swimlanes/{swimlane_id}", response={200: RemovedOut, **ERRORS, **NOT_FOUND})
@endpoint("work.manage")
def remove_swimlane(request, swimlane_id: Id):
    """Remove a swimlane; its cards stay in their columns, in no swimlane."""
    return {
        "cards": board_edit.remove_swimlane(_swimlane(request, swimlane_id), actor=request.user)
    }
