"""Sprints: making one (1 to 4 whole weeks, not overlapping another of the board),
editing it under the same rules, planning cards into it within its capacity, the capacity
check a new estimate of a planned card goes through (``actions.update_card``,
``bulk.bulk_edit``), and completing it (Jira's "Complete sprint").

Archived cards are out of a sprint's plan: they count in neither its planned points nor
its capacity. Completing a sprint closes it for good: what it finished (the cards in a
done column) is its velocity, and its unfinished cards go on to the backlog or to another
open sprint of the board, as the user chooses. A closed sprint is not edited, planned
into or out of, nor completed again.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum

from pacer.core import audit, clock
from pacer.core.errors import LAST_DAY, ValidationFailed, row_id
from pacer.work import checks
from pacer.work.models import Board, Card, EstimateChange, Sprint, SprintMembership, Stage

SPRINT_WEEKS = (1, 2, 3, 4)
BACKLOG = "backlog"
# what became of each card of a completed sprint (``Sprint.outcome``)
DONE, CARRIED, ARCHIVED = "done", "carried", "archived"


class CapacityExceeded(ValidationFailed):
    """A new estimate would take a card's sprint over its capacity (and gave no reason)."""


def record_estimate(card: Card, before: int | None, *, now: datetime) -> None:
    """Keep a change of ``card``'s estimate (from ``before`` to what it holds now) for its
    sprints' charts; nothing when it did not change."""
    if before != card.estimate:
        EstimateChange.objects.create(
            workspace_id=card.workspace_id, card=card, before=before, after=card.estimate, at=now
        )


def planned_cards(sprint: Sprint):
    """The sprint's cards that count in its plan: those not archived."""
    return sprint.cards.filter(archived_at__isnull=True)


def planned_points(sprint: Sprint, *, exclude: int | None = None) -> int:
    """The estimate points of the sprint's cards not archived (but card ``exclude``)."""
    found = planned_cards(sprint).exclude(pk=exclude)
    return found.aggregate(total=Sum("estimate"))["total"] or 0


def closed(sprint: Sprint) -> str:
    """Why the sprint can no longer be changed ("" while it is open)."""
    if sprint.completed_at is None:
        return ""
    return f"'{sprint.name}' was completed on {sprint.completed_at.date()}"


def over_capacity(sprint: Sprint, estimates: dict[int, int | None]) -> str:
    """Why giving the sprint's cards the ``estimates`` (card id -> points) would take it
    over its capacity, or "" (also when the total does not grow: a sprint already over
    may shrink). Locks the sprint row, as ``plan`` does."""
    Sprint.objects.select_for_update().get(pk=sprint.pk)
    held = dict(planned_cards(sprint).values_list("pk", "estimate"))
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


def record_membership(card_ids, left: int | None, joined: Sprint | None, *, now: datetime) -> None:
    """The cards left sprint ``left`` (an id; None: they were in none) and joined sprint
    ``joined`` (None: the backlog) at ``now`` (``SprintMembership``)."""
    if left is not None:
        SprintMembership.objects.filter(
            sprint_id=left, card_id__in=card_ids, left_at__isnull=True
        ).update(left_at=now)
    if joined is not None:
        SprintMembership.objects.bulk_create(
            SprintMembership(
                workspace_id=joined.workspace_id, sprint=joined, card_id=pk, joined_at=now
            )
            for pk in card_ids
        )


def _weeks(errors: dict, weeks) -> int | None:
    try:
        weeks = int(weeks)
    except (TypeError, ValueError):
        weeks = None
    if weeks not in SPRINT_WEEKS:
        errors["weeks"] = "a sprint lasts 1, 2, 3 or 4 weeks"
        return None
    return weeks


def _capacity(errors: dict, capacity) -> int | None:
    try:
        capacity = int(capacity)
        if not 1 <= capacity <= 100_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["capacity"] = "must be a whole number of points from 1 to 100000"
        return None
    return capacity


