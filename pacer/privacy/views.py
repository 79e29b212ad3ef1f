"""The Privacy page: find a person by an identifier, download their export, erase them
(after a confirmation step). Identifiers travel in POST bodies, never in URLs, so they
stay out of access logs."""

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.privacy import actions, selectors
from pacer.privacy.identifiers import KINDS
from pacer.privacy.models import RequestKind, RequestStatus
from pacer.warehouse.sync import default_store
from pacer.web.address import show_at
from pacer.web.tables import Column, Table

CONFIRM_WORD = "ERASE"
CONTACT_COLUMNS = [
    Column("pk", "Id", format="count", sortable=True),
    Column("email", "Email", sortable=True),
    Column("name", "Name", text=lambda c: f"{c.first_name} {c.last_name}".strip()),
    Column("merged_into_id", "Merged into", format="count"),
    Column("created_at", "Created", format="date", sortable=True),
]
COUNT_COLUMNS = [
    Column("held_in", "Held in", sortable=True),
    Column("rows", "Rows", format="count", sortable=True),
]
REQUEST_COLUMNS = [
    Column("requested_at", "When", format="datetime", sortable=True),
    Column("actor_label", "Who"),
    Column("kind", "Kind", labels=dict(RequestKind.choices)),
    Column("status", "Status", labels=dict(RequestStatus.choices)),
    Column(
        "counts",
        "Rows",
        text=lambda r: ", ".join(f"{name} {n}" for name, n in r.counts.items() if n),
    ),
]


def _found_tables(request, found) -> dict:
    """The contacts found and the rows held about them, as tables."""
    if found is None:
        return {}
    counts = [{"held_in": name, "rows": n} for name, n in found.counts.items()]
    return {
        "contacts_table": Table(
            request,
            list(found.contacts),
            CONTACT_COLUMNS,
            default_sort="pk",
            prefix="c-",
            caption="Contacts found",
            html_id="privacy-contacts",
        ),
        "counts_table": Table(
            request,
            counts,
            COUNT_COLUMNS,
            default_sort="held_in",
            per_page=100,
            prefix="h-",
            caption="Rows held about them",
            html_id="privacy-counts",
        ),
    }


def _identifiers(request) -> dict[str, str]:
    return {kind: request.POST.get(kind, "") for kind in KINDS}


def _fields(form: dict) -> list[tuple[str, str, str]]:
    """(name, label, value) of each identifier field, for the templates."""
    return [(kind, kind.replace("_", " ").capitalize(), form.get(kind, "")) for kind in KINDS]


def _page(request, *, form: dict, found=None, errors=None, status: int = 200):
    """The privacy page; a refusal (from the find, export or erase form) names no single
    identifier when none was given: it links to the first one."""
    show_at(request, reverse("privacy"))
    context = {
        "fields": _fields(form),
        "field_names": ",".join(KINDS),
        "first_field": f"field-{KINDS[0]}",
        "found": found,
        "errors": errors,
        "requests_table": Table(
            request,
            selectors.requests(request.workspace),
            REQUEST_COLUMNS,
            default_sort="-requested_at",
            caption="Request log",
            empty_title="No requests yet.",
            empty_hint="Exports and erasures made here or through the API are logged here.",
            html_id="privacy-requests",
        ),
        **_found_tables(request, found),
    }
    return render(request, "privacy/privacy.html", context, status=status)


@page("privacy.export")
def privacy(request):
    """The search form and the request log; a POST finds the person and shows what both
    stores hold about them."""
    if request.method != "POST":
        return _page(request, form={})
    form = _identifiers(request)
    try:
        found = selectors.preview(request.workspace, form, default_store())
    except ValidationFailed as error:
        return _page(request, form=form, errors=error.errors, status=422)
    return _page(request, form=form, found=found)


@require_POST
@page("privacy.export")
def export(request):
    """Download everything about the person as JSON (the export is logged and audited)."""
    form = _identifiers(request)
    try:
        document = actions.export_person(request.workspace, form, actor=request.user)
    except ValidationFailed as error:
        return _page(request, form=form, errors=error.errors, status=422)
    response = HttpResponse(actions.as_json(document), content_type="application/json")
    filename = f"person-export-{document['request_id']}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@page("privacy.erase")
def erase(request):
    """First POST: what would be erased, and a field to type the confirmation word.
    Second POST (with the word): erase."""
    form = _identifiers(request)
    try:
        found = selectors.preview(request.workspace, form, default_store())
    except ValidationFailed as error:
        return _page(request, form=form, errors=error.errors, status=422)
    if request.POST.get("confirm", "").strip() != CONFIRM_WORD:
        errors = None
        if "confirm" in request.POST:
            errors = {"confirm": f"type {CONFIRM_WORD} to erase"}
        context = {
            "fields": _fields(form),
            "found": found,
            "word": CONFIRM_WORD,
            "errors": errors,
            **_found_tables(request, found),
        }
        return render(request, "privacy/confirm_erase.html", context)
    try:
        done = actions.erase_person(request.workspace, form, actor=request.user)
    except actions.WarehouseBusy as error:
        messages.error(request, str(error))
        return _page(request, form=form, found=found, status=503)
    removed = sum(n for name, n in done.counts.items() if name != "core.auditentry")
    if done.status == "done":
        messages.success(request, f"Erased: {removed} rows removed; identifiers suppressed.")
    else:
        messages.warning(
            request,
            f"Erased from the database ({removed} rows); the warehouse step failed and "
            "will be retried by the worker.",
        )
    return HttpResponseRedirect(reverse("privacy"))
