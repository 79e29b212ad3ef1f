"""Pages of the plan tree: the tree with its roll-ups, a node's page (its figures,
budget lines, orders and variance alerts), the node forms (create, edit, move) and the
timeline of what is planned."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render

from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed, row_id
from pacer.core.permissions import allows, page
from pacer.people.selectors import locations_in_use
from pacer.planning import plan_actions, plan_selectors, selectors
from pacer.planning.alerts import node_alerts
from pacer.planning.models import PlanNode
from pacer.planning.rollups import line_figures, team_rows, tree
from pacer.planning.scope import (
    ALL,
    SCOPED_PAGES,
    kept_team,
    label_teams,
    owner_of,
    scoped_address,
    team_filter,
)
from pacer.planning.spend_views import parse_day
from pacer.teams import selectors as teams
from pacer.web.address import show_at
from pacer.web.filters import Choice, FilterBar

FORM_FIELDS = (
    "kind",
    "name",
    "fiscal_year",
    "period",
    "owner",
    "team",
    "channels",
    "locations",
    "starts_on",
    "ends_on",
    "objective",
    "target_kpis",
    "campaign",
)


def _node_or_404(request, node_id: int) -> PlanNode:
    found = plan_selectors.node(request.workspace, node_id)
    if found is None:
        raise Http404("no such node in this workspace")
    return found


@page("plans.view")
def plan_tree(request):
    """The tree, scoped by the ``team`` filter (``scope.team_filter``): a member of teams
    sees their nodes, the ancestors that place them and only their teams' money."""
    workspace = request.workspace
    scope = team_filter(request)
    bar = FilterBar(request, [scope.choice], html_id="plan-tree-filters")
    rows = tree(workspace, team_ids=scope.team_ids(workspace))
    label_teams(workspace, [row.node for row in rows])
    context = {
        "rows": rows,
        "bar": bar,
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "kept_team": kept_team(request, scope),
        "can_manage": allows(request.role, "plans.manage"),
        "can_see_money": allows(request.role, "budgets.view"),
    }
    return render(request, "planning/plan_tree.html", context)


def _kpi_text(targets: dict) -> str:
    return "\n".join(f"{name}={value}" for name, value in targets.items())


def _parse_kpis(text: str, errors: dict) -> dict[str, str]:
    targets = {}
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        name, sep, value = raw.partition("=")
        if not sep:
            errors["target_kpis"] = f"line {number}: write name=target, such as cac=45"
            continue
        targets[name.strip()] = value.strip()
    return targets


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _form_values(request, errors: dict) -> tuple[dict, dict]:
    form = {name: request.POST.get(name, "") for name in FORM_FIELDS}
    values = {
        **form,
        "fiscal_year": form["fiscal_year"].strip(),
        "channels": _split(form["channels"]),
        "locations": _split(form["locations"]),
        "starts_on": parse_day(form["starts_on"], "starts_on", errors),
        "ends_on": parse_day(form["ends_on"], "ends_on", errors),
        "target_kpis": _parse_kpis(form["target_kpis"], errors),
    }
    return form, values


def _refuse_parsed(request, values: dict, errors: dict) -> None:
    """With a value the form could not parse, refuse with every other field's reason too."""
    if errors:
        _, found = plan_actions.check_node(request.workspace, values)
        raise ValidationFailed({**found, **errors})


def _node_form(request, node, parent, form, errors, status=200):
    workspace = request.workspace
    context = {
        "node": node,
        "parent": parent,
        "form": form,
        "errors": errors,
        "kinds": PlanNode.Kind.choices,
        "owners": [("", "Nobody yet"), *plan_selectors.member_choices(workspace)],
        "campaigns": [("", "None"), *selectors.campaign_choices(workspace)],
        "teams": [("", "No team"), *teams.team_choices(workspace)],
        "channel_keys": ", ".join(CHANNELS),
        "location_codes": ", ".join(code for code, _ in locations_in_use(workspace)[:30]),
        "kept_team": kept_team(request),
    }
    return render(request, "planning/node_form.html", context, status=status)


@page("plans.manage")
def node_new(request):
    parent_id = request.GET.get("parent") or request.POST.get("parent") or None
    parent = None
    if parent_id:
        number = row_id(parent_id)
        parent = plan_selectors.node(request.workspace, number) if number else None
        if parent is None:
            raise Http404("no such parent node")
    if request.method == "POST":
        errors: dict[str, str] = {}
        form, values = _form_values(request, errors)
        try:
            _refuse_parsed(request, values, errors)
            node = plan_actions.create_node(
                request.workspace,
                values,
                parent_id=parent.pk if parent else None,
                actor=request.user,
            )
        except ValidationFailed as error:
            return _node_form(request, None, parent, form, {**error.errors, **errors}, 422)
        messages.success(request, f"{node.get_kind_display()} '{node.name}' created.")
        return HttpResponseRedirect(scoped_address("plan-node", node.pk, team=kept_team(request)))
    kind = "program" if parent and parent.kind == "plan" else "campaign" if parent else "plan"
    year = parent.fiscal_year if parent else date.today().year
    label_teams(request.workspace, [parent] if parent else [])
    form = {"kind": kind, "fiscal_year": year, "team": parent.team_key if parent else ""}
    return _node_form(request, None, parent, form, {})