def _dates(board: Board, first, weeks: int, *, sprint_id: int | None = None):
    """The sprint's first and last day; refused at ``start`` past the last day Pacer
    keeps or over another sprint of the board. Call with the board locked."""
    last = first + timedelta(days=7 * weeks - 1)
    if last > LAST_DAY:
        raise ValidationFailed({"start": f"the sprint must end by {LAST_DAY}"})
    clash = board.sprints.filter(start__lte=last, end__gte=first).exclude(pk=sprint_id).first()
    if clash is not None:
        raise ValidationFailed(
            {"start": f"overlaps sprint '{clash.name}' ({clash.start} to {clash.end})"}
        )
    return first, last


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
    weeks = _weeks(errors, weeks)
    capacity = _capacity(errors, capacity)
    if errors:
        raise ValidationFailed(errors)
    Board.objects.select_for_update().get(pk=board.pk)
    first, last = _dates(board, first, weeks)
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


EDITABLE = ("name", "goal", "start", "weeks", "capacity")


def weeks_of(sprint: Sprint) -> int:
    return ((sprint.end - sprint.start).days + 1) // 7


@transaction.atomic
def update_sprint(sprint: Sprint, *, actor=None, **changes) -> Sprint:
    """Change an open sprint's name, goal, first day (``start``), length (``weeks``) and
    capacity: only those given, under the rules of ``create_sprint`` (1 to 4 whole weeks,
    no overlap with another sprint of the board); the capacity cannot go below the points
    already planned. All of it or nothing."""
    errors: dict[str, str] = {f: "cannot be changed here" for f in set(changes) - set(EDITABLE)}
    values: dict = {}
    if "name" in changes:
        values["name"] = checks.text(errors, "name", changes["name"], 100)
    if "goal" in changes:
        values["goal"] = checks.text(errors, "goal", changes["goal"], 300, required=False)
    first = weeks = None
    if "start" in changes:
        first = checks.day(errors, "start", changes["start"])
        if first is None and "start" not in errors:
            errors["start"] = "must be a day (YYYY-MM-DD)"
    if "weeks" in changes:
        weeks = _weeks(errors, changes["weeks"])
    if "capacity" in changes:
        values["capacity"] = _capacity(errors, changes["capacity"])
    if errors:
        raise ValidationFailed(errors)
    board = Board.objects.select_for_update().get(pk=sprint.board_id)
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if closed(sprint):
        raise ValidationFailed({"sprint": closed(sprint)})
    if first is not None or weeks is not None:
        values["start"], values["end"] = _dates(
            board, first or sprint.start, weeks or weeks_of(sprint), sprint_id=sprint.pk
        )
    planned = planned_points(sprint)
    if values.get("capacity", sprint.capacity) < planned:
        raise ValidationFailed(
            {
                "capacity": f"{planned} points are planned in '{sprint.name}'; "
                "take cards out before lowering its capacity below that"
            }
        )
    values = {f: v for f, v in values.items() if getattr(sprint, f) != v}
    if not values:
        return sprint
    before = audit.snapshot(sprint, list(values))
    for field, value in values.items():
        setattr(sprint, field, value)
    sprint.save(update_fields=list(values))
    audit.record(
        board.workspace,
        "sprint.update",
        sprint,
        actor=actor,
        before=before,
        after=audit.snapshot(sprint, list(values)),
    )
    return sprint


@transaction.atomic
def plan(card: Card, sprint: Sprint | None, *, actor=None, now: datetime | None = None) -> Card:
    """Put a card into a sprint of its board (or back in the backlog with None) at ``now``
    (by default the present: when it left its sprint and joined the other). A card needs
    an estimate to be planned, and the sprint's estimates must stay within its capacity.
    Neither an archived card nor a card of a completed sprint moves, and a completed
    sprint takes no card."""
    card = checks.writable(card)
    if card.sprint_id is not None and closed(card.sprint):
        raise ValidationFailed({"sprint": closed(card.sprint)})
    if sprint is not None:
        if sprint.board_id != card.board_id:
            raise ValidationFailed({"sprint": "is not a sprint of the card's board"})
        if card.estimate is None:
            raise ValidationFailed({"estimate": "estimate the card before planning it"})
        sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
        if closed(sprint):
            raise ValidationFailed({"sprint": closed(sprint)})
        planned = planned_points(sprint, exclude=card.pk)
        if planned + card.estimate > sprint.capacity:
            raise ValidationFailed(
                {
                    "sprint": f"'{sprint.name}' has {planned} of {sprint.capacity} points "
                    f"planned; this card's {card.estimate} would go over its capacity"
                }
            )
    before = {"sprint": card.sprint_id}
    if card.sprint_id != (sprint.pk if sprint else None):
        record_membership([card.pk], card.sprint_id, sprint, now=now or clock.now())
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


