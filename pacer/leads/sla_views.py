"""Settings page for follow-up SLAs: the policies per stage and location in a table, a
form that sets one (a refusal re-renders it with each reason under its field and nothing
written), and removing one; the same for the escalation chains; the follow-up time of
leads without a deadline, the workspace's and each location's own. Writes go through
``pacer.leads.sla`` and ``pacer.leads.escalation``."""

from urllib.parse import quote

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.core.selectors import members
from pacer.leads import escalation, sla
from pacer.leads.models import EscalateTo
from pacer.leads.stages import open_stages, stages
from pacer.people.selectors import locations
from pacer.web import formats
from pacer.web.forms import row_field_id
from pacer.web.tables import Column, Table

DEFAULTS = {
    "stage": "lead",
    "respond_minutes": 15,
    "remind_minutes": 5,
    "reassign_minutes": 30,
    "next_touch_minutes": "",
    "touch_reassign_minutes": "",
}
STEP_ROWS = escalation.MAX_STEPS  # step rows a form may post; blank ones are left out
STEP_FIELDS = ("delay_minutes", "to", "user", "address")


def chain_form(post) -> tuple[list[dict], list[dict], list[int]]:
    """A posted chain form's step rows, its filled ones and the form row of each."""
    rows = [
        {field: post.get(f"steps[{index}].{field}", "").strip() for field in STEP_FIELDS}
        for index in range(STEP_ROWS)
    ]
    filled = [index for index, row in enumerate(rows) if row["delay_minutes"] or row["to"]]
    return rows, [rows[i] for i in filled], filled


def row_errors(errors: dict, filled: list[int]) -> dict:
    """Refusals of the filled steps keyed by the form's own rows (the n-th filled row is
    the form's row ``filled[n]``)."""
    keyed = {}
    for key, reason in errors.items():
        if key.startswith("steps["):
            index, rest = key[len("steps[") :].split("]", 1)
            key = f"steps[{filled[int(index)]}]{rest}"
        keyed[key] = reason
    return keyed


def step_rows(rows: list[dict], *, count: int = 0) -> list[dict]:
    """The chain form's step rows as the template draws them: the rows up to the last
    filled one (each keeps its place, so a refusal of ``steps[N]`` lands on row N) and
    one blank row to add a step, or ``count`` rows when more were asked for ("Add a
    step"), at most ``STEP_ROWS``."""
    filled = [i for i, row in enumerate(rows) if any(row.get(f) for f in STEP_FIELDS)]
    count = min(max(count, filled[-1] + 2 if filled else 1), STEP_ROWS)
    rows = (list(rows) + [{} for _ in range(count)])[:count]
    return [
        {
            "number": index + 1,
            **{
                field: {
                    "name": f"steps[{index}].{field}",
                    "id": row_field_id("esc-", "steps", index, field),
                    "value": row.get(field, ""),
                }
                for field in STEP_FIELDS
            },
        }
        for index, row in enumerate(rows)
    ]


def adding_step(post) -> list[dict] | None:
    """When "Add a step" was pressed: the chain form's rows again with what was typed and
    one blank row more than were drawn (``steps_drawn``; nothing saved); else None."""
    if not post.get("add_step"):
        return None
    drawn = post.get("steps_drawn", "")
    drawn = int(drawn) if drawn.isdecimal() and len(drawn) < 4 else 0
    return step_rows(chain_form(post)[0], count=drawn + 1)


def chain_options(workspace) -> dict:
    """The choices of a step row: whom to tell, and which member."""
    return {
        "to_options": [("", "—")] + list(EscalateTo.choices),
        "member_options": [("", "—")]
        + [(m.user.username, formats.person(m.user)) for m in members(workspace)],
    }


def _save_chain(request) -> dict:
    """Save the posted chain; the refusals keyed by the form's own rows, or {}."""
    rows, steps, filled = chain_form(request.POST)
    form = {"location": request.POST.get("location", ""), "rows": rows}
    try:
        escalation.save_chain(
            request.workspace, {"location": form["location"], "steps": steps}, actor=request.user
        )
    except ValidationFailed as error:
        return {"chain_form": form, "chain_errors": row_errors(error.errors, filled)}
    return {}


def _chain_context(workspace, names: dict) -> dict:
    chains = [
        {
            **chain,
            "pk": chain["location"] or "-",
            "place": names.get(chain["location"], sla.EVERY_LOCATION),
            "summary": "; ".join(escalation.describe(step) for step in chain["steps"]),
        }
        for chain in escalation.chain_rows(workspace)
    ]
    return {
        "chains": chains,
        **chain_options(workspace),
        "chain_form": {
            "location": "",
            "rows": [{"delay_minutes": "0", "to": "managers"}],
        },
        "chain_errors": {},
    }


def _follow_up_form(request) -> dict:
    """The follow-up form's values before anything is posted: the workspace's time, or,
    for the location chosen (``?form=follow-up&location=CODE``: a link of the table, or
    the form itself when its location changes), that location's own time, blank when it
    has none (it uses the workspace's)."""
    workspace = request.workspace
    code = request.GET.get("location", "") if request.GET.get("form") == "follow-up" else ""
    found = {loc.code: loc.pk for loc in locations(workspace)}.get(code)
    if found is None:
        return {"location": "", "follow_up_minutes": sla.follow_up_minutes(workspace)}
    return {"location": code, "follow_up_minutes": sla.location_follow_ups(workspace).get(found)}


@page("leads.configure")
def sla_settings(request):
    return _sla_page(request)


