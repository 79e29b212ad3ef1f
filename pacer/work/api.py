"""Boards, cards, moves, bulk edit and card changes over the REST API (columns and
swimlanes: ``board_edit_api``; attachments: ``attachment_api``; labels: ``label_api``;
comments: ``comments_api``). A move over a WIP limit is answered 422 with the limit
broken (``errors.column`` or ``errors.assignee``) unless it gives an ``override_reason``."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Day, Id, text
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.work import actions, archive, bulk, checks, labels, links, selectors
from pacer.work.models import Board, Card, CardLink, EventKind, LinkKind, Stage

router = Router(tags=["work"])

Slug = text(60, min_length=1, pattern=actions.SLUG.pattern, examples=["brand-board"])
Limit = int | None
WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}


class ColumnIn(Schema):
    name: text(60, min_length=1)
    stage: Stage
    wip_limit: Limit = Field(None, ge=1, le=checks.MAX_LIMIT)


class BoardIn(Schema):
    slug: Slug
    team: Slug = Field(examples=["brand"])
    name: text(200, min_length=1)
    columns: list[ColumnIn] = Field(min_length=2, max_length=actions.MAX_COLUMNS)
    swimlanes: list[text(60, min_length=1)] = Field([], max_length=actions.MAX_SWIMLANES)
    person_wip_limit: Limit = Field(None, ge=1, le=checks.MAX_LIMIT)


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
    labels: list[int] = Field(description="the ids of its labels, by name")
    archived_at: datetime | None = Field(description="when it left the board; none: it is on it")


class BoardDetailOut(BoardOut):
    columns: list[ColumnOut]
    cards: list[CardOut]


class CardIn(Schema):
    title: text(200, min_length=1)
    column: Id | None = Field(None, description="a column id of the board; the first by default")
    swimlane: Id | None = None
    assignee: Id | None = Field(None, description="a member's user id")
    due: Day | None = None
    estimate: int | None = Field(None, ge=0, le=checks.MAX_ESTIMATE)
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
        "labels": [x.pk for x in sorted(card.labels.all(), key=lambda x: (x.name.lower(), x.pk))],
        "archived_at": card.archived_at,
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
            _card_out(c)
            for c in selectors.cards(board)
            .prefetch_related("labels")
            .order_by("column__position", "position")
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


class LinkIn(Schema):
    kind: LinkKind
    target_id: text(64, min_length=1) = Field(description="its id (a campaign's key also works)")


class CardLinkOut(Schema):
    id: int
    kind: LinkKind
    target_id: str = Field(description="the id of what it names (a campaign: its id, not its key)")
    label: str = Field(description="what it names, by name; empty once that is gone")


def _link_out(link: CardLink, target: links.Target | None) -> dict:
    return {
        "id": link.pk,
        "kind": link.kind,
        "target_id": link.target_id,
        "label": target.label if target else "",
    }


@router.get("/cards/{card_id}/links", response={200: list[CardLinkOut], **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def card_links(request, card_id: Id):
    """The card's links, in the order they were made."""
    card = _card(request, card_id)
    return [
        _link_out(link, links.resolve(request.workspace, link.kind, link.target_id))
        for link in card.links.order_by("pk")
    ]


@router.post("/cards/{card_id}/links", response={201: CardLinkOut, **WRITE})
@endpoint("work.edit")
def add_card_link(request, card_id: Id, payload: LinkIn):
    """Link the card to a campaign (id or key), content item, journey, lead, asset or
    message. Something the card already links to (by any spelling of its id, or a campaign
    by its key) is refused (422, ``errors.target_id``); so is an id naming nothing."""
    card = _card(request, card_id)
    link = actions.add_link(card, payload.kind, payload.target_id, actor=request.user)
    return Status(201, _link_out(link, links.resolve(request.workspace, link.kind, link.target_id)))


