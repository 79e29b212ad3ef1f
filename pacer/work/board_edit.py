"""Editing a board after it was made: columns (add, rename, change kind and WIP limit,
reorder, remove) and swimlanes (add, rename, reorder, remove), and the limit per person.

Every change holds the board's row lock (the one moves take), is validated first with
errors naming the field, and is audited. A board keeps at least one to-do and one done
column. A column that holds cards is removed only when they are moved to another column
named by ``move_cards_to``; each such card's move is in its history, as a move by hand.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import F, Max, Min

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.work import checks
from pacer.work.actions import MAX_COLUMNS, MAX_SWIMLANES
from pacer.work.models import Board, Card, CardEvent, Column, EventKind, Stage, Swimlane
from pacer.work.ordering import GAP, renumber


def _locked(board: Board) -> Board:
    return Board.objects.select_for_update().get(pk=board.pk)


def _name(errors: dict, rows, value, *, exclude=None) -> str:
    name = checks.text(errors, "name", value, 60)
    if name and rows.exclude(pk=exclude).filter(name__iexact=name).exists():
        errors["name"] = f"'{name}' is already on this board"
    return name


def _stage(errors: dict, value) -> str:
    if value not in Stage.values:
        errors["stage"] = f"must be one of {', '.join(Stage.values)}"
    return value


def _index(errors: dict, value, count: int) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
        if not 0 <= number < count:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = f"must be a whole number from 0 to {count - 1}"
        return None
    return number


def _reorder(rows: list, moving, index: int | None) -> None:
    """Put ``moving`` at ``index`` (None: the end) and number them all 0, 1, ..."""
    rest = [row for row in rows if row.pk != moving.pk]
    rest.insert(len(rest) if index is None else index, moving)
    for number, row in enumerate(rest):
        if row.position != number:
            row.position = number
            row.save(update_fields=["position"])


@transaction.atomic
def add_column(board: Board, *, name, stage, wip_limit=None, position=None, actor=None) -> Column:
    """A column at ``position`` (0 = leftmost; none: rightmost)."""
    board = _locked(board)
    columns = list(board.columns.all())
    errors: dict[str, str] = {}
    name = _name(errors, board.columns, name)
    stage = _stage(errors, stage)
    limit = checks.limit(errors, "wip_limit", wip_limit)
    index = _index(errors, position, len(columns) + 1)
    if len(columns) >= MAX_COLUMNS:
        errors["columns"] = f"a board has at most {MAX_COLUMNS} columns"
    if errors:
        raise ValidationFailed(errors)
    column = Column.objects.create(
        board=board, name=name, stage=stage, wip_limit=limit, position=len(columns)
    )
    _reorder([*columns, column], column, index)
    audit.record(
        board.workspace, "board.column_add", column, actor=actor, after=audit.snapshot(column)
    )
    return column


def _stages_left(board: Board, without: Column, new_stage: str | None = None) -> dict:
    stages = [c.stage for c in board.columns.exclude(pk=without.pk)]
    if new_stage:
        stages.append(new_stage)
    missing = [s for s in (Stage.TODO, Stage.DONE) if s not in stages]
    return (
        {"stage": f"the board needs at least one {' and one '.join(missing)} column"}
        if missing
        else {}
    )


@transaction.atomic
def update_column(column: Column, *, actor=None, **changes) -> Column:
    """Change a column's ``name``, ``stage`` (its kind), ``wip_limit`` (empty: none) or
    ``position`` (0 = leftmost)."""
    board = _locked(column.board)
    column = Column.objects.get(pk=column.pk)
    errors: dict[str, str] = {
        f: "cannot be changed here"
        for f in set(changes) - {"name", "stage", "wip_limit", "position"}
    }
    values = {}
    if "name" in changes:
        values["name"] = _name(errors, board.columns, changes["name"], exclude=column.pk)
    if "stage" in changes:
        values["stage"] = _stage(errors, changes["stage"])
        if "stage" not in errors:
            errors.update(_stages_left(board, column, values["stage"]))
    if "wip_limit" in changes:
        values["wip_limit"] = checks.limit(errors, "wip_limit", changes["wip_limit"])
    columns = list(board.columns.all())
    index = _index(errors, changes.get("position"), len(columns)) if "position" in changes else None
    if errors:
        raise ValidationFailed(errors)
    before = {**audit.snapshot(column, list(values)), "position": column.position}
    for field, value in values.items():
        setattr(column, field, value)
    if values:
        column.save(update_fields=list(values))
    if index is not None:
        _reorder(columns, column, index)
    column.refresh_from_db()
    audit.record(
        board.workspace,
        "board.column_update",
        column,
        actor=actor,
        before=before,
        after={**audit.snapshot(column, list(values)), "position": column.position},
    )
    return column


@transaction.atomic
def remove_column(column: Column, *, now: datetime, move_cards_to=None, actor=None) -> int:
    """Remove a column; its cards (if any) go to the bottom of column ``move_cards_to``
    (an id of the same board), in their order. Answers how many cards were moved."""
    board = _locked(column.board)
    column = Column.objects.get(pk=column.pk)
    errors: dict[str, str] = _stages_left(board, column)
    cards = Card.objects.filter(column=column)
    held = cards.count()
    target = None
    if move_cards_to not in (None, ""):
        try:
            target = board.columns.exclude(pk=column.pk).get(pk=int(move_cards_to))
        except (TypeError, ValueError, Column.DoesNotExist):
            errors["move_cards_to"] = "is not another column of this board"
    elif held:
        errors["move_cards_to"] = (
            f"'{column.name}' holds {held} card{'s' if held != 1 else ''}; "
            "name the column they should move to"
        )
    if errors:
        raise ValidationFailed(errors)
    if held:
        moved = list(cards.values_list("pk", flat=True))
        for lane in cards.values_list("swimlane", flat=True).distinct():
            shift = (
                (
                    Card.objects.filter(column=target, swimlane=lane).aggregate(m=Max("position"))[
                        "m"
                    ]
                    or 0
                )
                - (cards.filter(swimlane=lane).aggregate(m=Min("position"))["m"] or 0)
                + GAP
            )
            cards.filter(swimlane=lane).update(column=target, position=F("position") + shift)
            renumber(target.pk, lane)  # its cards in order, GAP apart again
        CardEvent.objects.bulk_create(
            CardEvent(
                workspace=board.workspace,
                card_id=card_id,
                kind=EventKind.MOVED,
                from_column=column,
                to_column=target,
                actor=checks.acting_user(actor),
                at=now,
                note=f"column '{column.name}' removed",
            )
            for card_id in moved
        )
    audit.record(
        board.workspace,
        "board.column_remove",
        column,
        actor=actor,
        before=audit.snapshot(column),
        after={"cards_moved_to": target.name if target else None, "cards": held},
    )
    column.delete()
    for number, left in enumerate(board.columns.all()):
        if left.position != number:
            Column.objects.filter(pk=left.pk).update(position=number)
    return held


@transaction.atomic
def set_person_limit(board: Board, person_wip_limit, *, actor=None) -> Board:
    """How many in-progress cards one person may hold on the board (empty: no limit)."""
    errors: dict[str, str] = {}
    limit = checks.limit(errors, "person_wip_limit", person_wip_limit)
    if errors:
        raise ValidationFailed(errors)
    board = _locked(board)
    before = {"person_wip_limit": board.person_wip_limit}
    board.person_wip_limit = limit
    board.save(update_fields=["person_wip_limit"])
    audit.record(
        board.workspace,
        "board.limits",
        board,
        actor=actor,
        before=before,
        after={"person_wip_limit": limit},
    )
    return board


@transaction.atomic
def add_swimlane(board: Board, *, name, position=None, actor=None) -> Swimlane:
    """A swimlane at ``position`` (0 = top; none: the bottom)."""
    board = _locked(board)
    lanes = list(board.swimlanes.all())
    errors: dict[str, str] = {}
    name = _name(errors, board.swimlanes, name)
    index = _index(errors, position, len(lanes) + 1)
    if len(lanes) >= MAX_SWIMLANES:
        errors["swimlanes"] = f"a board has at most {MAX_SWIMLANES} swimlanes"
    if errors:
        raise ValidationFailed(errors)
    lane = Swimlane.objects.create(board=board, name=name, position=len(lanes))
    _reorder([*lanes, lane], lane, index)
    audit.record(
        board.workspace, "board.swimlane_add", lane, actor=actor, after=audit.snapshot(lane)
    )
    return lane


@transaction.atomic
def update_swimlane(lane: Swimlane, *, actor=None, **changes) -> Swimlane:
    """Rename a swimlane (``name``) or move it (``position``, 0 = top)."""
    board = _locked(lane.board)
    lane = Swimlane.objects.get(pk=lane.pk)
    errors: dict[str, str] = {
        f: "cannot be changed here" for f in set(changes) - {"name", "position"}
    }
    lanes = list(board.swimlanes.all())
    name = (
        _name(errors, board.swimlanes, changes["name"], exclude=lane.pk)
        if "name" in changes
        else None
    )
    index = _index(errors, changes.get("position"), len(lanes)) if "position" in changes else None
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(lane)
    if name is not None:
        lane.name = name
        lane.save(update_fields=["name"])
    if index is not None:
        _reorder(lanes, lane, index)
    lane.refresh_from_db()
    audit.record(
        board.workspace,
        "board.swimlane_update",
        lane,
        actor=actor,
        before=before,
        after=audit.snapshot(lane),
    )
    return lane


@transaction.atomic
def remove_swimlane(lane: Swimlane, *, actor=None) -> int:
    """Remove a swimlane; its cards stay in their columns, in no swimlane, below the cards
    already there. Answers how many cards it held."""
    board = _locked(lane.board)
    cards = Card.objects.filter(swimlane=lane)
    held = cards.count()
    columns = list(cards.values_list("column", flat=True).distinct())
    for column_id in columns:
        shift = (
            (
                Card.objects.filter(column_id=column_id, swimlane=None).aggregate(
                    m=Max("position")
                )["m"]
                or 0
            )
            - (cards.filter(column_id=column_id).aggregate(m=Min("position"))["m"] or 0)
            + GAP
        )
        cards.filter(column_id=column_id).update(swimlane=None, position=F("position") + shift)
        renumber(column_id, None)
    audit.record(
        board.workspace,
        "board.swimlane_remove",
        lane,
        actor=actor,
        before=audit.snapshot(lane),
        after={"cards": held},
    )
    lane.delete()
    for number, left in enumerate(board.swimlanes.all()):
        if left.position != number:
            Swimlane.objects.filter(pk=left.pk).update(position=number)
    return held
