"""Pages for sprints: the list and planning of a board's sprints (backlog, capacity),
one sprint's burndown, burnup and velocity, and the stand-up view of a board."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, check, page
from pacer.web.charts import Series, chart
from pacer.work import selectors, sprint_report, sprints
from pacer.work.models import Stage
from pacer.work.views import _board_or_404, _card_or_404


def _sprints_page(request, board, form=None, errors=None, status: int = 200):
    today = clock.now().date()
    return render(
        request,
        "work/sprints.html",
        {
            "board": board,
            "sprints": selectors.sprints(board),
            "current": selectors.current_sprint(board, today),
            "today": today,
            "form": form or {},
            "errors": errors or {},
            "week_options": [(w, f"{w} week{'s' if w > 1 else ''}") for w in sprints.SPRINT_WEEKS],
            "can_manage": allows(request.role, "work.manage"),
        },
        status=status,
    )


@page("work.view")
def sprint_list(request, slug: str):
    board = _board_or_404(request, slug)
    if request.method != "POST":
        return _sprints_page(request, board)
    check(request.role, "work.manage")
    data = request.POST
    try:
        sprint = sprints.create_sprint(
            board,
            name=data.get("name", ""),
            start=data.get("start", ""),
            weeks=data.get("weeks", ""),
            capacity=data.get("capacity", ""),
            goal=data.get("goal", ""),
            actor=request.user,
        )
    except ValidationFailed as error:
        return _sprints_page(request, board, data, error.errors, status=422)
    messages.success(request, f"Sprint '{sprint.name}' planned.")
    return HttpResponseRedirect(reverse("work-sprint", args=[sprint.pk]))


@page("work.view")
def sprint_detail(request, sprint_id: int):
    sprint = selectors.sprint(request.workspace, sprint_id)
    if sprint is None:
        raise Http404("no such sprint")
    if request.method == "POST" and request.POST.get("op") in SPRINT_OPERATIONS:
        return _sprint_change(request, sprint, request.POST["op"])
    if request.method == "POST":
        check(request.role, "work.edit")
        card = _card_or_404(request, request.POST.get("card") or 0)
        target = sprint if request.POST.get("into") == "sprint" else None
        try:
            sprints.plan(card, target, actor=request.user)
        except ValidationFailed as error:
            refused = {
                "card": card.pk,
                "errors": error.errors,
                "title": f"'{card.title}' was not {'planned' if target else 'moved'}",
                "prefix": f"plan-{card.pk}-",
            }
            return _sprint_page(request, sprint, refused)
        where = f"into {sprint.name}" if target else "back to the backlog"
        messages.success(request, f"'{card.title}' moved {where}.")
        return HttpResponseRedirect(reverse("work-sprint", args=[sprint.pk]))
    return _sprint_page(request, sprint)


SPRINT_OPERATIONS = {
    "edit": lambda sprint, data, user: sprints.update_sprint(
        sprint, actor=user, **{f: data.get(f, "") for f in sprints.EDITABLE}
    ),
    "complete": lambda sprint, data, user: sprints.complete_sprint(
        sprint,
        to=data.get("to", ""),
        now=clock.now(),
        override_reason=data.get("override_reason", ""),
        actor=user,
    ),
}
DONE_MESSAGES = {"edit": "Sprint '{}' saved.", "complete": "Sprint '{}' completed."}


def _sprint_change(request, sprint, op: str):
    """The Edit and Complete forms (``work.manage``): refused, the page again (422) with
    the reasons under the form's fields and what was typed kept."""
    check(request.role, "work.manage")
    try:
        changed = SPRINT_OPERATIONS[op](sprint, request.POST, request.user)
    except ValidationFailed as error:
        return _sprint_page(request, sprint, form={"op": op, "errors": error.errors})
    messages.success(request, DONE_MESSAGES[op].format(changed.name))
    return HttpResponseRedirect(reverse("work-sprint", args=[sprint.pk]))


