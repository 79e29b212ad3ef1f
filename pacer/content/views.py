"""Pages for content items: the list with a form for a new item, and the item page
(workflow moves, approval steps and votes, versions and their diff, comments, assets
used, rescheduling)."""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.content import actions, assets, selectors
from pacer.content.models import ContentKind
from pacer.core import clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.planning import selectors as planning
from pacer.teams import selectors as teams
from pacer.web.address import show_at
from pacer.web.filters import Choice, FilterBar, Text
from pacer.web.tables import Column, Table


def _item_url(row) -> str:
    return reverse("content-item", args=[row["pk"]])


def _member_choices(workspace) -> list[tuple[str, str]]:
    """The reviewers an approval step may name."""
    return [(str(m.user_id), m.user.get_username()) for m in selectors.reviewers(workspace)]


def _campaign_options(workspace, current: str) -> list[tuple[str, str]]:
    """The campaign select's options: none, then every campaign by name; ``current``, a
    stored key that is no campaign, stays, marked."""
    options = [("", "—"), *planning.campaign_choices(workspace)]
    if current and current not in dict(options):
        options.append((current, f"{current} (no such campaign)"))
    return options


def _list(request, form, errors=None, status: int = 200):
    workspace = request.workspace
    flow = selectors.workflow(workspace)
    theme_choices = [(str(t.pk), t.name) for t in selectors.themes(workspace)]
    bar = FilterBar(
        request,
        [
            Text("q", "Title contains"),
            Choice("kind", "Kind", ContentKind.choices, blank="All kinds"),
            Choice("state", "State", flow.choices, blank="All states"),
            Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
            Choice("theme", "Theme", theme_choices, blank="All themes"),
        ],
    )
    values = bar.values
    rows = selectors.items(
        workspace,
        kind=values["kind"],
        state=values["state"],
        channel=values["channel"],
        theme=values["theme"],
        search=values["q"],
    )
    team_names = dict(teams.team_choices(workspace))
    table = Table(
        request,
        rows,
        [
            Column("title", "Title", sortable=True, href=_item_url),
            Column("kind", "Kind", sortable=True, labels=dict(ContentKind.choices)),
            Column("state", "State", sortable=True, labels=dict(flow.choices)),
            Column("channel", "Channel", sortable=True, labels=CHANNELS),
            Column("team", "Team", sortable=True, labels=team_names),
            Column("theme__name", "Theme", sortable=True),
            Column("scheduled_for", "Scheduled", format="datetime", sortable=True),
            Column("created_at", "Created", format="datetime", sortable=True, visible=False),
        ],
        default_sort="-created_at",
        caption="Content items",
        empty_title="No content matches these filters." if bar.active else "No content yet.",
        empty_hint="Clear the filters to see every item."
        if bar.active
        else "Create an item below; it starts as an idea.",
        html_id="content-items",
    )
    context = {
        "table": table,
        "bar": bar,
        "form": form,
        "errors": errors or {},
        "kinds": ContentKind.choices,
        "channels": [("", "—"), *CHANNELS.items()],
        "themes": [("", "—"), *theme_choices],
        "teams": teams.team_options(team_names, (form or {}).get("team", ""), "—"),
        "campaigns": _campaign_options(workspace, (form or {}).get("campaign_key", "")),
        "people": [("", "—"), *_member_choices(workspace)],
        "can_edit": allows(request.role, "content.edit"),
        "open_flags": selectors.flags(workspace).count(),
    }
    return render(request, "content/item_list.html", context, status=status)


@page("content.view")
def item_list(request):
    if request.method == "POST":
        return _create(request)
    return _list(request, {})


def _reviewers(data) -> tuple[list[dict], list[int]]:
    """The (step name, reviewer) pairs of the form (``stepN_name``, ``stepN_reviewer``),
    blank pairs skipped, and the number of the form's step each came from."""
    plan, steps = [], []
    for n in range(1, actions.MAX_STEPS + 1):
        name, reviewer = data.get(f"step{n}_name", "").strip(), data.get(f"step{n}_reviewer", "")
        if name or reviewer:
            plan.append({"name": name, "reviewer": int(reviewer) if reviewer.isdecimal() else None})
            steps.append(n)
    return plan, steps


