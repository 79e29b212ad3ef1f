"""Comments on cards and the caller's mention notifications over the REST API."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, MAX_OFFSET, NOT_FOUND, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.work import comments, selectors
from pacer.work.models import Comment

router = Router(tags=["work"])
WRITE = {**ERRORS, **BODY_ERRORS, **NOT_FOUND}


class CommentIn(Schema):
    body: text(comments.MAX_BODY, min_length=1) = Field(
        description="@username mentions notify those members (once per comment)"
    )


class CommentOut(Schema):
    id: int
    card: int
    author: str | None
    body: str
    created_at: datetime
    edited_at: datetime | None


class MentionOut(Schema):
    id: int
    card: int
    card_title: str
    comment: int
    author: str | None
    body: str
    created_at: datetime
    read_at: datetime | None


class MentionQuery(Schema):
    unread: bool = Field(False, description="only the unread ones")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class MarkReadIn(Schema):
    ids: list[Id] | None = Field(
        None, max_length=500, description="these of yours (none: every unread one)"
    )


class MarkedOut(Schema):
    marked: int = Field(description="how many were unread and are now read")


def _comment_out(found: Comment) -> dict:
    return {
        "id": found.pk,
        "card": found.card_id,
        "author": found.author.get_username() if found.author else None,
        "body": found.body,
        "created_at": found.created_at,
        "edited_at": found.edited_at,
    }


@router.get("/cards/{card_id}/comments", response={200: list[CommentOut], **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def list_comments(request, card_id: Id):
    card = selectors.card(request.workspace, card_id)
    if card is None:
        raise NotFound("card_id", f"no card {card_id} in this workspace")
    return [_comment_out(c) for c in card.comments.select_related("author")]


@router.post("/cards/{card_id}/comments", response={201: CommentOut, **WRITE})
@endpoint("work.edit")
def add_comment(request, card_id: Id, payload: CommentIn):
    """Comment on a card; each member mentioned (not the author) gets a notification."""
    card = selectors.card(request.workspace, card_id)
    if card is None:
        raise NotFound("card_id", f"no card {card_id} in this workspace")
    found = comments.add_comment(card, payload.body, now=timezone.now(), actor=request.user)
    return Status(201, _comment_out(found))


@router.patch("/comments/{comment_id}", response={200: CommentOut, **WRITE})
@endpoint("work.edit")
def edit_comment(request, comment_id: Id, payload: CommentIn):
    """Change your comment's text; only members newly mentioned are notified."""
    found = selectors.comment(request.workspace, comment_id)
    if found is None:
        raise NotFound("comment_id", f"no comment {comment_id} in this workspace")
    edited = comments.edit_comment(found, payload.body, now=timezone.now(), actor=request.user)
    return _comment_out(edited)


@router.delete("/comments/{comment_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def delete_comment(request, comment_id: Id):
    """Delete a comment (its author, or an admin; anyone else: 422 ``comment``, nothing
    deleted), with the mentions it made; audited as ``card.comment_delete``."""
    found = selectors.comment(request.workspace, comment_id)
    if found is None:
        raise NotFound("comment_id", f"no comment {comment_id} in this workspace")
    comments.delete_comment(found, actor=request.user, role=request.role)
    return Status(204, None)


@router.get("/mentions", response={200: list[MentionOut], **ERRORS})
@endpoint("work.view")
def list_mentions(request, query: Query[MentionQuery]):
    """Your mention notifications in this workspace, newest first."""
    found = selectors.notifications(request.workspace, request.user, unread_only=query.unread)
    found = found.select_related("card", "comment__author")
    return [
        {
            "id": n.pk,
            "card": n.card_id,
            "card_title": n.card.title,
            "comment": n.comment_id,
            "author": n.comment.author.get_username() if n.comment.author else None,
            "body": n.comment.body,
            "created_at": n.created_at,
            "read_at": n.read_at,
        }
        for n in found[query.offset : query.offset + query.limit]
    ]


@router.post("/mentions/read", response={200: MarkedOut, **ERRORS, **BODY_ERRORS})
@endpoint("work.view")
def mark_mentions_read(request, payload: MarkReadIn):
    """Mark your unread mentions read (``ids``: only those)."""
    return {
        "marked": comments.mark_read(
            request.workspace, request.user, now=timezone.now(), ids=payload.ids
        )
    }
