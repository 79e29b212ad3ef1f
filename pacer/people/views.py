"""Pages for contacts."""

from django.http import StreamingHttpResponse
from django.shortcuts import render

from pacer.core.csv_export import export_csv
from pacer.core.permissions import page
from pacer.people import selectors

EXPORT_COLUMNS = [
    "id",
    "email",
    "phone",
    "first_name",
    "last_name",
    "lifecycle_stage",
    "order_count",
    "revenue",
    "acquisition_channel",
    "acquisition_campaign",
]


@page("contacts.view")
def contacts(request):
    search = request.GET.get("q", "")[:200]
    rows = selectors.contacts(request.workspace, search=search)[:100]
    return render(request, "people/contacts.html", {"contacts": rows, "q": search})


@page("contacts.export")
def export_contacts(request):
    rows = (
        selectors.contacts(request.workspace).values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000)
    )
    response = StreamingHttpResponse(export_csv(EXPORT_COLUMNS, rows), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
    return response
