"""Bulk edit: the same change to many cards of a board, all or nothing.

A change sets any of: the assignee (``None``: nobody), the due day (``None``: none), the
estimate (``None``: none), the swimlane (``None``: none), the column, a link to add
(``(kind, id)``), a label to add (``add_label``: its id) and one to take off
(``remove_label``). It is checked as a whole before anything is written, with the board's
row lock held (the lock single moves take): the columns' WIP limits against every card
that would enter them, the limit per person against every card each person would hold in
progress afterwards. Over a limit the whole change is refused, each card that would break
one named with the reason (``cards.<id>.column`` / ``cards.<id>.assignee``), unless
``override_reason`` says why it must go over: then it is made, and each card's move and
the audit log record that reason. A new estimate is checked the same way against the
capacity of each sprint whose cards it changes (``cards.<id>.estimate``). A link is
refused for each card that already links to what it names, by any spelling
(``cards.<id>.link.target_id``, as the single add refuses it at ``target_id``); no reason
lets that through. Nothing is written when anything is refused.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Count

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.work import checks, labels, links, ordering
from pacer.work.actions import record_move
from pacer.work.models import Board, Card, CardLabel, CardLink, Label, LinkKind, Stage
from pacer.work.sprints import over_capacity, record_estimate

MAX_BULK = 200
FIELDS = ("assignee", "due", "estimate", "swimlane", "column", "link", "add_label", "remove_label")


LIMITS = ("column", "assignee", "estimate")  # the refusals a reason lets go over


class BulkRefused(ValidationFailed):
    """Cards the change cannot be made to; ``per_card``: card id -> {field: reason}, a
    field of ``LIMITS`` (a WIP limit, a sprint's capacity) or ``link.target_id`` (the card
    already has the link)."""

    def __init__(self, per_card: dict[int, dict[str, str]]):
        self.per_card = per_card
        super().__init__(
            {
                f"cards.{card_id}.{field}": reason
                for card_id, found in per_card.items()
                for field, reason in found.items()
            }
        )


@dataclass(frozen=True)
class Outcome:
    cards: list[Card]  # the changed cards, in board order
    moved: int  # how many changed column or swimlane
    over_limit: bool  # a WIP limit was overridden (with the reason given)


def selected_ids(card_ids) -> list[int]:
    """The ids of a bulk change's cards, sorted, each once (1 to ``MAX_BULK``)."""
    try:
        ids = sorted({int(i) for i in card_ids})
    except (TypeError, ValueError):
        raise ValidationFailed({"cards": "must be card ids"}) from None
    if ids and not 1 <= ids[0] <= ids[-1] < 2**63:  # a card's id; SQLite overflows beyond
        raise ValidationFailed({"cards": "must be card ids"})
    if not 1 <= len(ids) <= MAX_BULK:
        raise ValidationFailed({"cards": f"select 1 to {MAX_BULK} cards"})
    return ids


def _cleaned(board: Board, changes: dict, errors: dict) -> dict:
    """The changes checked and turned into values (model objects, days, numbers)."""
    values = {}
    for field in set(changes) - set(FIELDS):
        errors[field] = "cannot be changed in bulk"
    if "assignee" in changes:
        values["assignee"] = checks.member(errors, "assignee", board.workspace, changes["assignee"])
    if "due" in changes:
        values["due"] = checks.day(errors, "due", changes["due"])
    if "estimate" in changes:
        values["estimate"] = checks.estimate(errors, changes["estimate"])
    if "swimlane" in changes:
        values["swimlane"] = checks.lane_of(errors, board, changes["swimlane"])
    if changes.get("column") not in (None, ""):
        values["column"] = checks.column_of(errors, board, changes["column"])
    if "link" in changes:
        kind, target = (tuple(changes["link"] or ()) + ("", ""))[:2]
        if kind not in LinkKind.values:
            errors["link.kind"] = f"must be one of {', '.join(LinkKind.values)}"
        target = checks.text(errors, "link.target_id", target, 64)
        found = None
        if "link.kind" not in errors and target:
            found = links.resolve(board.workspace, kind, target)
            if found is None:
                label = LinkKind(kind).label.lower()
                errors["link.target_id"] = f"there is no {label} '{target}' in this workspace"
        values["link"] = (kind, found)
    for field in ("add_label", "remove_label"):
        if changes.get(field) not in (None, ""):
            found = checks.labels_of(errors, board, [changes[field]], limit=1, field=field)
            values[field] = found[0] if found else None
    if not values and not errors:
        errors["cards"] = "choose something to change: " + ", ".join(FIELDS)
    return values


