"""Team pages: the list (and a new team), a team's scoreboard (target vs actual, trend
and owner per metric), its settings (members, lead), its targets, and its weekly review
(decisions and follow-up actions)."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.planning.money import money
from pacer.teams import actions, selectors
from pacer.teams.registry import METRICS, month_start, shift_months
from pacer.web.address import show_at
from pacer.web.formats import format_value, person
from pacer.web.tables import Column, Table


def _team_or_404(request, key: str):
    team = selectors.team(request.workspace, key)
    if team is None:
        raise Http404("no such team in this workspace")
    return team


@page("teams.view")
def team_list(request):
    can_manage = allows(request.role, "teams.manage")
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Your role does not allow this (teams.manage).")
        form = {name: request.POST.get(name, "") for name in ("key", "name", "purpose")}
        try:
            team = actions.create_team(request.workspace, **form, actor=request.user)
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, f"Team '{team.name}' created.")
            return HttpResponseRedirect(reverse("team-edit", args=[team.key]))
    mine = {t.pk for t in selectors.teams_of(request.workspace, request.user.pk)}
    rows = [
        {
            "key": t.key,
            "name": t.name + (" (your team)" if t.pk in mine else ""),
            "lead": person(t.lead.user) if t.lead else "",
            "members": len(t.members.all()),
            "purpose": t.purpose,
        }
        for t in selectors.teams(request.workspace)
    ]
    table = Table(
        request,
        rows,
        [
            Column("name", "Team", sortable=True, href=lambda r: reverse("team", args=[r["key"]])),
            Column("lead", "Lead", sortable=True),
            Column("members", "Members", format="count", sortable=True),
            Column("purpose", "Purpose"),
        ],
        default_sort="name",
        caption="Teams",
        empty_title="No teams yet.",
        empty_hint="Create one below.",
        html_id="teams",
    )
    context = {"table": table, "can_manage": can_manage, "form": form, "errors": errors}
    return render(request, "teams/team_list.html", context, status=status)


def _month(request, team) -> date:
    """The month asked for, else the latest month up to this one with a target (this
    month when none has): a team whose data ends last month opens on its last month
    with a target and its actual, not on a row of dashes."""
    text = request.GET.get("month", "")
    errors: dict = {}
    found = actions.parse_month(text, "month", errors) if text else None
    this_month = month_start(timezone.localdate())
    return found or selectors.last_target_month(team, this_month) or this_month


def _shown(metric, value, currency: str) -> str:
    if value is None:
        return "—"
    if metric.format == "money":  # to the cent, as on every planning page
        return money(value, currency)
    return format_value(value, metric.format, currency=currency)


TARGET_FIELDS = ("metric", "month", "target", "owner_id")


@page("teams.view")
def team_scoreboard(request, key: str):
    team = _team_or_404(request, key)
    return _scoreboard_page(request, team, _month(request, team))


def _scoreboard_page(
    request, team, month: date, form: dict | None = None, errors=None, removing: str = ""
):
    """A team's scoreboard for ``month``; after a refused target (``errors``) with the
    reasons at the target form's fields and what was typed kept, or a refused removal of
    the ``removing`` metric's target with the reason at its Remove button, answered 422."""
    show_at(request, reverse("team", args=[team.key]) + (f"?month={month:%Y-%m}" if errors else ""))
    # a franchise owner's view: the team's metrics at one location they may see
    places = selectors.scoreboard_locations(request.workspace, request.user.pk, request.role)
    location = next((p for p in places if p.code == request.GET.get("location")), None)
    board = selectors.scoreboard(team, month, location_id=location.pk if location else None)
    where = f" at {location.name}" if location else ""
    currency = request.workspace.currency
    rows = []
    for row in board.rows:
        item = {
            "metric": row.metric.label,
            "definition": row.metric.definition,
            "owner": row.owner or "—",
            "target": _shown(row.metric, row.target, currency),
            "actual": _shown(row.metric, row.actual, currency),
            "attainment": "—"
            if row.attainment is None
            else format_value(row.attainment, "percent"),
            "status": "The business's target: not compared at one location"
            if row.business_target
            else {True: "On target", False: "Behind", None: "No target or no data"}[row.met],
            "key": row.metric.key,
            "has_target": row.target_exact is not None,
            "shown_target": _shown(row.metric, row.target, currency),
        }
        for index, value in enumerate(row.trend[:-1]):
            item[f"m{index}"] = _shown(row.metric, value, currency)
        rows.append(item)
    trend_columns = [
        Column(f"m{index}", f"{first:%b %Y}", visible=index >= len(board.months) - 4)
        for index, first in enumerate(board.months[:-1])
    ]
    table = Table(
        request,
        rows,
        [
            Column("metric", "Metric", hint=lambda r: r["definition"]),
            Column("owner", "Owner"),
            Column("target", "Target"),
            Column("actual", "Actual"),
            Column("attainment", "Attainment"),
            Column("status", "Status"),
            *trend_columns,
            *(
                [
                    Column(
                        "key",
                        "Remove",
                        form=lambda r: _remove_form(team, month, r, removing, errors),
                        form_template="teams/_remove_target.html",
                    )
                ]
                if allows(request.role, "teams.manage")
                else []
            ),
        ],
        default_sort="metric",
        caption=f"{team.name}{where}: targets and actuals, {month:%B %Y}",
        empty_title=f"No targets for {month:%B %Y} or the five months before.",
        empty_hint="Set a target below; its actual comes from the workspace's data.",
        html_id="scoreboard",
    )
    context = {
        "team": team,
        "month": month,
        "location": location,
        "locations": [(p.code, p.name) for p in places],
        "previous": shift_months(month, -1),
        "next": shift_months(month, 1),
        "table": table,
        "members": selectors.team_members(team),
        "can_manage": allows(request.role, "teams.manage"),
        "metrics": [(m.key, m.label) for m in METRICS.values()],
        "member_choices": [("", "Nobody")] + selectors.member_choices(request.workspace),
        "form": form or {"month": f"{month:%Y-%m}"},
        "errors": {} if removing else errors or {},
        "remove_errors": errors if removing else {},
        "remove_target_id": f"remove-target-{removing}"
        if any(r["key"] == removing for r in rows)
        else "",
    }
    return render(request, "teams/scoreboard.html", context, status=422 if errors else 200)


