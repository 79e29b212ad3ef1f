"""Logging a call from a row of the staff inbox: its outcome (reached, a voicemail, no
answer) and an optional note, through the same action as the lead page
(``followup.log_activity``: the first one is the lead's first response, each sets its
next touch). With HTMX the inbox's live part comes back with the row updated (or, 422,
its form refused, with the reasons at its fields; the layout's HTMX configuration swaps
a 422 in); without, a redirect back to the same inbox address (or the inbox refused,
422)."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.leads import followup, selectors
from pacer.leads.models import CallOutcome
from pacer.leads.views import inbox_context
from pacer.web.address import show_at


def _back_to(raw: str) -> str:
    """The inbox address the form came from (its view, location, sort and page; never
    its live part alone), or the inbox itself for anything that is not an address of it
    on this site."""
    parts = urlsplit(raw or "")
    inbox = reverse("lead-inbox")
    if parts.scheme or parts.netloc or parts.path != inbox:
        return inbox
    query = QueryDict(parts.query, mutable=True)
    query.pop("fragment", None)  # the live part alone is no page to come back to
    encoded = query.urlencode()
    return inbox + (f"?{encoded}" if encoded else "")


@require_POST
@page("leads.work")
def log_call(request, lead_id: int):
    lead = selectors.lead(request.workspace, lead_id)
    if lead is None:
        raise Http404("no such lead")
    back = _back_to(request.POST.get("next", ""))
    outcome, note = request.POST.get("outcome", ""), request.POST.get("note", "").strip()
    htmx = bool(request.headers.get("HX-Request"))
    try:
        followup.log_call(
            request.workspace, lead.pk, outcome, note, at=clock.now(), actor=request.user
        )
    except ValidationFailed as error:
        return _inbox(
            request,
            back,
            htmx,
            refused=lead.pk,
            typed={"outcome": outcome, "note": note},
            errors=error.errors,
        )
    done = f"Call logged: {CallOutcome(outcome).label.lower()}."
    if not htmx:
        messages.success(request, done)
        return HttpResponseRedirect(back)
    return _inbox(request, back, htmx, done=done)


def _inbox(request, back: str, htmx: bool, *, done: str = "", **refusal):
    """The inbox at ``back`` answered here: its live part for HTMX (the toast ``done``
    beside it), else the whole page; 200 after a logged call, 422 when refused."""
    request.GET = QueryDict(urlsplit(back).query)
    show_at(request, back)
    context = inbox_context(request, fragment=htmx, **refusal) | {"done": done}
    status = 422 if refusal else 200
    if htmx:
        return render(request, "leads/inbox_live.html", context, status=status)
    return render(request, "leads/inbox.html", context, status=status)
