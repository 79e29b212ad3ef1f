"""The workflow editor: a workspace's editorial states in order, which are review states,
which need approval, which are terminal, and the moves out of each (admins change them;
everyone may read them)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.content import actions, selectors
from pacer.content.workflow import MAX_STATES
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, check, page

BLANK_ROWS = 2  # empty rows under the states, to add new ones


@page("content.view")
def workflow_page(request):
    """GET: the workflow; POST (admins): save the edited rows."""
    if request.method != "POST":
        rows = selectors.workflow_rows(request.workspace)
        return _render(request, rows + [_blank() for _ in range(BLANK_ROWS)])
    check(request.role, "content.workflow")
    posted = _posted(request.POST)
    kept = [row for row in posted if not row["remove"] and (row["key"] or row["label"])]
    removed = {row["key"] for row in posted if row["remove"]}
    for row in kept:  # a removed state goes from the moves into it too
        row["moves_to"] = [key for key in row["moves_to"] if key not in removed]
    try:
        actions.save_workflow(request.workspace, kept, actor=request.user)
    except ValidationFailed as error:
        return _render(request, posted, errors=error.errors, kept=kept, status=422)
    messages.success(request, f"Workflow saved: {len(kept)} states.")
    return HttpResponseRedirect(reverse("content-workflow"))


def _blank() -> dict:
    return {"key": "", "label": "", "needs_approval": False, "review": False}


def _posted(data) -> list[dict]:
    """The form's rows, ordered by their position; a row given the position of another
    comes before it (a new state put in that place)."""
    keys, labels = data.getlist("key"), data.getlist("label")
    moves, positions = data.getlist("moves_to"), data.getlist("position")
    rows = []
    for index in range(min(len(keys), len(labels), len(moves), len(positions), MAX_STATES + 5)):
        mark = str(index)
        position = positions[index].strip()
        rows.append(
            {
                "key": keys[index].strip(),
                "label": labels[index].strip(),
                "needs_approval": mark in data.getlist("needs_approval"),
                "review": mark in data.getlist("review"),
                "terminal": mark in data.getlist("terminal"),
                "moves_to": [m.strip() for m in moves[index].split(",") if m.strip()],
                "remove": mark in data.getlist("remove"),
                "order": (int(position) if position.isdecimal() else 10_000, -index),
            }
        )
    return sorted(rows, key=lambda row: row["order"])


def _render(request, rows, *, errors=None, kept=(), status=200):
    """The page; a refusal's ``states[i].field`` shows in the i-th kept row."""
    by_row: dict[int, list[str]] = {}
    general = {}
    for path, reason in (errors or {}).items():
        if path.startswith("states[") and "]" in path:
            index = int(path[len("states[") : path.index("]")])
            field = path[path.index("]") + 2 :] or "state"
            target = id(kept[index]) if index < len(kept) else None
            by_row.setdefault(target, []).append(f"{field.replace('_', ' ')}: {reason}")
        else:
            general[path] = reason
    for position, row in enumerate(rows):
        row["index"] = position
        row["moves_text"] = ", ".join(row.get("moves_to") or [])
        row["errors"] = by_row.get(id(row), [])
        row.setdefault("items", 0)  # else the template reads dict.items
    return render(
        request,
        "content/workflow.html",
        {
            "rows": rows,
            "errors": general,
            "can_edit": allows(request.role, "content.workflow"),
        },
        status=status,
    )