def _remove_form(team, month: date, row: dict, removing: str, errors) -> dict | None:
    """The Remove button of a row with a target in ``month`` (none without one); after a
    refused removal of its metric, with the reason."""
    refused = removing == row["key"] and errors
    if not row["has_target"] and not refused:
        return None
    return {
        "action": reverse("team-target-remove", args=[team.key]),
        "id": f"remove-target-{row['key']}",
        "metric": row["key"],
        "month": f"{month:%Y-%m}",
        "month_name": f"{month:%B %Y}",
        "label": row["metric"],
        "shown": row["shown_target"],
        "error": "; ".join(errors.values()) if refused else "",
    }


@page("teams.manage")
def team_target_remove(request, key: str):
    """Remove a target from the scoreboard (a confirmed POST of its metric and month);
    refused (gone already, a bad metric or month), the scoreboard again at that month
    with the reason at the row's Remove button."""
    team = _team_or_404(request, key)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("team", args=[key]))
    metric, month = request.POST.get("metric", ""), request.POST.get("month", "")
    errors: dict[str, str] = {}
    try:
        removed = actions.remove_target(team, metric=metric, month=month, actor=request.user)
    except ValidationFailed as error:
        errors, removed = error.errors, False
    shown = actions.parse_month(month, "month", {})
    if not removed:
        if not errors:
            errors = {"metric": f"no target on it in {shown:%B %Y}: removed already"}
        return _scoreboard_page(
            request, team, shown or _month(request, team), errors=errors, removing=metric
        )
    messages.success(request, f"Target for {METRICS[metric].label} in {shown:%B %Y} removed.")
    return HttpResponseRedirect(reverse("team", args=[key]) + f"?month={shown:%Y-%m}")