def _at_steps(errors: dict, steps: list[int]) -> dict:
    """A refusal's ``reviewers[i].reviewer`` (and ``.name``, ``.due_on``) as the form's
    ``stepN_reviewer`` (``stepN_name``), so the reason shows under the field it concerns."""
    placed = {}
    for path, reason in errors.items():
        if path.startswith("reviewers[") and "]" in path:
            index = int(path[len("reviewers[") : path.index("]")])
            field = "reviewer" if path.endswith(".reviewer") else "name"
            path = f"step{steps[index] if index < len(steps) else 1}_{field}"
        elif path == "reviewers":
            path = "step1_name"
        placed[path] = reason
    return placed


@page("content.edit")
def _create(request):
    data = request.POST
    plan, steps = _reviewers(data)
    try:
        item = actions.create_item(
            request.workspace,
            title=data.get("title", ""),
            kind=data.get("kind", ""),
            body=data.get("body", ""),
            channel=data.get("channel", ""),
            team=data.get("team", ""),
            theme_id=data.get("theme") or None,
            campaign_key=data.get("campaign_key", ""),
            owner=request.user,
            reviewers=plan,
            scheduled_for=data.get("scheduled_for", ""),
            actor=request.user,
        )
    except ValidationFailed as error:
        return _list(request, data, _at_steps(error.errors, steps), status=422)
    messages.success(request, f"“{item.title}” created as {item.state}.")
    return HttpResponseRedirect(reverse("content-item", args=[item.pk]))


def _get(request, item_id: int):
    found = selectors.item(request.workspace, item_id)
    if found is None:
        raise Http404("no such content item")
    return found


@dataclass
class Refused:
    """A form of the item page that was refused: which (``state``, ``version``, ``vote``,
    ``comment``, ``asset``, ``reschedule``, ``due``, ``flag-<id>``), what was typed, and
    why."""

    form: str
    values: dict
    errors: dict


ITEM_FORMS = ("state", "version", "vote", "comment", "asset", "reschedule", "due")


def _forms(item, latest, refused: Refused | None) -> dict[str, dict]:
    """Each form of the item page: its values (the item's, or what was typed when it was
    the one refused) and its errors."""
    values = {
        "version": {"body": latest.body if latest else ""},
        "reschedule": {"day": f"{item.scheduled_for:%Y-%m-%d}" if item.scheduled_for else ""},
        "due": {"due_on": f"{item.due_on:%Y-%m-%d}" if item.due_on else ""},
    }
    forms = {name: {"values": values.get(name, {}), "errors": {}} for name in ITEM_FORMS}
    if refused is not None:
        forms[refused.form] = {"values": refused.values, "errors": refused.errors}
    return forms


@page("content.view")
def item_detail(request, item_id: int):
    return item_page(request, _get(request, item_id))


def _flag_forms(flags, refused: Refused | None, flow) -> list[tuple]:
    """(flag, the clearing note, its errors) for each open flag: the refused one as typed;
    each flag's ``state_before_label``: the label of the state the item was moved from."""
    flags = list(flags)
    for flag in flags:
        flag.state_before_label = flow.label(flag.state_before)
    return [
        (flag, refused.values["note"], refused.errors)
        if refused and refused.form == f"flag-{flag.pk}"
        else (flag, "", {})
        for flag in flags
    ]


def _move_button(moves: list[tuple[str, str]], refused: Refused | None) -> str:
    """The id of the button of the refused move (where its reasons link), else of the
    first move; none when the item has no moves on the page."""
    states = [state for state, _ in moves]
    wanted = refused.values.get("state") if refused and refused.form == "state" else None
    return f"move-{wanted if wanted in states else states[0]}" if states else ""


