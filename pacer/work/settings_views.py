"""The settings page of a board: its columns (add, rename, change kind and WIP limit,
reorder, remove with a column for their cards), the WIP limit per person, and its
swimlanes. Every form posts an ``op`` here; a refusal shows the page again with the
reasons under that form's fields (HTTP 422) and nothing changed."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.work import board_edit, selectors
from pacer.work.models import Board, Column, Stage, Swimlane
from pacer.work.views import _board_or_404


def _column(board: Board, value) -> Column:
    found = board.columns.filter(pk=_whole(value)).first()
    if found is None:
        raise ValidationFailed({"column": "is not a column of this board"})
    return found


def _lane(board: Board, value) -> Swimlane:
    found = board.swimlanes.filter(pk=_whole(value)).first()
    if found is None:
        raise ValidationFailed({"swimlane": "is not a swimlane of this board"})
    return found


def _whole(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _moved(position: int, direction: str) -> int:
    return position - 1 if direction == "up" else position + 1


def _add_column(board, data, user):
    column = board_edit.add_column(
        board,
        name=data.get("name", ""),
        stage=data.get("stage", ""),
        wip_limit=data.get("wip_limit", ""),
        position=data.get("position", ""),
        actor=user,
    )
    return f"Column '{column.name}' added."


def _change_column(board, data, user):
    column = board_edit.update_column(
        _column(board, data.get("column")),
        name=data.get("name", ""),
        stage=data.get("stage", ""),
        wip_limit=data.get("wip_limit", ""),
        actor=user,
    )
    limit = f"WIP limit {column.wip_limit}" if column.wip_limit else "no WIP limit"
    return f"Column '{column.name}' saved ({limit})."


def _move_column(board, data, user):
    column = _column(board, data.get("column"))
    board_edit.update_column(
        column, position=_moved(column.position, data.get("direction", "")), actor=user
    )
    return f"Column '{column.name}' moved."


def _remove_column(board, data, user):
    column = _column(board, data.get("column"))
    moved = board_edit.remove_column(
        column, now=clock.now(), move_cards_to=data.get("move_cards_to", ""), actor=user
    )
    return f"Column '{column.name}' removed" + (f"; {moved} cards moved." if moved else ".")


def _person_limit(board, data, user):
    board = board_edit.set_person_limit(board, data.get("person_wip_limit", ""), actor=user)
    limit = board.person_wip_limit
    return f"WIP limit per person: {limit}." if limit else "No WIP limit per person."


def _add_lane(board, data, user):
    lane = board_edit.add_swimlane(
        board, name=data.get("name", ""), position=data.get("position", ""), actor=user
    )
    return f"Swimlane '{lane.name}' added."


def _rename_lane(board, data, user):
    lane = board_edit.update_swimlane(
        _lane(board, data.get("swimlane")), name=data.get("name", ""), actor=user
    )
    return f"Swimlane '{lane.name}' saved."


def _move_lane(board, data, user):
    lane = _lane(board, data.get("swimlane"))
    board_edit.update_swimlane(
        lane, position=_moved(lane.position, data.get("direction", "")), actor=user
    )
    return f"Swimlane '{lane.name}' moved."


def _remove_lane(board, data, user):
    lane = _lane(board, data.get("swimlane"))
    held = board_edit.remove_swimlane(lane, actor=user)
    return f"Swimlane '{lane.name}' removed" + (
        f"; its {held} cards are in no swimlane now." if held else "."
    )


OPERATIONS = {
    "column-add": _add_column,
    "column-change": _change_column,
    "column-move": _move_column,
    "column-remove": _remove_column,
    "person-limit": _person_limit,
    "lane-add": _add_lane,
    "lane-rename": _rename_lane,
    "lane-move": _move_lane,
    "lane-remove": _remove_lane,
}


def _failed_form(data) -> str:
    """Which form on the page a refusal belongs to (its errors are shown there)."""
    operation = data.get("op", "")
    if operation in ("column-change", "column-move", "column-remove"):
        return f"column-{data.get('column', '')}"
    if operation in ("lane-rename", "lane-move", "lane-remove"):
        return f"lane-{data.get('swimlane', '')}"
    return operation


def _settings_page(request, board, failed="", errors=None, form=None, status: int = 200):
    errors, form = errors or {}, form or {}
    counts = selectors.column_counts(board)
    columns = list(board.columns.all())
    lanes = list(board.swimlanes.all())
    stage_options = list(Stage.choices)
    rows = []
    for column in columns:
        key = f"column-{column.pk}"
        mine = failed == key
        saved = {"name": column.name, "stage": column.stage, "wip_limit": column.wip_limit}
        rows.append(
            {
                "column": column,
                "key": key,
                "cards": counts.get(column.pk, 0),
                "values": {f: form.get(f, "") for f in saved} if mine else saved,
                "errors": errors if mine else {},
                "targets": [(c.pk, c.name) for c in columns if c.pk != column.pk],
                "remove_title": f"Remove the column '{column.name}'",
            }
        )
    lane_rows = [
        {
            "lane": lane,
            "key": f"lane-{lane.pk}",
            "name": form.get("name", "") if failed == f"lane-{lane.pk}" else lane.name,
            "errors": errors if failed == f"lane-{lane.pk}" else {},
        }
        for lane in lanes
    ]
    # the forms that add (and the limit per person): their errors and what was typed
    singles = ("column-add", "person-limit", "lane-add")
    single_errors = {op.replace("-", "_"): errors if failed == op else {} for op in singles}
    single_values = {op.replace("-", "_"): form if failed == op else {} for op in singles}
    shown = {row["key"] for row in rows} | {row["key"] for row in lane_rows} | set(singles)
    context = {
        # a refusal about no form on the page (another board's column, an unknown form)
        "page_errors": errors if failed not in shown else {},
        "board": board,
        "rows": rows,
        "lane_rows": lane_rows,
        "stage_options": stage_options,
        "add_position_options": [("", "At the right end")]
        + [(i, f"Before '{c.name}'") for i, c in enumerate(columns)],
        "lane_position_options": [("", "At the bottom")]
        + [(i, f"Above '{lane.name}'") for i, lane in enumerate(lanes)],
        "add_errors": single_errors,
        "add_values": single_values,
        "person_limit": form.get("person_wip_limit", "")
        if failed == "person-limit"
        else board.person_wip_limit,
        "in_progress": selectors.in_progress_by_person(board),
    }
    return render(request, "work/settings.html", context, status=status)


@page("work.manage")
def board_settings(request, slug: str):
    board = _board_or_404(request, slug)
    if request.method != "POST":
        return _settings_page(request, board)
    data = request.POST
    operation = OPERATIONS.get(data.get("op", ""))
    try:
        if operation is None:
            raise ValidationFailed({"op": f"must be one of {', '.join(OPERATIONS)}"})
        done = operation(board, data, request.user)
    except ValidationFailed as error:
        board.refresh_from_db()
        return _settings_page(request, board, _failed_form(data), error.errors, data, status=422)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("work-board-settings", args=[board.slug]))
