"""Boards, cards and moves over the REST API. A move over a WIP limit is answered 422
with the limit broken (``errors.column`` or ``errors.assignee``) unless it gives an
``override_reason``."""

from datetime import date, datetime

from django.utils import timezone
from ninja import Field, File, Router, Schema, Status, UploadedFile

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Day, Id, text
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.work import actions, attachments, board_edit, bulk, checks, labels, selectors
from pacer.work.models import (
    Attachment,
    Board,
    Card,
    Column,
    EventKind,
    LinkKind,
    Stage,
    Swimlane,
)

router = Router(tags=["work"])

Slug = text(60, min_length=1, pattern=actions.SLUG.pattern, examples=["brand-board"])
Limit = int | None


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
    each card that would break one) unless ``override_reason`` is given."""
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


class RemovedOut(Schema):
    cards: int = Field(description="how many cards were moved")


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


WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}


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


class AttachmentOut(Schema):
    id: int
    card: int
    filename: str
    content_type: str = Field(description="judged by the file's bytes, never by its name")
    size: int = Field(description="in bytes")
    sha256: str
    uploaded_by: str | None
    uploaded_at: datetime
    download: str = Field(description="the path that answers the file (through the gate)")


def _attachment_out(found: Attachment) -> dict:
    return {
        "id": found.pk,
        "card": found.card_id,
        "filename": found.filename,
        "content_type": found.content_type,
        "size": found.size,
        "sha256": found.sha256,
        "uploaded_by": found.uploaded_by.get_username() if found.uploaded_by else None,
        "uploaded_at": found.uploaded_at,
        "download": f"/api/work/attachments/{found.pk}",
    }


def _attachment(request, attachment_id: int) -> Attachment:
    found = (
        Attachment.objects.filter(workspace=request.workspace, pk=attachment_id)
        .select_related("card__workspace", "uploaded_by")
        .first()
    )
    if found is None:
        raise NotFound("attachment_id", f"no attachment {attachment_id} in this workspace")
    return found


@router.get(
    "/cards/{card_id}/attachments", response={200: list[AttachmentOut], **ERRORS, **NOT_FOUND}
)
@endpoint("work.view")
def list_attachments(request, card_id: Id):
    """The card's files, oldest first (a card holds at most 50)."""
    card = _card(request, card_id)
    return [_attachment_out(a) for a in card.attachments.select_related("uploaded_by")]


@router.post(
    "/cards/{card_id}/attachments",
    response={201: AttachmentOut, **WRITE},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {"properties": {"file": {"maxLength": attachments.MAX_BYTES}}}
                }
            }
        }
    },
)
@endpoint("work.edit")
def upload_attachment(request, card_id: Id, file: File[UploadedFile]):
    """Attach a file (multipart, field ``file``): PNG, JPEG, GIF, WebP or PDF, judged by
    its bytes, at most 10 MB; anything else is refused (422, ``file``) and nothing kept."""
    card = _card(request, card_id)
    if file.size > attachments.MAX_BYTES:
        raise ValidationFailed(
            {"file": f"is {file.size:,} bytes; the limit is {attachments.MAX_BYTES:,}"}
        )
    found = attachments.upload(
        card, filename=file.name or "", data=file.read(), now=timezone.now(), actor=request.user
    )
    return Status(201, _attachment_out(found))


DOWNLOAD_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


@router.get(
    "/attachments/{attachment_id}",
    response={**ERRORS, **NOT_FOUND},
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, as a download, in the type its bytes are",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in DOWNLOAD_TYPES
                },
            }
        }
    },
)
@endpoint("work.view")
def download_attachment(request, attachment_id: Id):
    """The file's bytes (``Content-Disposition: attachment``, never shown inline)."""
    return attachments.download(_attachment(request, attachment_id))


@router.delete("/attachments/{attachment_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def delete_attachment(request, attachment_id: Id):
    """Remove a file from its card (audited; its bytes go once the removal is committed)."""
    attachments.delete(_attachment(request, attachment_id), actor=request.user)
    return Status(204, None)


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
