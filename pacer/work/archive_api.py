"""Archiving, restoring and deleting a card over the REST API (``pacer.work.archive``).
A restore over a WIP limit is answered 422 with the limit broken (``errors.column`` or
``errors.assignee``), and one over its sprint's capacity at ``errors.sprint``, unless it
gives an ``override_reason``; deleting a card that is not
archived (``DELETE /cards/{id}``, in ``pacer.work.api``: one router holds a path) is
answered 422 at ``card`` with nothing deleted."""

from django.utils import timezone
from ninja import Field, Router, Schema

from pacer.core.api_schema import ERRORS, NOT_FOUND, Id, text
from pacer.core.permissions import endpoint
from pacer.work import archive, bulk
from pacer.work.api import WRITE, CardOut, Slug, _board, _card, _card_out

router = Router(tags=["work"])


class BulkArchiveIn(Schema):
    cards: list[Id] = Field(min_length=1, max_length=bulk.MAX_BULK, description="card ids")


class CardRestoreIn(Schema):
    override_reason: text(300) = Field(
        "",
        description="why it may go back over a WIP limit or its sprint's capacity (none: "
        "such a restore is refused)",
    )


@router.post("/cards/{card_id}/archive", response={200: CardOut, **ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def archive_card(request, card_id: Id):
    """Take a card off its board; it keeps its history and stays readable."""
    return _card_out(
        archive.archive_card(_card(request, card_id), now=timezone.now(), actor=request.user)
    )


@router.post("/cards/{card_id}/restore", response={200: CardOut, **WRITE})
@endpoint("work.edit")
def restore_card(request, card_id: Id, payload: CardRestoreIn):
    """Put an archived card back in its column and place (checked against the WIP limits)
    and in its sprint's plan (checked against its capacity); the body ``{}`` when no
    reason is given."""
    card = archive.restore_card(
        _card(request, card_id),
        now=timezone.now(),
        override_reason=payload.override_reason,
        actor=request.user,
    )
    return _card_out(card)


@router.post("/boards/{slug}/bulk/archive", response={200: list[CardOut], **WRITE})
@endpoint("work.edit")
def archive_cards(request, slug: Slug, payload: BulkArchiveIn):
    """Archive many cards of the board at once, all or none: one archived already is
    refused at ``cards.<id>.card``, one not on the board at ``cards`` (422, nothing
    written)."""
    cards = archive.archive_cards(
        _board(request, slug), payload.cards, now=timezone.now(), actor=request.user
    )
    return [_card_out(c) for c in cards]