def _limits(board: Board, cards: list[Card], values: dict) -> dict[int, dict[str, str]]:
    """The WIP limits the change would break, per card that would break them."""
    columns = {c.pk: c for c in board.columns.all()}
    selected = {card.pk for card in cards}
    after_column = {card.pk: values.get("column", card.column).pk for card in cards}
    after_person = {
        card.pk: (values["assignee"].pk if values["assignee"] else None)
        if "assignee" in values
        else card.assignee_id
        for card in cards
    }
    found: dict[int, dict[str, str]] = {}
    others = Card.objects.filter(board=board, archived_at__isnull=True).exclude(pk__in=selected)
    entering = {after_column[c.pk] for c in cards if after_column[c.pk] != c.column_id}
    for column_id in sorted(entering):
        column = columns[column_id]
        if column.wip_limit is None:
            continue
        held = others.filter(column_id=column_id).count() + sum(
            1 for c in cards if after_column[c.pk] == column_id
        )
        if held > column.wip_limit:
            reason = f"'{column.name}' would hold {held} cards, its WIP limit is {column.wip_limit}"
            for card in cards:
                if after_column[card.pk] == column_id and card.column_id != column_id:
                    found.setdefault(card.pk, {})["column"] = reason
    limit = board.person_wip_limit
    if limit is None:
        return found

    def doing(column_id: int) -> bool:
        return columns[column_id].stage == Stage.DOING

    gaining = {
        after_person[c.pk]
        for c in cards
        if after_person[c.pk]
        and doing(after_column[c.pk])
        and not (c.assignee_id == after_person[c.pk] and doing(c.column_id))
    }
    for person_id in gaining:
        held = others.filter(assignee_id=person_id, column__stage=Stage.DOING).count() + sum(
            1 for c in cards if after_person[c.pk] == person_id and doing(after_column[c.pk])
        )
        if held > limit:
            name = User.objects.get(pk=person_id).get_username()
            reason = f"{name} would hold {held} cards in progress, the limit per person is {limit}"
            for card in cards:
                newly = not (card.assignee_id == person_id and doing(card.column_id))
                if after_person[card.pk] == person_id and doing(after_column[card.pk]) and newly:
                    found.setdefault(card.pk, {})["assignee"] = reason
    return found


def _capacity(cards: list[Card], values: dict) -> dict[int, str]:
    """Card id -> why its new estimate takes its sprint over capacity (each card of a
    sprint that the change takes over, whose estimate changes)."""
    if "estimate" not in values:
        return {}
    changing = [c for c in cards if c.sprint_id and c.estimate != values["estimate"]]
    found = {}
    for sprint_id in sorted({c.sprint_id for c in changing}):
        mine = [c for c in changing if c.sprint_id == sprint_id]
        over = over_capacity(mine[0].sprint, {c.pk: values["estimate"] for c in mine})
        found.update({c.pk: over for c in mine if over})
    return found


@transaction.atomic
def bulk_edit(
    board: Board,
    card_ids,
    changes: dict,
    *,
    now: datetime,
    override_reason: str = "",
    actor=None,
) -> Outcome:
    """Apply ``changes`` (see the module docstring) to the cards ``card_ids`` of ``board``:
    all of them or, on any refusal (``ValidationFailed``; ``BulkRefused`` for a WIP
    limit), none."""
    errors: dict[str, str] = {}
    reason = checks.text(errors, "override_reason", override_reason, 300, required=False)
    ids = selected_ids(card_ids)
    board = Board.objects.select_for_update().get(pk=board.pk)  # the WIP lock
    values = _cleaned(board, changes, errors)
    if errors:
        raise ValidationFailed(errors)
    cards = list(
        Card.objects.select_for_update(of=("self",))  # not the outer-joined lane or person
        .filter(board=board, archived_at__isnull=True, pk__in=ids)
        .select_related("column", "swimlane", "assignee")
        .order_by("column__position", "position", "id")
    )
    if len(cards) != len(ids):
        raise ValidationFailed({"cards": "some selected cards are not on this board"})
    breaches = _limits(board, cards, values)
    for card_id, over in _capacity(cards, values).items():
        breaches.setdefault(card_id, {})["estimate"] = over
    refused = _refused(cards, {} if reason else breaches, _linked(cards, values))
    if refused:
        raise BulkRefused(refused)
    if values.get("add_label"):
        full = _full_of_labels(cards, values["add_label"])
        if full:
            raise ValidationFailed({"add_label": full})
    moved = 0
    for card in cards:
        moved += _apply(card, values, breaches.get(card.pk, {}), reason, now=now, actor=actor)
    if "link" in values:
        kind, target = values["link"]
        CardLink.objects.bulk_create(
            [CardLink(card=card, kind=kind, target_id=target.ref) for card in cards]
        )
    return Outcome(cards, moved, bool(breaches))