def item_page(request, item, refused: Refused | None = None):
    """The item page; ``refused``: the form that was refused, shown again (422) with what
    was typed and the reasons at its fields (nothing was written)."""
    show_at(request, reverse("content-item", args=[item.pk]))
    flow = selectors.workflow(request.workspace)
    latest = selectors.latest_version(item)
    versions = list(item.versions.select_related("author").order_by("-number"))
    can_edit = allows(request.role, "content.edit")
    moves = [(state, flow.label(state)) for state in flow.allowed(item.state)]
    if not allows(request.role, "content.publish"):
        moves = [(state, label) for state, label in moves if state != "published"]
    asset_choices = [(str(a.pk), a.name) for a in selectors.assets(request.workspace)[:200]]
    context = {
        "item": item,
        "team_name": dict(teams.team_choices(item.workspace)).get(item.team, item.team),
        "campaign": planning.campaign_by_key(item.workspace, item.campaign_key)
        if item.campaign_key
        else None,
        "state_label": flow.label(item.state),
        "latest": latest,
        "versions": versions,
        "steps": selectors.steps_of(latest) if latest else [],
        "problem": selectors.approval_problem(item),
        "my_step": selectors.open_step_for(item, request.user),
        "comments": selectors.comments(item),
        "uses": item.asset_uses.select_related("asset"),
        "handoffs": item.handoffs.select_related("version").order_by("pk"),
        "moves": moves if can_edit else [],
        "state_target": _move_button(moves if can_edit else [], refused),
        "can_edit": can_edit,
        "can_review": allows(request.role, "content.review"),
        "asset_choices": asset_choices,
        "channel_label": CHANNELS.get(item.channel, ""),
        "flag_forms": _flag_forms(selectors.open_flags(item), refused, flow),
        "from_flags": (request.GET.get("back") or request.POST.get("back")) == "flags",
        "deadline_tasks": selectors.deadline_tasks(item),
        "today": clock.now().date(),
        "forms": _forms(item, latest, refused),
    }
    status = 422 if refused else 200
    return render(request, "content/item_detail.html", context, status=status)


@page("content.edit")
def item_edit(request, item_id: int):
    """Change an item's title, kind, channel, team, theme and campaign; the form comes
    back with the reasons when refused (nothing changed)."""
    item = _get(request, item_id)
    fields = ("title", "kind", "channel", "team", "theme", "campaign_key")
    form = {f: getattr(item, f) for f in fields if f != "theme"}
    form["theme"] = str(item.theme_id or "")
    for n, step in enumerate(item.approval_plan, start=1):
        form[f"step{n}_name"], form[f"step{n}_reviewer"] = step["name"], str(step["reviewer"])
    errors, status = None, 200
    if request.method == "POST":
        form = {f: request.POST.get(f, "") for f in request.POST if f != "csrfmiddlewaretoken"}
        # the steps only when the form showed them (a post of the details alone keeps them)
        plan, steps = _reviewers(request.POST) if "reviewers_shown" in request.POST else (None, [])
        try:
            actions.edit_item(
                item,
                {f: request.POST.get(f, "") for f in fields},
                _kept_due_days(item, plan),
                actor=request.user,
            )
        except ValidationFailed as error:
            errors, status = _at_steps(error.errors, steps), 422
        else:
            messages.success(request, "Details saved.")
            return _back(item)
    workspace = request.workspace
    shown = min(actions.MAX_STEPS, max(3, len(item.approval_plan) + 1, len(_reviewers(form)[0])))
    team_names = dict(teams.team_choices(workspace))
    context = {
        "item": item,
        "form": form,
        "errors": errors,
        "kinds": ContentKind.choices,
        "channels": [("", "—"), *CHANNELS.items()],
        "themes": [("", "—"), *((str(t.pk), t.name) for t in selectors.themes(workspace))],
        "teams": teams.team_options(team_names, form.get("team", ""), "—"),
        "campaigns": _campaign_options(workspace, form.get("campaign_key", "")),
        "people": [("", "—"), *_member_choices(workspace)],
        "step_numbers": [str(n) for n in range(1, shown + 1)],
    }
    return render(request, "content/item_edit.html", context, status=status)


def _kept_due_days(item, plan: list[dict] | None) -> list[dict] | None:
    """The form's plan with each step's due day kept where the step is the item's step in
    that place (same name and reviewer): the form does not show the days."""
    if plan is None:
        return None
    kept = []
    for index, step in enumerate(plan):
        old = item.approval_plan[index] if index < len(item.approval_plan) else {}
        same = (old.get("name"), old.get("reviewer")) == (step["name"], step["reviewer"])
        kept.append(step | ({"due_on": old["due_on"]} if same and old.get("due_on") else {}))
    return kept


def _back(item) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("content-item", args=[item.pk]))


@require_POST
@page("content.edit")
def item_transition(request, item_id: int):
    item = _get(request, item_id)
    state = request.POST.get("state", "")
    if state == "published" and not allows(request.role, "content.publish"):
        refused = {"state": "your role does not allow publishing"}
        return item_page(request, item, Refused("state", {"state": state}, refused))
    try:
        actions.transition(item, state, actor=request.user)
    except ValidationFailed as error:
        return item_page(request, item, Refused("state", {"state": state}, error.errors))
    label = selectors.workflow(item.workspace).label(state).lower()
    messages.success(request, f"“{item.title}” is now {label}.")
    return _back(item)


