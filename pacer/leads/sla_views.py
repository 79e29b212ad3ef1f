"""Settings page for follow-up SLAs: the policies per stage and location in a table, a
form that sets one (a refusal re-renders it with each reason under its field and nothing
written), and removing one. Writes go through ``pacer.leads.sla``."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.leads import sla
from pacer.leads.stages import open_stages, stages
from pacer.people.selectors import locations
from pacer.web.tables import Column, Table

DEFAULTS = {"stage": "lead", "respond_minutes": 15, "remind_minutes": 5, "reassign_minutes": 30}


@page("leads.configure")
def sla_settings(request):
    workspace = request.workspace
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
        ],
        default_sort="stage_label",
        prefix="sla-",
        caption="SLA policies (working minutes, in each location's opening hours)",
        empty_title="No SLA policies.",
        empty_hint="Without one, leads get an owner but no deadline, reminder or escalation.",
    )
    form, errors, status = dict(DEFAULTS), {}, 200
    if request.method == "POST":
        data = {name: request.POST.get(name, "") for name in ("stage", "location", *sla.FIELDS)}
        try:
            sla.save_policy(workspace, data, actor=request.user)
        except ValidationFailed as error:
            form, errors, status = data, error.errors, 422
        else:
            messages.success(request, "SLA policy saved.")
            return redirect("lead-sla")
    context = {
        "policies": table,
        "rows": rows,
        "form": form,
        "errors": errors,
        "stage_options": [(key, labels.get(key, key)) for key in open_stages(workspace)],
        "location_options": [("", sla.EVERY_LOCATION)]
        + [(loc.code, loc.name) for loc in locations(workspace)],
    }
    return render(request, "leads/sla.html", context, status=status)


@require_POST
@page("leads.configure")
def sla_delete(request, policy_id: int):
    try:
        sla.remove_policy(request.workspace, policy_id, actor=request.user)
    except ValidationFailed as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "SLA policy removed.")
    return redirect("lead-sla")
