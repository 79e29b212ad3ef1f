"""The flags to work through: content that uses a withdrawn asset (published items
flagged, approved or scheduled ones taken off the schedule, others in progress). The list
links each to its item, whose page shows the flag and clears it with a note."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.content import selectors, views, withdrawal
from pacer.content.models import FlagKind
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.web.filters import Choice, FilterBar
from pacer.web.tables import Column, Table


def _item_href(row) -> str:
    return reverse("content-item", args=[row["item_id"]]) + "?back=flags#flags-h"


@page("content.view")
def flag_list(request):
    bar = FilterBar(
        request,
        [
            Choice("status", "Status", selectors.FLAG_STATUSES),
            Choice("kind", "What happened", FlagKind.choices, blank="Anything"),
        ],
    )
    values = bar.values
    status = values["status"]
    table = Table(
        request,
        selectors.flags(request.workspace, status=status, kind=values["kind"]),
        [
            Column("item__title", "Item", sortable=True, href=_item_href),
            Column(
                "asset__name",
                "Asset",
                sortable=True,
                href=lambda row: reverse("asset-detail", args=[row["asset_id"]]),
            ),
            Column("kind", "What happened", sortable=True, labels=dict(FlagKind.choices)),
            Column("reason", "Reason"),
            Column("created_at", "Flagged", format="datetime", sortable=True),
            Column("resolved_at", "Cleared", format="datetime", sortable=True),
            Column("resolution", "Note", visible=status != "open"),
            # the ids the links need (offered in the column chooser, and in the CSV)
            Column("item_id", "Item id", visible=False),
            Column("asset_id", "Asset id", visible=False),
        ],
        default_sort="-created_at",
        caption="Content that uses a withdrawn asset",
        empty_title="Nothing needs attention." if status == "open" else "No flags match.",
        empty_hint="Items are flagged here when an asset they use is withdrawn.",
        html_id="content-flags",
    )
    return render(request, "content/flags.html", {"table": table, "bar": bar})


@require_POST
@page("content.edit")
def flag_clear(request, flag_id: int):
    """Clear a flag with a note; back to the item, or to the list when it came from there.
    Refused, the item page again (422) with the note as typed and the reason under it."""
    found = selectors.flag(request.workspace, flag_id)
    if found is None:
        raise Http404("no such flag")
    note = request.POST.get("note", "")
    try:
        withdrawal.clear_flag(found, note=note, actor=request.user)
    except ValidationFailed as error:
        refused = views.Refused(f"flag-{found.pk}", {"note": note}, error.errors)
        return views.item_page(request, found.item, refused)
    messages.success(request, f"Flag on “{found.item.title}” cleared.")
    if request.POST.get("back") == "flags":
        return HttpResponseRedirect(reverse("content-flags"))
    return HttpResponseRedirect(reverse("content-item", args=[found.item_id]))
