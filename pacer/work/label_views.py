"""The labels page of a board: its labels with how many cards carry each, a form to add
one, rename or recolour one, and delete one after a confirmation that says how many
cards carry it. Every form posts an ``op`` here; a refusal shows the page again with the
reasons at that form (HTTP 422) and nothing changed."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, check, page
from pacer.work import labels, selectors
from pacer.work.models import Board, Label, LabelColour
from pacer.work.views import _board_or_404


def _label(board: Board, value) -> Label:
    try:
        found = board.labels.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise ValidationFailed({"label": "is not a label of this board"})
    return found


def _create(board, data, user) -> str:
    label = labels.create_label(
        board,
        name=data.get("name", ""),
        colour=data.get("colour", ""),
        now=clock.now(),
        actor=user,
    )
    return f"Label '{label.name}' added."


def _update(board, data, user) -> str:
    label = labels.update_label(
        _label(board, data.get("label")),
        name=data.get("name", ""),
        colour=data.get("colour", ""),
        actor=user,
    )
    return f"Label '{label.name}' saved."


def _delete(board, data, user) -> str:
    label = _label(board, data.get("label"))
    cards = labels.delete_label(label, now=clock.now(), actor=user)
    return f"Label '{label.name}' deleted; it was on {cards} card{'s' if cards != 1 else ''}."


# op -> (the write, the permission it needs): a board's labels are managed like its
# columns and swimlanes; any member may put them on cards (``work.edit``)
OPERATIONS = {
    "create": (_create, "work.manage"),
    "update": (_update, "work.manage"),
    "delete": (_delete, "work.manage"),
}


def _page(request, board, *, errors=None, at: str = "", form=None, status: int = 200):
    """The page; ``errors`` belong to the form ``at`` ("create", "label-<id>", or "" for
    the page), which shows ``form`` (what was posted) again."""
    rows = list(selectors.labels(board))
    errors, form = errors or {}, form or {}
    for row in rows:
        row.key = f"label-{row.pk}"
        mine = row.key == at
        row.errors = errors if mine else {}
        row.values = form if mine else {"name": row.name, "colour": row.colour}
    context = {
        "board": board,
        "rows": rows,
        "colour_options": LabelColour.choices,
        "errors": errors if at == "" else {},
        "create_errors": errors if at == "create" else {},
        "create_values": form if at == "create" else {},
        "can_manage": allows(request.role, "work.manage"),
        "max_labels": labels.MAX_LABELS,
    }
    return render(request, "work/labels.html", context, status=status)


@page("work.view")
def label_list(request, slug: str):
    board = _board_or_404(request, slug)
    if request.method != "POST":
        return _page(request, board)
    data = request.POST
    operation = data.get("op", "")
    if operation not in OPERATIONS:
        return _page(request, board, errors={"op": "is not a label operation"}, status=422)
    write, permission = OPERATIONS[operation]
    check(request.role, permission)
    try:
        done = write(board, data, request.user)
    except ValidationFailed as error:
        at = "create" if operation == "create" else f"label-{data.get('label', '')}"
        return _page(request, board, errors=error.errors, at=at, form=data, status=422)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("work-labels", args=[board.slug]))