def _next_sprint(errors: dict, sprint: Sprint, to) -> Sprint | None:
    """Where the unfinished cards go: None for the backlog, else an open sprint of the
    board (not this one)."""
    if to in (None, "", BACKLOG):
        return None
    found = (
        Sprint.objects.select_for_update()
        .filter(board_id=sprint.board_id, completed_at__isnull=True, pk=row_id(to))
        .exclude(pk=sprint.pk)
        .first()
    )
    if found is None:
        errors["to"] = f"must be '{BACKLOG}' or another open sprint of this board"
    return found


@transaction.atomic
def complete_sprint(
    sprint: Sprint, *, to, now: datetime, override_reason: str = "", actor=None
) -> Sprint:
    """Close a sprint that has begun: the points of its cards in a done column (not
    archived) are its ``done_points``, its velocity; its other cards (not archived) go to
    ``to``: ``"backlog"`` or the id of another open sprint of the board. Carried into a
    sprint they would take over its capacity, it is refused at ``to`` unless
    ``override_reason`` says why (recorded in the audit log). A sprint completed already,
    or not begun by ``now``, is refused at ``sprint``. All of it or nothing."""
    errors: dict[str, str] = {}
    reason = checks.text(errors, "override_reason", override_reason, 300, required=False)
    Board.objects.select_for_update().get(pk=sprint.board_id)
    sprint = Sprint.objects.select_for_update().get(pk=sprint.pk)
    if closed(sprint):
        raise ValidationFailed({"sprint": f"{closed(sprint)}; a sprint is completed once"})
    if sprint.start > now.date():
        raise ValidationFailed(
            {"sprint": f"'{sprint.name}' has not begun: it starts on {sprint.start}"}
        )
    target = _next_sprint(errors, sprint, to)
    if errors:
        raise ValidationFailed(errors)
    cards = list(
        sprint.cards.select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", "estimate", "column__stage", "archived_at")
    )
    done = [(pk, points) for pk, points, stage, gone in cards if not gone and stage == Stage.DONE]
    unfinished = [
        (pk, points) for pk, points, stage, gone in cards if not gone and stage != Stage.DONE
    ]
    carried_points = sum(points or 0 for _, points in unfinished)
    over = ""
    if target is not None:
        planned = planned_points(target)
        if planned + carried_points > target.capacity:
            over = (
                f"'{target.name}' has {planned} of {target.capacity} points planned; the "
                f"{carried_points} unfinished would go over its capacity; give a reason to go over"
            )
            if not reason:
                raise CapacityExceeded({"to": over})
    carried = [pk for pk, _ in unfinished]
    Card.objects.filter(pk__in=carried).update(sprint=target)
    record_membership(carried, sprint.pk, target, now=now)
    sprint.completed_at = now
    sprint.done_points = sum(points or 0 for _, points in done)
    done_ids, carried_ids = {pk for pk, _ in done}, {pk for pk, _ in unfinished}
    sprint.outcome = [
        [pk, points or 0, DONE if pk in done_ids else CARRIED if pk in carried_ids else ARCHIVED]
        for pk, points, _, _ in cards
    ]
    sprint.carried_to = target
    sprint.save(update_fields=["completed_at", "done_points", "outcome", "carried_to"])
    audit.record(
        sprint.workspace,
        "sprint.complete",
        sprint,
        actor=actor,
        after={
            "done_points": sprint.done_points,
            "done_cards": sorted(pk for pk, _ in done),
            "carried": [pk for pk, _ in unfinished],
            "carried_points": carried_points,
            "to": target.pk if target else BACKLOG,
            **({"override_reason": reason, "capacity": over} if over else {}),
        },
    )
    return sprint
