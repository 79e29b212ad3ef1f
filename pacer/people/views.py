"""Pages for contacts: the list (a data table with search, stage filter, paging, sorting,
column choice) and its CSV export (the same table as CSV)."""

from django.db.models import Value
from django.db.models.functions import Concat, Trim
from django.shortcuts import render
from django.urls import reverse

from pacer.core.channels import CHANNELS
from pacer.core.permissions import allows, page
from pacer.people import selectors
from pacer.people.models import LifecycleStage
from pacer.web.filters import Choice, FilterBar, Text
from pacer.web.tables import Column, Table

COLUMNS = [
    Column("id", "Id", format="count", sortable=True, visible=False),
    Column("email", "Email", sortable=True, text=lambda r: r["email"] or "(no email)"),
    Column("name", "Name", sortable=True),
    Column("phone", "Phone", visible=False),
    Column("lifecycle_stage", "Stage", sortable=True, labels=dict(LifecycleStage.choices)),
    Column("location__name", "Location", sortable=True),
    Column("acquisition_channel", "Acquired via", sortable=True, labels=CHANNELS),
    Column("acquisition_campaign", "Campaign", sortable=True, visible=False),
    Column("order_count", "Orders", format="count", sortable=True),
    Column("revenue", "Revenue", format="money", sortable=True),
    Column("predicted_clv", "Predicted CLV", format="money", sortable=True, visible=False),
    Column("first_seen_at", "First seen", format="date", sortable=True, visible=False),
    Column("last_seen_at", "Last seen", format="date", sortable=True),
]


def _table(request) -> tuple[Table, FilterBar]:
    bar = FilterBar(
        request,
        [
            Text("q", "Search", placeholder="Email, name or phone"),
            Choice("stage", "Stage", LifecycleStage.choices, blank="All stages"),
        ],
    )
    rows = selectors.contacts(
        request.workspace, search=bar.values["q"], stage=bar.values["stage"]
    ).annotate(name=Trim(Concat("first_name", Value(" "), "last_name")))
    export = allows(request.role, "contacts.export")
    table = Table(
        request,
        rows,
        COLUMNS,
        default_sort="-id",
        csv_url=reverse("contacts-export") if export else None,
        caption="Contacts",
        empty_title="No contacts match these filters." if bar.active else "No contacts yet.",
        empty_hint="Clear the search to see everyone."
        if bar.active
        else "Contacts appear as your site sends events with a write key "
        "(Settings → API keys), or run pacer demo for a sample business.",
        html_id="contacts",
    )
    return table, bar


@page("contacts.view")
def contacts(request):
    table, bar = _table(request)
    return render(request, "people/contacts.html", {"table": table, "bar": bar})


@page("contacts.export")
def export_contacts(request):
    """The contacts table as CSV: every row that matches, in the order and with the
    columns the page shows (``?cols=`` chooses them)."""
    table, _ = _table(request)
    return table.csv_response("contacts.csv")
