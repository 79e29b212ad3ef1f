"""Sprints: making one (1 to 4 whole weeks, not overlapping another of the board),
planning cards into it within its capacity, and the capacity check a new estimate of a
planned card goes through (``actions.update_card``, ``bulk.bulk_edit``)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import Sum

from pacer.core import audit
from pacer.core.errors import LAST_DAY, ValidationFailed
from pacer.work import checks
from pacer.work.models import Board, Card, Sprint

SPRINT_WEEKS = (1, 2, 3, 4)


class CapacityExceeded(ValidationFailed):
    """A new estimate would take a card's sprint over its capacity (and gave no reason)."""


def over_capacity(sprint: Sprint, estimates: dict[int, int | None]) -> str:
    """Why giving the sprint's cards the ``estimates`` (card id -> points) would take it
    over its capacity, or "" (also when the total does not grow: a sprint already over
    may shrink). Locks the sprint row, as ``plan`` does."""
    Sprint.objects.select_for_update().get(pk=sprint.pk)
    held = dict(sprint.cards.values_list("pk", "estimate"))
    before = sum(points or 0 for points in held.values())
    after = before + sum(
        (points or 0) - (held.get(card_id) or 0)
        for card_id, points in estimates.items()
        if card_id in held
    )
    if after <= sprint.capacity or after <= before:
        return ""
    return (
        f"'{sprint.name}' would have {after} of its {sprint.capacity} points planned; "
        "give a reason to go over its capacity"
    )


@transaction.atomic
def create_sprint(
    board: Board, *, name: str, start, weeks, capacity, goal: str = "", actor=None
) -> Sprint:
    """A sprint of 1 to 4 whole weeks from ``start`` on a board, not overlapping another."""
    errors: dict[str, str] = {}
    name = checks.text(errors, "name", name, 100)
    goal = checks.text(errors, "goal", goal, 300, required=False)
    first = checks.day(errors, "start", start)
    if first is None and "start" not in errors:
        errors["start"] = "must be a day (YYYY-MM-DD)"
    try:
        weeks = int(weeks)
    except (TypeError, ValueError):
        weeks = None
    if weeks not in SPRINT_WEEKS:
        errors["weeks"] = "a sprint lasts 1, 2, 3 or 4 weeks"
    try:
        capacity = int(capacity)
        if not 1 <= capacity <= 100_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["capacity"] = "must be a whole number of points from 1 to 100000"
    if errors:
        raise ValidationFailed(errors)

    last = first + timedelta(days=7 * weeks - 1)
    if last > LAST_DAY:
        raise ValidationFailed({"start": f"the sprint must end by {LAST_DAY}"})
    Board.objects.select_for_update().get(pk=board.pk)
    clash = board.sprints.filter(start__lte=last, end__gte=first).first()
    if clash is not None:
        raise ValidationFailed(
            {"start": f"overlaps sprint '{clash.name}' ({clash.start} to {clash.end})"}
        )
    sprint = Sprint.objects.create(
        workspace=board.workspace,
        board=board,
        name=name,
        goal=goal,
        start=first,
        end=last,
        capacity=capacity,
    )
    audit.record(
        board.workspace, "sprint.create", sprint, actor=actor, after=audit.snapshot(sprint)
    )
    return sprint


@transaction.atomic
def plan(card: Card, sprint: Sprint | None, *, actor=None) -> Card:
    """Put a card into a sprint of its board (or back in the backlog with None). A card
    needs an estimate to be planned, and the sprint's estimates must stay within its
    capacity."""
    card = Card.objects.select_for_update().get(pk=card.pk)
    if sprint is not None:
        if sprint.board_id != card.board_id:
            raise ValidationFailed({"sprint": "is not a sprint of the card's board"})
        if card.estimate is None:
            raise ValidationFailed({"estimate": "estimate the card before planning it"})
        Sprint.objects.select_for_update().get(pk=sprint.pk)
        planned = sprint.cards.exclude(pk=card.pk).aggregate(total=Sum("estimate"))["total"] or 0
        if planned + card.estimate > sprint.capacity:
            raise ValidationFailed(
                {
                    "sprint": f"'{sprint.name}' has {planned} of {sprint.capacity} points "
                    f"planned; this card's {card.estimate} would go over its capacity"
                }
            )
    before = {"sprint": card.sprint_id}
    card.sprint = sprint
    card.save(update_fields=["sprint"])
    audit.record(
        card.workspace,
        "card.plan",
        card,
        actor=actor,
        before=before,
        after={"sprint": sprint.pk if sprint else None},
    )
    return card
