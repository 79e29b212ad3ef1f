"""Boards, cards and moves over the REST API. A move over a WIP limit is answered 422
with the limit broken (``errors.column`` or ``errors.assignee``) unless it gives an
``override_reason``."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Day, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.work import actions, selectors
from pacer.work.models import Board, Card, EventKind, Stage

router = Router(tags=["work"])

Slug = text(60, min_length=1, pattern=actions.SLUG.pattern, examples=["brand-board"])
Limit = int | None


class ColumnIn(Schema):
    name: text(60, min_length=1)
    stage: Stage
    wip_limit: Limit = Field(None, ge=1, le=actions.MAX_LIMIT)


class BoardIn(Schema):
    slug: Slug
    team: Slug = Field(examples=["brand"])
    name: text(200, min_length=1)
    columns: list[ColumnIn] = Field(min_length=2, max_length=actions.MAX_COLUMNS)
    swimlanes: list[text(60, min_length=1)] = Field([], max_length=actions.MAX_SWIMLANES)
    person_wip_limit: Limit = Field(None, ge=1, le=actions.MAX_LIMIT)


class ColumnOut(Schema):
    id: int
    name: str
    stage: Stage
    wip_limit: int | None


class BoardOut(Schema):
    slug: str
    team: str
    name: str
    person_wip_limit: int | None


class CardOut(Schema):
    id: int
    title: str
    column: int
    swimlane: int | None
    position: int
    assignee: int | None
    due: date | None
    estimate: int | None
    sprint: int | None
    blocked_reason: str


class BoardDetailOut(BoardOut):
    columns: list[ColumnOut]
    cards: list[CardOut]


class CardIn(Schema):
    title: text(200, min_length=1)
    column: Id | None = Field(None, description="a column id of the board; the first by default")
    swimlane: Id | None = None
    assignee: Id | None = Field(None, description="a member's user id")
    due: Day | None = None
    estimate: int | None = Field(None, ge=0, le=actions.MAX_ESTIMATE)
    description: text(10_000) = ""


class CardMoveIn(Schema):
    column: Id = Field(description="a column id of the card's board")
    position: int | None = Field(None, ge=0, le=100_000, description="0 = top; none = bottom")
    before: Id | None = Field(None, description="put it just above this card of the cell")
    after: Id | None = Field(None, description="put it just below this card of the cell")
    override_reason: text(300) = Field(
        "", description="why the move may go over a WIP limit (none: a move over is refused)"
    )


class CardEventOut(Schema):
    kind: EventKind
    from_column: int | None
    to_column: int | None
    actor: str | None
    at: datetime
    override_reason: str


def _card_out(card: Card) -> dict:
    return {
        "id": card.pk,
        "title": card.title,
        "column": card.column_id,
        "swimlane": card.swimlane_id,
        "position": card.position,
        "assignee": card.assignee_id,
        "due": card.due,
        "estimate": card.estimate,
        "sprint": card.sprint_id,
        "blocked_reason": card.blocked_reason,
    }


def _board(request, slug: str) -> Board:
    found = selectors.board(request.workspace, slug)
    if found is None:
        raise NotFound("slug", f"no board '{slug}' in this workspace")
    return found


def _card(request, card_id: int) -> Card:
    found = selectors.card(request.workspace, card_id)
    if found is None:
        raise NotFound("card_id", f"no card {card_id} in this workspace")
    return found


@router.get("/boards", response={200: list[BoardOut], **ERRORS})
@endpoint("work.view")
def list_boards(request):
    return selectors.boards(request.workspace)


@router.post("/boards", response={201: BoardOut, **ERRORS, **BODY_ERRORS})
@endpoint("work.manage")
def create_board(request, payload: BoardIn):
    board = actions.create_board(
        request.workspace,
        team=payload.team,
        slug=payload.slug,
        name=payload.name,
        columns=[c.dict() for c in payload.columns],
        swimlanes=payload.swimlanes,
        person_wip_limit=payload.person_wip_limit,
        actor=request.user,
    )
    return Status(201, board)


@router.get("/boards/{slug}", response={200: BoardDetailOut, **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def get_board(request, slug: Slug):
    """The board with its columns and cards (in column, then position order)."""
    board = _board(request, slug)
    return {
        "slug": board.slug,
        "team": board.team,
        "name": board.name,
        "person_wip_limit": board.person_wip_limit,
        "columns": list(board.columns.all()),
        "cards": [
            _card_out(c) for c in selectors.cards(board).order_by("column__position", "position")
        ],
    }


@router.post("/boards/{slug}/cards", response={201: CardOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def create_card(request, slug: Slug, payload: CardIn):
    card = actions.create_card(
        _board(request, slug),
        title=payload.title,
        column=payload.column,
        swimlane=payload.swimlane,
        assignee=payload.assignee,
        due=payload.due,
        estimate=payload.estimate,
        description=payload.description,
        now=timezone.now(),
        actor=request.user,
    )
    return Status(201, _card_out(card))


@router.get("/cards/{card_id}", response={200: CardOut, **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def get_card(request, card_id: Id):
    return _card_out(_card(request, card_id))


@router.post("/cards/{card_id}/move", response={200: CardOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def move_card(request, card_id: Id, payload: CardMoveIn):
    """Move a card to a column (and position). Over a WIP limit: 422 naming the limit,
    unless ``override_reason`` is given (then recorded in its history and the audit log)."""
    card = actions.move_card(
        _card(request, card_id),
        column=payload.column,
        position=payload.position,
        before=payload.before,
        after=payload.after,
        override_reason=payload.override_reason,
        now=timezone.now(),
        actor=request.user,
    )
    return _card_out(card)


@router.get("/cards/{card_id}/history", response={200: list[CardEventOut], **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def card_history(request, card_id: Id):
    """Every step of the card: created, moved (with any override reason), blocked."""
    return [
        {
            "kind": e.kind,
            "from_column": e.from_column_id,
            "to_column": e.to_column_id,
            "actor": e.actor.get_username() if e.actor else None,
            "at": e.at,
            "override_reason": e.override_reason,
        }
        for e in selectors.history(_card(request, card_id))
    ]
