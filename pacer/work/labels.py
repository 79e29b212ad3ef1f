"""A board's labels (ADR 0009): making, renaming, recolouring and deleting them, and
putting them on cards and taking them off.

A label belongs to one board; its name is unique on the board ignoring case. Its colour
is one of the charts' palette, drawn as a chip with the text colour that reads best on
it (``pacer.work.palette``). Each change of a card's labels is a step of the
card's history (``EventKind.LABELS``, note "+Urgent −Design") and an audit entry;
deleting a label takes it off its cards, which each record it.
"""

from datetime import datetime

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.work import checks
from pacer.work.models import Board, Card, CardEvent, CardLabel, EventKind, Label, LabelColour

MAX_LABELS = 50  # on a board
MAX_CARD_LABELS = 10  # on a card


def _clean_name(errors: dict, board: Board, name, *, exclude: int | None = None) -> str:
    name = checks.text(errors, "name", name, 50)
    if name and Label.objects.filter(board=board, name__iexact=name).exclude(pk=exclude).exists():
        errors["name"] = f"'{name}' is already a label on this board"
    return name


def _clean_colour(errors: dict, colour) -> str:
    if colour not in LabelColour.values:
        errors["colour"] = f"must be one of {', '.join(LabelColour.values)}"
    return colour


@transaction.atomic
def create_label(board: Board, *, name: str, colour: str, now: datetime, actor=None) -> Label:
    """A new label on ``board`` (at most ``MAX_LABELS`` a board)."""
    board = Board.objects.select_for_update().get(pk=board.pk)  # one label writer a board
    errors: dict[str, str] = {}
    name = _clean_name(errors, board, name)
    colour = _clean_colour(errors, colour)
    if board.labels.count() >= MAX_LABELS:
        errors["name"] = f"a board holds at most {MAX_LABELS} labels; delete one first"
    if errors:
        raise ValidationFailed(errors)
    label = Label.objects.create(
        workspace=board.workspace, board=board, name=name, colour=colour, created_at=now
    )
    audit.record(board.workspace, "label.create", label, actor=actor, after=audit.snapshot(label))
    return label


@transaction.atomic
def update_label(label: Label, *, name=None, colour=None, actor=None) -> Label:
    """Rename or recolour a label (None: keep); its cards keep it."""
    Board.objects.select_for_update().get(pk=label.board_id)
    label = Label.objects.select_related("board").get(pk=label.pk)
    errors: dict[str, str] = {}
    values = {}
    if name is not None:
        values["name"] = _clean_name(errors, label.board, name, exclude=label.pk)
    if colour is not None:
        values["colour"] = _clean_colour(errors, colour)
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(label, list(values))
    for field, value in values.items():
        setattr(label, field, value)
    label.save(update_fields=list(values))
    audit.record(
        label.workspace,
        "label.update",
        label,
        actor=actor,
        before=before,
        after=audit.snapshot(label, list(values)),
    )
    return label


def card_count(label: Label) -> int:
    """How many cards carry the label (the delete confirmation says it)."""
    return CardLabel.objects.filter(label=label).count()


@transaction.atomic
def delete_label(label: Label, *, now: datetime, actor=None) -> int:
    """Delete a label, taking it off its cards (each card's history records it); answers
    how many cards carried it."""
    Board.objects.select_for_update().get(pk=label.board_id)
    card_ids = list(CardLabel.objects.filter(label=label).values_list("card_id", flat=True))
    CardEvent.objects.bulk_create(
        CardEvent(
            workspace=label.workspace,
            card_id=card_id,
            kind=EventKind.LABELS,
            actor=checks.acting_user(actor),
            at=now,
            note=f"−{label.name} (label deleted)",
        )
        for card_id in card_ids
    )
    audit.record(
        label.workspace,
        "label.delete",
        label,
        actor=actor,
        before={"name": label.name, "colour": label.colour},
        after={"cards": len(card_ids)},
    )
    label.delete()
    return len(card_ids)


def note(added: list[Label], removed: list[Label]) -> str:
    """The history's note for a change: "+Urgent −Design" (cut to 200 characters)."""
    text = " ".join([f"+{x.name}" for x in added] + [f"−{x.name}" for x in removed])
    return text if len(text) <= 200 else text[:199] + "…"


def write(
    card: Card,
    add: list[Label],
    remove: list[Label],
    *,
    now: datetime,
    actor=None,
    audited: bool = True,
) -> tuple[list[Label], list[Label]]:
    """Put ``add`` on the card and take ``remove`` off it (checked by the caller, inside its
    transaction); answers the labels really added and removed. Records the change in the
    card's history and (``audited``) the audit log."""
    held = set(CardLabel.objects.filter(card=card).values_list("label_id", flat=True))
    added = [x for x in add if x.pk not in held]
    removed = [x for x in remove if x.pk in held]
    if not added and not removed:
        return [], []
    CardLabel.objects.bulk_create(CardLabel(card=card, label=x) for x in added)
    CardLabel.objects.filter(card=card, label__in=[x.pk for x in removed]).delete()
    CardEvent.objects.create(
        workspace=card.workspace,
        card=card,
        kind=EventKind.LABELS,
        actor=checks.acting_user(actor),
        at=now,
        note=note(added, removed),
    )
    if audited:
        names = dict(Label.objects.filter(pk__in=held).values_list("pk", "name"))
        after = (set(names.values()) - {x.name for x in removed}) | {x.name for x in added}
        audit.record(
            card.workspace,
            "card.labels",
            card,
            actor=actor,
            before={"labels": sorted(names.values())},
            after={"labels": sorted(after)},
        )
    return added, removed


def _over(card: Card, added: list[Label], removed: list[Label]) -> str:
    held = set(CardLabel.objects.filter(card=card).values_list("label_id", flat=True))
    after = (held - {x.pk for x in removed}) | {x.pk for x in added}
    if len(after) > MAX_CARD_LABELS:
        return f"a card carries at most {MAX_CARD_LABELS} labels"
    return ""


@transaction.atomic
def change_labels(card: Card, *, add=(), remove=(), now: datetime, actor=None) -> Card:
    """Put the labels ``add`` (ids) on the card and take ``remove`` off it."""
    errors: dict[str, str] = {}
    adding = checks.labels_of(errors, card.board, add, limit=MAX_CARD_LABELS, field="add")
    removing = checks.labels_of(errors, card.board, remove, limit=MAX_LABELS, field="remove")
    card = checks.writable(card)
    if not errors and (over := _over(card, adding, removing)):
        errors["labels"] = over
    if errors:
        raise ValidationFailed(errors)
    write(card, adding, removing, now=now, actor=actor)
    return card
