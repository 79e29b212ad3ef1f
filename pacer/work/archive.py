"""Archiving, restoring and deleting a card (Trello's model).

An archived card leaves the board: no cell, count, WIP limit, bulk edit, stand-up or
"who works on what" sees it (``selectors``), but it keeps its column, place and history,
so the flow metrics' past days do not change, and it stays readable at its own address.
Restoring puts it back where it was, checked against the WIP limits like a move (refused,
or made with a recorded reason), and back in its sprint's plan, checked against the
sprint's capacity as a new estimate or carried cards are (refused, or made with a
recorded reason), or in the backlog when that sprint was completed meanwhile. Only an
archived card can be deleted, with everything on it; a card made for another domain's
deadline is refused (that domain keeps a reference to it), and stays archived.
"""

from datetime import datetime

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.work import bulk, checks, sprints
from pacer.work.actions import WipLimitExceeded, wip_breaches
from pacer.work.attachments import files
from pacer.work.models import Board, Card, CardEvent, EventKind, Sprint


def _locked(card: Card) -> Card:
    return (
        Card.objects.select_for_update(of=("self",))
        .select_related("column", "workspace")
        .get(pk=card.pk)
    )


def _event(card: Card, kind: str, *, now: datetime, actor, reason: str = "") -> None:
    CardEvent.objects.create(
        workspace=card.workspace,
        card=card,
        kind=kind,
        actor=checks.acting_user(actor),
        at=now,
        override_reason=reason,
    )


@transaction.atomic
def archive_card(card: Card, *, now: datetime, actor=None) -> Card:
    """Take a card off its board (refused at ``card`` when it is archived already)."""
    card = _locked(card)
    if card.archived_at is not None:
        raise ValidationFailed({"card": "is archived already"})
    card.archived_at = now
    card.save(update_fields=["archived_at"])
    _event(card, EventKind.ARCHIVED, now=now, actor=actor)
    audit.record(
        card.workspace,
        "card.archive",
        card,
        actor=actor,
        after={"archived_at": now.isoformat(), "column": card.column.name},
    )
    return card


@transaction.atomic
def archive_cards(board: Board, card_ids, *, now: datetime, actor=None) -> list[Card]:
    """Archive the selected cards of a board (bulk edit's selection: 1 to ``MAX_BULK``),
    all or none: a card that is archived already is refused (``BulkRefused``,
    ``cards.<id>.card``), one that is not on the board refuses the whole change at
    ``cards``; nothing is written on a refusal. Answers the cards, in board order."""
    ids = bulk.selected_ids(card_ids)
    Board.objects.select_for_update().get(pk=board.pk)
    cards = list(
        Card.objects.select_for_update(of=("self",))
        .filter(board=board, pk__in=ids)
        .select_related("column", "workspace")
        .order_by("column__position", "position", "id")
    )
    if len(cards) != len(ids):
        raise ValidationFailed({"cards": "some selected cards are not on this board"})
    archived = {c.pk: {"card": "is archived already"} for c in cards if c.archived_at}
    if archived:
        raise bulk.BulkRefused(archived)
    for card in cards:
        card.archived_at = now
        _event(card, EventKind.ARCHIVED, now=now, actor=actor)
        audit.record(
            card.workspace,
            "card.archive",
            card,
            actor=actor,
            after={"archived_at": now.isoformat(), "column": card.column.name, "bulk": True},
        )
    Card.objects.filter(pk__in=ids).update(archived_at=now)
    return cards


@transaction.atomic
def restore_card(card: Card, *, now: datetime, override_reason: str = "", actor=None) -> Card:
    """Put an archived card back in its column and place, and in its sprint's plan. Over a
    WIP limit (the column's or its assignee's) it raises ``WipLimitExceeded``, and over
    its sprint's capacity ``CapacityExceeded`` (at ``sprint``), with nothing changed,
    unless ``override_reason`` says why (then recorded in its history and the audit
    log)."""
    errors: dict[str, str] = {}
    reason = checks.text(errors, "override_reason", override_reason, 300, required=False)
    if errors:
        raise ValidationFailed(errors)
    board = Board.objects.select_for_update().get(pk=card.board_id)  # the WIP lock
    card = _locked(card)
    if card.archived_at is None:
        raise ValidationFailed({"card": "is not archived"})
    breaches = wip_breaches(board, card.column, card.assignee_id, card_id=card.pk)
    if breaches and not reason:
        raise WipLimitExceeded(breaches)
    fields = ["archived_at"]
    over = ""
    if card.sprint_id is not None and sprints.closed(card.sprint):
        sprints.record_membership([card.pk], card.sprint_id, None, now=now)
        card.sprint = None  # its sprint was completed meanwhile: back to the backlog
        fields.append("sprint")
    elif card.sprint_id is not None:
        over = _over_capacity(card)
        if over and not reason:
            raise sprints.CapacityExceeded({"sprint": over})
    card.archived_at = None
    card.save(update_fields=fields)
    overridden = reason if breaches or over else ""
    _event(card, EventKind.RESTORED, now=now, actor=actor, reason=overridden)
    audit.record(
        card.workspace,
        "card.restore",
        card,
        actor=actor,
        after={
            "column": card.column.name,
            **({"override_reason": reason, "limits": breaches} if breaches else {}),
            **({"override_reason": reason, "capacity": over} if over else {}),
        },
    )
    return card


def _over_capacity(card: Card) -> str:
    """Why putting an archived card back in its sprint's plan would take the sprint over
    its capacity, or "" (the sum ``sprints.plan`` checks). Locks the sprint."""
    sprint = Sprint.objects.select_for_update().get(pk=card.sprint_id)
    planned = sprints.planned_points(sprint, exclude=card.pk)
    points = card.estimate or 0
    if planned + points <= sprint.capacity or not points:  # a card of no points adds none
        return ""
    return (
        f"'{sprint.name}' has {planned} of {sprint.capacity} points planned; this card's "
        f"{points} would go over its capacity; give a reason to go over it"
    )


@transaction.atomic
def delete_card(card: Card, *, actor=None) -> None:
    """Delete an archived card for good, with its checklist, comments, labels, links,
    attachments (their files once committed), history and mentions. Refused at ``card``
    with nothing deleted when it is not archived, or was made for another domain's
    deadline (``source_key``: that domain keeps a reference to the card)."""
    card = _locked(card)
    if card.archived_at is None:
        raise ValidationFailed({"card": "archive it first: only an archived card can be deleted"})
    if card.source_key:
        raise ValidationFailed(
            {
                "card": "was made for a deadline elsewhere in Pacer, which still refers to it; "
                "it stays archived"
            }
        )
    keys = list(card.attachments.values_list("key", flat=True))
    audit.record(
        card.workspace,
        "card.delete",
        card,
        actor=actor,
        before={
            "title": card.title,
            "column": card.column.name,
            "comments": card.comments.count(),
            "attachments": len(keys),
        },
    )
    card.delete()
    transaction.on_commit(lambda: [files().delete(key) for key in keys])
