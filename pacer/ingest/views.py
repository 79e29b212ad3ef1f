"""The ingestion page (admins): quarantined events and the origins browsers may send from."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.ingest import actions, selectors
from pacer.web.address import show_at
from pacer.web.components import flash_errors

PAGE_SIZE = 50


def _page(request, *, origins: str | None = None, errors=None, status: int = 200):
    show_at(request, reverse("ingestion"))
    events = Paginator(selectors.quarantined(request.workspace.pk), PAGE_SIZE)
    if origins is None:
        origins = "\n".join(selectors.allowed_origins(request.workspace.pk))
    context = {
        "events": events.get_page(request.GET.get("page")),
        "origins": origins,
        "errors": errors,
    }
    return render(request, "ingest/ingestion.html", context, status=status)


@page("ingest.manage")
def ingestion(request):
    return _page(request)


def _event_action(request, event_id: int, action, done: str):
    try:
        action(request.workspace, event_id, actor=request.user)
    except ValidationFailed as error:
        flash_errors(request, error)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("ingestion"))


@require_POST
@page("ingest.manage")
def reprocess(request, event_id: int):
    return _event_action(
        request, event_id, actions.reprocess, "The event is queued again; it is processed next."
    )


@require_POST
@page("ingest.manage")
def discard(request, event_id: int):
    return _event_action(request, event_id, actions.discard, "The event is discarded.")


@require_POST
@page("ingest.manage")
def origins(request):
    text = request.POST.get("origins", "")[:50_000]
    lines = [line for line in text.splitlines() if line.strip()]
    try:
        saved = actions.set_allowed_origins(request.workspace, lines, actor=request.user)
    except ValidationFailed as error:
        return _page(request, origins=text, errors=error.errors, status=422)
    else:
        messages.success(
            request, f"{len(saved)} origins allowed." if saved else "Every origin may send events."
        )
    return HttpResponseRedirect(reverse("ingestion"))
