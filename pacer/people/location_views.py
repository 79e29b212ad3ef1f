"""The locations page: every location with its time zone, and a form that adds one or
changes one's name, city and time zone (managers)."""

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.core.zones import zone_names
from pacer.people import actions, selectors
from pacer.web.tables import Column, Table

WORKSPACE_ZONE = "The workspace's time zone"
FIELDS = ("code", "name", "city", "time_zone")


def _zone_choices() -> list[tuple[str, str]]:
    zones = sorted(zone for zone in zone_names() if "/" in zone)
    return [("", WORKSPACE_ZONE)] + [(zone, zone.replace("_", " ")) for zone in zones]


@page("locations.manage")
def locations(request):
    found = selectors.locations(request.workspace)
    chosen = next((loc for loc in found if loc.code == request.GET.get("code")), None)
    form = {name: getattr(chosen, name) if chosen else "" for name in FIELDS}
    errors, status = {}, 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in FIELDS}
        try:
            saved = actions.save_location(request.workspace, **form, actor=request.user)
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, f"Location '{saved.name}' saved.")
            return HttpResponseRedirect(reverse("location-list"))
    rows = [
        {
            "code": loc.code,
            "name": loc.name,
            "city": loc.city,
            "time_zone": loc.time_zone or WORKSPACE_ZONE,
        }
        for loc in found
    ]
    table = Table(
        request,
        rows,
        [
            Column(
                "name",
                "Location",
                sortable=True,
                href=lambda r: reverse("location-list") + "?" + urlencode({"code": r["code"]}),
            ),
            Column("code", "Code", sortable=True),
            Column("city", "City", sortable=True),
            Column("time_zone", "Time zone", sortable=True),
        ],
        default_sort="name",
        caption="Locations",
        empty_title="No locations yet.",
        empty_hint="Add one below.",
        html_id="locations",
    )
    context = {
        "table": table,
        "form": form,
        "errors": errors,
        "editing": chosen is not None and request.method != "POST",
        "zones": _zone_choices(),
    }
    return render(request, "people/locations.html", context, status=status)