@page("plans.manage")
def node_edit(request, node_id: int):
    node = _node_or_404(request, node_id)
    if request.method == "POST":
        errors: dict[str, str] = {}
        form, values = _form_values(request, errors)
        try:
            _refuse_parsed(request, values, errors)
            plan_actions.update_node(node, values, actor=request.user)
        except ValidationFailed as error:
            return _node_form(request, node, node.parent, form, {**error.errors, **errors}, 422)
        messages.success(request, f"'{node.name}' saved.")
        return HttpResponseRedirect(scoped_address("plan-node", node.pk, team=kept_team(request)))
    label_teams(request.workspace, [node])
    linked = ("owner", "campaign", "team")
    form = {name: getattr(node, name) for name in FORM_FIELDS if name not in linked}
    form |= {
        "team": node.team_key,
        "owner": str(node.owner_id or ""),
        "campaign": node.campaign.key if node.campaign_id else "",
        "channels": ", ".join(node.channels),
        "locations": ", ".join(node.locations),
        "target_kpis": _kpi_text(node.target_kpis),
        "starts_on": node.starts_on.isoformat() if node.starts_on else "",
        "ends_on": node.ends_on.isoformat() if node.ends_on else "",
    }
    return _node_form(request, node, node.parent, form, {})


@page("plans.manage")
def node_move(request, node_id: int):
    node = _node_or_404(request, node_id)
    team = kept_team(request)
    errors = {}
    if request.method == "POST":
        try:
            plan_actions.move_node(node, request.POST.get("parent") or None, actor=request.user)
        except ValidationFailed as error:
            errors = error.errors
        else:
            messages.success(request, f"'{node.name}' moved.")
            return HttpResponseRedirect(scoped_address("plan-node", node.pk, team=team))
    choices = [("", "The top level (a plan of its own)")]
    choices += plan_selectors.node_choices(request.workspace, exclude_subtree_of=node.pk)
    context = {
        "node": node,
        "choices": choices,
        "errors": errors,
        "current": str(request.POST.get("parent", node.parent_id or "")),
        "kept_team": team,
    }
    return render(request, "planning/node_move.html", context, status=422 if errors else 200)


@page("plans.manage")
def node_delete(request, node_id: int):
    node = _node_or_404(request, node_id)
    team = kept_team(request)
    if request.method != "POST":
        return HttpResponseRedirect(scoped_address("plan-node", node.pk, team=team))
    parent_id = node.parent_id
    try:
        plan_actions.delete_node(node, actor=request.user)
    except ValidationFailed as error:
        return node_page(request, node, "delete", {}, error.errors)
    messages.success(request, f"'{node.name}' deleted.")
    if parent_id:
        return HttpResponseRedirect(scoped_address("plan-node", parent_id, team=team))
    return HttpResponseRedirect(scoped_address("plans", team=team))


@page("budgets.manage")
def node_envelopes(request, node_id: int):
    """Allocate top-down from a node's page: its children's envelopes (a blank field keeps
    one) and a top-level plan's own; refused, the node's page again with the reasons at
    the fields (the total's above the form) and what was typed kept."""
    node = _node_or_404(request, node_id)
    if request.method == "POST":
        child_ids = PlanNode.objects.filter(parent=node).values_list("pk", flat=True)
        typed = {f"child-{pk}": request.POST.get(f"child-{pk}", "") for pk in child_ids}
        typed["envelope"] = request.POST.get("envelope", "")
        children = {
            int(name.removeprefix("child-")): value.strip()
            for name, value in typed.items()
            if name.startswith("child-") and value.strip()
        }
        try:
            plan_actions.set_envelopes(
                node, children, envelope=typed["envelope"].strip() or None, actor=request.user
            )
        except ValidationFailed as error:
            errors = {
                name.replace("allocations.", "child-", 1): reason
                for name, reason in error.errors.items()
            }
            return node_page(request, node, "envelopes", typed, errors)
        messages.success(request, "Envelopes saved.")
    return HttpResponseRedirect(scoped_address("plan-node", node.pk, team=kept_team(request)))


@page("plans.view")
def node_detail(request, node_id: int):
    return node_page(request, _node_or_404(request, node_id))