@router.delete("/cards/{card_id}/links/{link_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def remove_card_link(request, card_id: Id, link_id: Id):
    """Take a link off the card (audited as ``card.unlink``); a link of another card is
    refused at ``link`` (422), nothing changed."""
    actions.remove_link(_card(request, card_id), link_id, actor=request.user)
    return Status(204, None)


class BulkIn(Schema):
    cards: list[Id] = Field(min_length=1, max_length=bulk.MAX_BULK, description="card ids")
    assignee: Id | None = Field(None, description="a member's user id; null: nobody")
    due: Day | None = Field(None, description="null: no due day")
    estimate: int | None = Field(None, ge=0, le=checks.MAX_ESTIMATE, description="null: none")
    swimlane: Id | None = Field(None, description="a swimlane of the board; null: none")
    column: Id | None = Field(None, description="a column of the board (cards go to its bottom)")
    link: LinkIn | None = Field(None, description="a link added to every card")
    add_label: Id | None = Field(None, description="a label of the board put on every card")
    remove_label: Id | None = Field(None, description="a label of the board taken off every card")
    override_reason: text(300) = Field(
        "", description="why the change may go over a WIP limit (none: it is refused)"
    )


class BulkOut(Schema):
    changed: int
    moved: int = Field(description="cards that changed column or swimlane")
    over_limit: bool = Field(description="a WIP limit was overridden with the reason given")
    cards: list[CardOut]


@router.post("/boards/{slug}/bulk", response={200: BulkOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def bulk_edit(request, slug: Slug, payload: BulkIn):
    """Change many cards of a board at once, all or nothing. Only the fields sent change
    (``null`` empties a field; ``column`` and ``link`` cannot be emptied). Over a WIP limit
    the whole change is refused (422, ``cards.<id>.column`` or ``cards.<id>.assignee`` for
    each card that would break one) unless ``override_reason`` is given. A ``link`` that a
    selected card already has refuses it too (``cards.<id>.link.target_id``), reason or
    not."""
    changes = payload.dict(exclude_unset=True, exclude={"cards", "override_reason", "link"})
    if changes.get("column", "") is None:
        raise ValidationFailed({"column": "a card cannot be in no column"})
    for name in ("add_label", "remove_label"):
        if name in changes and changes[name] is None:
            del changes[name]  # null: no label to add or take off
    if payload.link is not None:
        changes["link"] = (payload.link.kind, payload.link.target_id)
    outcome = bulk.bulk_edit(
        _board(request, slug),
        payload.cards,
        changes,
        override_reason=payload.override_reason,
        now=timezone.now(),
        actor=request.user,
    )
    return {
        "changed": len(outcome.cards),
        "moved": outcome.moved,
        "over_limit": outcome.over_limit,
        "cards": [
            _card_out(c)
            for c in Card.objects.filter(pk__in=[c.pk for c in outcome.cards])
            .prefetch_related("labels")
            .order_by("column__position", "position", "id")
        ],
    }


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


class RemovedOut(Schema):
    cards: int = Field(description="how many cards were moved")


class CardPatchIn(Schema):
    """Only the fields sent change; ``null`` empties one (not the title)."""

    title: text(200, min_length=1) | None = None
    description: text(10_000) | None = None
    assignee: Id | None = Field(None, description="a member's user id; null: nobody")
    due: Day | None = Field(None, description="null: no due day")
    estimate: int | None = Field(None, ge=0, le=checks.MAX_ESTIMATE, description="null: none")
    swimlane: Id | None = Field(
        None, description="a swimlane of the board (the card goes to its bottom); null: none"
    )
    labels: list[Id] | None = Field(
        None,
        max_length=labels.MAX_CARD_LABELS,
        description="label ids of the board: the card carries exactly these; null: none",
    )
    override_reason: text(300) = Field(
        "",
        description="why the change may go over the limit per person or the sprint's "
        "capacity (none: a change over is refused)",
    )


@router.patch("/cards/{card_id}", response={200: CardOut, **WRITE})
@endpoint("work.edit")
def patch_card(request, card_id: Id, payload: CardPatchIn):
    """Change some of a card's fields, all or nothing, through the checks the card page
    makes: a new assignee over the limit per person (``errors.assignee``) or a new estimate
    over the sprint's capacity (``errors.estimate``) is refused (422) unless
    ``override_reason`` is given; a swimlane or label of another board is refused
    (``errors.swimlane``, ``errors.labels``). Move a card between columns with ``/move``."""
    changes = payload.dict(exclude_unset=True, exclude={"override_reason"})
    if "title" in changes and changes["title"] is None:
        raise ValidationFailed({"title": "a card needs a title"})
    if changes.get("description", "") is None:
        changes["description"] = ""
    if "labels" in changes and changes["labels"] is None:
        changes["labels"] = []
    if not changes:
        raise ValidationFailed({"body": "send at least one field to change"})
    card = actions.update_card(
        _card(request, card_id),
        now=timezone.now(),
        override_reason=payload.override_reason,
        actor=request.user,
        **changes,
    )
    return _card_out(card)


@router.delete("/cards/{card_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("work.manage")
def delete_card(request, card_id: Id):
    """Delete an archived card for good, with everything on it (archive it first:
    ``POST /cards/{id}/archive``); a card that is not archived is refused at ``card``."""
    archive.delete_card(_card(request, card_id), actor=request.user)
    return Status(204, None)