def _linked(cards: list[Card], values: dict) -> dict[int, str]:
    """Card id -> why the link cannot be added to it (it already links to that thing).
    A link being added to a card at the same time holds the card's row (its key share),
    so the cards' locks make this wait for it and see it."""
    if "link" not in values:
        return {}
    kind, target = values["link"]
    held = CardLink.objects.filter(card__in=cards, kind=kind, target_id=target.ref)
    return dict.fromkeys(held.values_list("card_id", flat=True), links.linked_already(kind, target))


def _refused(
    cards: list[Card], breaches: dict[int, dict[str, str]], linked: dict[int, str]
) -> dict[int, dict[str, str]]:
    """Every refusal of the change by card, in board order."""
    refused = {}
    for card in cards:
        found = dict(breaches.get(card.pk, {}))
        if card.pk in linked:
            found["link.target_id"] = linked[card.pk]
        if found:
            refused[card.pk] = found
    return refused


def _full_of_labels(cards: list[Card], label: Label) -> str:
    """Why ``label`` cannot go on every card ("" when it can)."""
    held = (
        CardLabel.objects.filter(card__in=cards)
        .exclude(card__in=CardLabel.objects.filter(label=label).values("card"))
        .values("card")
        .annotate(n=Count("id"))
        .filter(n__gte=labels.MAX_CARD_LABELS)
        .values_list("card", flat=True)
    )
    full = sorted(held)
    if not full:
        return ""
    return (
        f"card{'s' if len(full) > 1 else ''} {', '.join(map(str, full))} already carr"
        f"{'y' if len(full) > 1 else 'ies'} {labels.MAX_CARD_LABELS} labels"
    )


def _apply(card: Card, values: dict, breaches: dict, reason: str, *, now, actor) -> int:
    fields = [f for f in ("assignee", "due", "estimate") if f in values]
    before = {
        **audit.snapshot(card, fields),
        "column": card.column.name,
        "swimlane": card.swimlane.name if card.swimlane else None,
    }
    estimate = card.estimate
    for field in fields:
        setattr(card, field, values[field])
    origin = card.column
    target = values.get("column", origin)
    lane = values.get("swimlane", card.swimlane)
    changed_cell = target.pk != origin.pk or (lane.pk if lane else None) != card.swimlane_id
    if changed_cell:
        card.position = ordering.slot(target.pk, lane.pk if lane else None, card_id=card.pk)
        card.column, card.swimlane = target, lane
    card.save(
        update_fields=[*fields, *(["column", "swimlane", "position"] if changed_cell else [])]
    )
    record_estimate(card, estimate, now=now)
    if target.pk != origin.pk:
        record_move(card, origin, target, now=now, actor=actor, reason=reason if breaches else "")
    added, removed = labels.write(
        card,
        [values["add_label"]] if "add_label" in values else [],
        [values["remove_label"]] if "remove_label" in values else [],
        now=now,
        actor=actor,
        audited=False,
    )
    after = {
        **audit.snapshot(card, fields),
        "column": target.name,
        "swimlane": lane.name if lane else None,
        **({"link": f"{values['link'][0]}/{values['link'][1].ref}"} if "link" in values else {}),
        **({"labels": labels.note(added, removed)} if added or removed else {}),
        **({"override_reason": reason, "limits": breaches} if breaches else {}),
    }
    if {"column", "assignee"} & set(breaches):
        action = "card.wip_override"
    else:
        action = "card.capacity_override" if breaches else "card.bulk_edit"
    audit.record(
        card.workspace,
        action,
        card,
        actor=actor,
        before=before,
        after=after,
    )
    return int(changed_cell)