def _sprint_forms(request, sprint, form: dict | None) -> dict:
    """The Edit and Complete forms' values, options and refusals (``form``: the one that
    was refused, its ``op`` and ``errors``; what was typed is kept)."""
    form = form or {}
    posted = request.POST if form else {}
    edit = {
        "name": sprint.name,
        "goal": sprint.goal,
        "start": sprint.start.isoformat(),
        "weeks": str(sprints.weeks_of(sprint)),
        "capacity": str(sprint.capacity),
    }
    if form.get("op") == "edit":
        edit = {f: posted.get(f, "") for f in sprints.EDITABLE}
    open_sprints = sprint.board.sprints.filter(completed_at__isnull=True).exclude(pk=sprint.pk)
    return {
        "can_manage": allows(request.role, "work.manage") and not sprint.completed_at,
        "today": clock.now().date(),
        "edit": edit,
        "edit_errors": form.get("errors", {}) if form.get("op") == "edit" else {},
        "complete_errors": form.get("errors", {}) if form.get("op") == "complete" else {},
        "complete_to": posted.get("to", sprints.BACKLOG),
        "complete_reason": posted.get("override_reason", ""),
        "to_options": [(sprints.BACKLOG, "The backlog")]
        + [(s.pk, f"{s.name} ({s.start} to {s.end})") for s in open_sprints],
        "week_options": [(w, f"{w} week{'s' if w > 1 else ''}") for w in sprints.SPRINT_WEEKS],
        "unfinished": sprints.planned_cards(sprint).exclude(column__stage=Stage.DONE).count(),
        "carried_count": sum(1 for _, _, r in sprint.outcome if r == sprints.CARRIED),
    }


def _places(points: float | None) -> int:
    """The decimals a velocity needs: none for whole points (``25``), else one (``12.5``)."""
    return 0 if points is None or round(points, 1).is_integer() else 1


def _sprint_page(request, sprint, refused: dict | None = None, form: dict | None = None):
    """A sprint's page; after a refused plan of a card (``refused``: the card, its
    reasons) with the reasons above the tables and in the card's row, answered 422; after
    a refused Edit or Complete form (``form``), with the reasons under its fields."""
    report = sprint_report.sprint_report(sprint, today=clock.now().date())
    labels = [day.strftime("%b %-d") for day in report.days]
    burndown = chart(
        "line",
        labels,
        [Series("Points left", report.remaining), Series("Ideal", report.ideal, dashed=True)],
    )
    burnup = chart(
        "line",
        labels,
        [
            Series("Points done", report.done),
            Series("Scope", report.scope_by_day, dashed=True),
        ],
    )
    velocity = chart(
        "bar",
        [past.name for past, _ in report.past],
        [Series("Points finished", [points for _, points in report.past])],
    )
    return render(
        request,
        "work/sprint.html",
        {
            "sprint": sprint,
            "board": sprint.board,
            "report": report,
            "burndown": burndown,
            "burnup": burnup,
            "velocity": velocity,
            "velocity_places": _places(report.velocity),
            "cards": sprints.planned_cards(sprint)
            .select_related("column", "assignee")
            .prefetch_related("labels")
            .order_by("column__position"),
            "backlog": selectors.backlog(sprint.board).prefetch_related("labels"),
            "can_edit": allows(request.role, "work.edit") and not sprint.completed_at,
            "refused": refused,
            **_sprint_forms(request, sprint, form),
        },
        status=422 if refused or form else 200,
    )


@page("work.view")
def standup(request, slug: str):
    board = _board_or_404(request, slug)
    now = clock.now()
    since = selectors.standup_since(now)
    return render(
        request,
        "work/standup.html",
        {
            "board": board,
            "people": selectors.standup(board, now=now),
            # "yesterday", or the weekday the last working day was (Friday, on a Monday)
            "since_words": "yesterday"
            if since.date() == now.date() - timedelta(days=1)
            else f"{since:%A}",
        },
    )