@page("teams.manage")
def team_targets(request, key: str):
    team = _team_or_404(request, key)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("team", args=[key]))
    form = {name: request.POST.get(name, "") for name in TARGET_FIELDS}
    try:
        saved = actions.set_target(team, **form, actor=request.user)
    except ValidationFailed as error:
        month = actions.parse_month(form["month"], "month", {})  # None when refused
        return _scoreboard_page(request, team, month or _month(request, team), form, error.errors)
    messages.success(request, f"Target for {METRICS[saved.metric].label} saved.")
    return HttpResponseRedirect(reverse("team", args=[key]) + f"?month={saved.month:%Y-%m}")


@page("teams.manage")
def team_edit(request, key: str):
    team = _team_or_404(request, key)
    members = {m.pk for m in selectors.team_members(team)}
    form = {
        "name": team.name,
        "purpose": team.purpose,
        "lead_id": str(team.lead_id or ""),
        "member_ids": {str(pk) for pk in members},
    }
    errors, status = {}, 200
    if request.method == "POST":
        form = {
            "name": request.POST.get("name", ""),
            "purpose": request.POST.get("purpose", ""),
            "lead_id": request.POST.get("lead_id", ""),
            "member_ids": set(request.POST.getlist("member_ids")),
        }
        try:
            actions.update_team(
                team,
                name=form["name"],
                purpose=form["purpose"],
                member_ids=sorted(form["member_ids"]),
                lead_id=form["lead_id"] or None,
                actor=request.user,
            )
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, f"Team '{team.key}' saved.")
            return HttpResponseRedirect(reverse("team", args=[key]))
    context = {
        "team": team,
        "form": form,
        "errors": errors,
        "choices": selectors.member_choices(request.workspace),
        "lead_choices": [("", "No lead")] + selectors.member_choices(request.workspace),
    }
    return render(request, "teams/team_edit.html", context, status=status)


def _week(request) -> date:
    errors: dict = {}
    text = request.GET.get("week", "") or request.POST.get("week", "")
    found = actions.parse_week(text, "week", errors) if text else None
    return found or actions.parse_week(timezone.localdate(), "week", errors)


@page("teams.view")
def team_review(request, key: str):
    team = _team_or_404(request, key)
    week = _week(request)
    can_manage = allows(request.role, "teams.manage")
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Your role does not allow this (teams.manage).")
        form = {
            name: request.POST.get(name, "")
            for name in ("kind", "text", "owner_id", "due_on", "notes")
        }
        try:
            actions.add_review_item(
                team,
                week=week,
                kind=form["kind"],
                text=form["text"],
                owner_id=form["owner_id"] or None,
                due_on=form["due_on"] or None,
                notes=form["notes"] if "notes" in request.POST else None,
                actor=request.user,
            )
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, "Recorded in the review.")
            return HttpResponseRedirect(reverse("team-review", args=[key]) + f"?week={week}")
    review = selectors.review(team, week)
    items = selectors.review_items(team, week)
    context = {
        "team": team,
        "week": week,
        "week_end": date.fromordinal(week.toordinal() + 6),
        "previous": date.fromordinal(week.toordinal() - 7),
        "next": date.fromordinal(week.toordinal() + 7),
        "review": review,
        "decisions": [i for i in items if i.kind == "decision"],
        "actions": [i for i in items if i.kind == "action"],
        "open_actions": selectors.open_actions(team, week),
        "weeks": selectors.review_weeks(team),
        "can_manage": can_manage,
        "kinds": [("decision", "Decision"), ("action", "Follow-up action")],
        "member_choices": [("", "Nobody")] + selectors.member_choices(request.workspace),
        "form": form or {"kind": "decision", "notes": review.notes if review else ""},
        "errors": errors,
        "board": selectors.scoreboard(team, month_start(week)),
    }
    return render(request, "teams/review.html", context, status=status)


@page("teams.manage")
def action_done(request, key: str, item_id: int):
    team = _team_or_404(request, key)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("team-review", args=[key]))
    try:
        item = actions.complete_action(team, item_id, actor=request.user)
    except ValidationFailed as error:
        messages.error(request, "; ".join(error.errors.values()))
        return HttpResponseRedirect(reverse("team-review", args=[key]))
    messages.success(request, "Action marked done.")
    return HttpResponseRedirect(reverse("team-review", args=[key]) + f"?week={item.review.week}")