def _sla_page(request, removal: str = "", removal_errors: dict | None = None):
    """The SLA page, saving the form posted to it; after a refused removal (``removal``:
    "policy" or "chain") the page with the reason above the remove buttons, 422."""
    workspace = request.workspace
    posting = request.method == "POST" and not removal
    names = {loc.code: loc.name for loc in locations(workspace)}
    labels = {stage.key: stage.label for stage in stages(workspace)}
    rows = [
        {
            **row,
            "pk": row["id"],
            "stage_label": labels.get(row["stage"], row["stage"]),
            "place": names.get(row["location"], sla.EVERY_LOCATION),
        }
        for row in sla.policy_rows(workspace)
    ]
    table = Table(
        request,
        rows,
        [
            Column("stage_label", "Stage", sortable=True),
            Column("place", "Location", sortable=True),
            Column("respond_minutes", "First response within (min)", format="count"),
            Column("remind_minutes", "Reminder before (min)", format="count"),
            Column("reassign_minutes", "Re-assigned after (min)", format="count"),
            Column("next_touch_minutes", "Next touch within (min)", format="count"),
            Column(
                "touch_reassign_minutes", "Missed touch re-assigned after (min)", format="count"
            ),
        ],
        default_sort="stage_label",
        prefix="sla-",
        caption="SLA policies (working minutes, in each location's opening hours)",
        empty_title="No SLA policies.",
        empty_hint="Without one, leads get an owner and a follow-up task due at the "
        "follow-up time below, with a reminder then, but no deadline or escalation.",
    )
    form, errors, status = dict(DEFAULTS), {}, 200
    chain = _chain_context(workspace, names)
    follow_up = _follow_up_form(request)
    follow_up_errors: dict = {}
    if posting and request.POST.get("form") == "follow-up":
        posted = {name: request.POST.get(name, "") for name in follow_up}
        try:
            sla.save_follow_up(workspace, posted, actor=request.user)
        except ValidationFailed as error:
            follow_up, follow_up_errors, status = posted, error.errors, 422
        else:
            messages.success(request, "Follow-up time saved.")
            return redirect("lead-sla")
    elif posting and request.POST.get("form") == "escalation" and adding_step(request.POST):
        chain = {**chain, "chain_form": {"location": request.POST.get("location", "")}}
        chain["step_rows"] = adding_step(request.POST)
    elif posting and request.POST.get("form") == "escalation":
        refused = _save_chain(request)
        if not refused:
            messages.success(request, "Escalation chain saved.")
            return redirect("lead-sla")
        chain, status = {**chain, **refused}, 422
    elif posting:
        data = {name: request.POST.get(name, "") for name in ("stage", "location", *sla.FIELDS)}
        try:
            sla.save_policy(workspace, data, actor=request.user)
        except ValidationFailed as error:
            form, errors, status = data, error.errors, 422
        else:
            messages.success(request, "SLA policy saved.")
            return redirect("lead-sla")
    chain_table = Table(
        request,
        chain["chains"],
        [
            Column("place", "Location", sortable=True),
            Column("summary", "Steps (working minutes after the missed deadline)"),
        ],
        default_sort="place",
        prefix="esc-",
        caption="Escalation chains",
        empty_title="No escalation chains.",
        empty_hint="Without one, the location's managers hear of a missed deadline at once.",
    )
    follow_up_table = Table(
        request,
        [{**row, "pk": row["location"]} for row in sla.follow_up_rows(workspace)],
        [
            Column(
                "name",
                "Location",
                sortable=True,
                href=lambda row: (
                    f"?form=follow-up&location={quote(row['location'])}#follow-up-form"
                ),
            ),
            Column("follow_up_minutes", "Follow up within (min)", format="count"),
        ],
        default_sort="name",
        prefix="fu-",
        caption="Locations with their own follow-up time",
        empty_title="Every location uses the workspace's follow-up time.",
        empty_hint="Choose a location below to give it its own.",
    )
    context = {
        **chain,
        "follow_up_table": follow_up_table,
        "chain_table": chain_table,
        "step_rows": chain.get("step_rows") or step_rows(chain["chain_form"]["rows"]),
        "max_steps": STEP_ROWS,
        "policies": table,
        "rows": rows,
        "form": form,
        "errors": errors,
        "follow_up": follow_up,
        "follow_up_errors": follow_up_errors,
        "follow_up_help": f"Working minutes, {sla.MIN_FOLLOW_UP_MINUTES} to {sla.MAX_MINUTES} "
        "(480: one working day of 8 hours); for a location, blank: the workspace's",
        "follow_up_location_options": [("", "Every location (the workspace's)")]
        + [(loc.code, loc.name) for loc in locations(workspace)],
        "stage_options": [(key, labels.get(key, key)) for key in open_stages(workspace)],
        "location_options": [("", sla.EVERY_LOCATION)]
        + [(loc.code, loc.name) for loc in locations(workspace)],
    }
    context |= {"removal": removal, "removal_errors": removal_errors or {}}
    return render(request, "leads/sla.html", context, status=422 if removal else status)


@require_POST
@page("leads.configure")
def sla_delete(request, policy_id: int):
    try:
        sla.remove_policy(request.workspace, policy_id, actor=request.user)
    except ValidationFailed as error:
        return _sla_page(request, "policy", error.errors)
    messages.success(request, "SLA policy removed.")
    return redirect("lead-sla")


@require_POST
@page("leads.configure")
def escalation_delete(request):
    location = request.POST.get("location", "")
    try:
        escalation.remove_chain(request.workspace, location, actor=request.user)
    except ValidationFailed as error:
        return _sla_page(request, "chain", error.errors)
    messages.success(request, "Escalation chain removed.")
    return redirect("lead-sla")