@require_POST
@page("content.edit")
def item_version(request, item_id: int):
    item = _get(request, item_id)
    body = request.POST.get("body", "")
    try:
        version = actions.save_version(item, body, actor=request.user)
    except ValidationFailed as error:
        return item_page(request, item, Refused("version", {"body": body}, error.errors))
    messages.success(request, f"Saved as version {version.number}.")
    return _back(item)


@require_POST
@page("content.review")
def item_vote(request, item_id: int):
    item = _get(request, item_id)
    step = selectors.open_step_for(item, request.user)
    if step is None:
        messages.error(request, "There is no approval step waiting for you on this item.")
        return _back(item)
    decision = request.POST.get("decision", "")
    comment = request.POST.get("comment", "")
    try:
        actions.vote(step, decision, user=request.user, comment=comment)
    except ValidationFailed as error:
        return item_page(request, item, Refused("vote", {"comment": comment}, error.errors))
    messages.success(request, f"Step “{step.name}” {decision}.")
    return _back(item)


@require_POST
@page("content.review")
def item_comment(request, item_id: int):
    item = _get(request, item_id)
    number = request.POST.get("version", "")
    body = request.POST.get("body", "")
    version = selectors.version(item, int(number)) if number.isdecimal() else None
    try:
        if version is None:
            raise ValidationFailed({"version": "no such version of this item"})
        actions.add_comment(version, body, user=request.user)
    except ValidationFailed as error:
        return item_page(request, item, Refused("comment", {"body": body}, error.errors))
    messages.success(request, f"Comment added to version {version.number}.")
    return _back(item)


@require_POST
@page("content.edit")
def item_reschedule(request, item_id: int):
    item = _get(request, item_id)
    day = request.POST.get("day", "")
    try:
        actions.reschedule(item, day, actor=request.user)
    except ValidationFailed as error:
        return item_page(request, item, Refused("reschedule", {"day": day}, error.errors))
    messages.success(request, f"“{item.title}” moved to {day}.")
    target = request.POST.get("next", "")
    if target.startswith("/content/") and "//" not in target:
        return HttpResponseRedirect(target)
    return _back(item)


@require_POST
@page("content.edit")
def item_due(request, item_id: int):
    """Set or clear the item's editorial deadline (a board task is made for it)."""
    item = _get(request, item_id)
    day = request.POST.get("due_on", "")
    try:
        actions.set_due(item, day or None, actor=request.user)
    except ValidationFailed as error:
        return item_page(request, item, Refused("due", {"due_on": day}, error.errors))
    messages.success(request, f"Deadline set to {day}." if day else "Deadline cleared.")
    return _back(item)


@require_POST
@page("content.edit")
def item_use_asset(request, item_id: int):
    item = _get(request, item_id)
    asset_id = request.POST.get("asset", "")
    territory = request.POST.get("territory", "")
    asset = selectors.asset(request.workspace, int(asset_id)) if asset_id.isdecimal() else None
    try:
        if asset is None:
            raise ValidationFailed({"asset": "choose an asset of this workspace"})
        assets.use_asset(item, asset, territory=territory, actor=request.user)
    except ValidationFailed as error:
        typed = {"asset": asset_id, "territory": territory}
        return item_page(request, item, Refused("asset", typed, error.errors))
    messages.success(request, f"“{asset.name}” is used in this item.")
    return _back(item)


@page("content.view")
def item_diff(request, item_id: int):
    item = _get(request, item_id)
    latest = selectors.latest_version(item)
    numbers = {}
    for name, default in (("a", max(latest.number - 1, 1)), ("b", latest.number)):
        value = request.GET.get(name, "")
        numbers[name] = int(value) if value.isdecimal() and len(value) < 9 else default
    older, newer = selectors.version(item, numbers["a"]), selectors.version(item, numbers["b"])
    if older is None or newer is None:
        raise Http404("no such version")
    choices = [(str(v.number), f"Version {v.number}") for v in item.versions.order_by("number")]
    return render(
        request,
        "content/item_diff.html",
        {
            "item": item,
            "older": older,
            "newer": newer,
            "lines": selectors.diff(older, newer),
            "choices": choices,
        },
    )