def node_page(request, node: PlanNode, refused: str = "", typed=None, errors=None):
    """A node's page; after a refused POST of one of its forms (``refused``: envelopes,
    line or delete) with that form's reasons at its fields and what was typed kept,
    answered 422. Its money is that of the ``team`` filter's teams (``scope``: the
    viewer's by default, as on the plan tree): the figures, the lines and their orders;
    the variance alerts are the whole node's."""
    show_at(request, scoped_address("plan-node", node.pk, team=kept_team(request)))
    workspace = request.workspace
    scope = team_filter(request)
    bar = FilterBar(request, [scope.choice], html_id="node-filters")
    team_ids = scope.team_ids(workspace)
    rows = tree(workspace, node.pk)
    if team_ids is not None:
        rows = team_rows(workspace, rows, team_ids)
    label_teams(workspace, [node])
    owner = owner_of(workspace, node)
    context = {
        "node": node,
        "owner": owner,
        "scoped_links": [
            (scoped_address(name, team=owner.key), label) for name, label in SCOPED_PAGES
        ]
        if owner
        else [],
        "bar": bar,
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "kept_team": kept_team(request, scope),
        "row": rows[0],
        "children": [r for r in rows if r.depth == 1],
        "ancestors": _ancestors(node),
        "can_manage": allows(request.role, "plans.manage"),
        "can_see_money": allows(request.role, "budgets.view"),
        "can_plan": allows(request.role, "budgets.manage"),
        "channel_labels": [CHANNELS.get(c, c) for c in node.channels],
        "refused": refused,
        "typed_line": str((typed or {}).get("line", "")) if refused == "line-remove" else "",
        "errors": errors or {},
    }
    if context["can_see_money"]:
        _node_money(request, node, team_ids, owner, context)
        shown = typed if refused == "envelopes" else {}
        context["line_form"] = typed if refused == "line" else {"currency": workspace.currency}
        context["teams"] = [("", "No team (the node's)"), *teams.team_choices(workspace)]
        context["envelope"] = shown.get("envelope", node.allocation)
        context["envelope_fields"] = [
            (
                f"child-{child.node.pk}",
                child.node.name,
                shown.get(f"child-{child.node.pk}", child.node.allocation),
            )
            for child in context["children"]
        ]
    return render(request, "planning/node_detail.html", context, status=422 if errors else 200)


def _node_money(request, node: PlanNode, team_ids: set[int] | None, owner, context) -> None:
    """The node's own lines of ``team_ids`` (None: all) with their figures and orders, the
    count of other teams' lines left out, the node's unplanned spend (its team's) and its
    variance alerts (the whole node's) into ``context``."""
    workspace = request.workspace
    figures, unplanned = line_figures(workspace, [node.pk])
    node_team = owner.set_on.team_id if owner else None

    def shown(line) -> bool:
        team = line.team_id if line.team_id is not None else node_team
        return team_ids is None or team in team_ids

    lines = [f for f in figures.values() if shown(f.line)]
    context["lines"] = sorted(lines, key=lambda f: (f.line.month, f.line.channel, f.line.pk))
    context["other_lines"] = len(figures) - len(lines)
    context["unplanned"] = (
        unplanned.get(node.pk, 0) if team_ids is None or node_team in team_ids else 0
    )
    names = plan_selectors.team_names(workspace)
    for found in context["lines"]:
        found.line.team_name = names.get(found.line.team_id, "")
    context["alerts"] = plan_selectors.alerts(workspace, node.pk, date.today())
    context["sent_alerts"] = list(node_alerts(workspace, node.pk)[:50])
    context["orders"] = plan_selectors.orders(workspace).filter(line__in=[f.line.pk for f in lines])
    context["channels"] = list(CHANNELS.items())


def _ancestors(node: PlanNode) -> list[PlanNode]:
    ids = plan_actions.ancestors(node)
    found = {n.pk: n for n in PlanNode.objects.filter(pk__in=ids)}
    return [found[i] for i in reversed(ids) if i in found]


@page("plans.view")
def timeline(request):
    workspace = request.workspace
    years = plan_selectors.years_in_use(workspace) or [date.today().year]
    default_year = str(date.today().year if date.today().year in years else years[-1])
    scope = team_filter(request)
    bar = FilterBar(
        request,
        [
            Choice("year", "Fiscal year", [(str(y), str(y)) for y in years], default=default_year),
            scope.choice,
            Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
            Choice("location", "Location", locations_in_use(workspace), blank="All locations"),
        ],
        html_id="timeline-filters",
    )
    values = bar.values
    bars, marks = plan_selectors.timeline(
        workspace,
        year=int(values["year"]),
        node_ids=scope.node_ids(workspace),
        channel=values["channel"],
        location=values["location"],
    )
    label_teams(workspace, [b.node for b in bars])
    context = {
        "bar": bar,
        "bars": bars,
        "marks": marks,
        "year": values["year"],
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "kept_team": kept_team(request, scope),
    }
    return render(request, "planning/timeline.html", context)
