"""The pages a recipient reaches from an email, without an account: one-click
unsubscribe, the preference centre, the open pixel and the click redirect. Each is
authorised by a token signed for one message; a token this install did not sign gets
an answer that changes nothing. Also the endpoint email providers post bounces and
complaints to, authorised by a token signed for the workspace."""

import base64

from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging import actions, rules, tracking
from pacer.messaging import provider_events as provider_events_module

# a transparent 1x1 GIF
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


@csrf_exempt  # mail clients POST one-click unsubscribes without a session (RFC 8058)
def unsubscribe_page(request, token: str):
    """GET asks (link scanners follow links); POST unsubscribes, from the page's button or
    from the mail client's one-click."""
    if request.method == "POST":
        message = actions.unsubscribe(token)
        status = 200 if message else 400
        context = {"done": bool(message), "token": token}
        return render(request, "messaging/unsubscribe.html", context, status=status)
    return render(request, "messaging/unsubscribe.html", {"ask": True, "token": token})


def preferences_page(request, token: str):
    """The topics a recipient wants: every topic of the workspace, ticked unless they
    opted out; saving keeps the ticked ones and opts out of the rest."""
    message = actions.message_of(token)
    if message is None:
        return render(request, "messaging/preferences.html", {"broken": True}, status=400)
    workspace, saved = message.workspace, False
    if request.method == "POST":
        wanted = {int(v) for v in request.POST.getlist("topic") if v.isdigit() and len(v) < 19}
        try:
            rules.set_preferences(workspace, message.contact_id, wanted)
        except ValidationFailed:
            return render(request, "messaging/preferences.html", {"broken": True}, status=400)
        saved = True
    out = rules.opted_out(workspace, message.contact_id)
    context = {
        "topics": [(topic, topic.pk not in out) for topic in rules.topics(workspace)],
        "email": message.email,
        "token": token,
        "saved": saved,
    }
    return render(request, "messaging/preferences.html", context)


def open_pixel(request, token: str):
    """The open pixel: an image either way, the open recorded only for a signed token."""
    recorded = tracking.record_open(token)
    response = HttpResponse(PIXEL, content_type="image/gif", status=200 if recorded else 404)
    response["Cache-Control"] = "no-store"
    return response


def click(request, token: str):
    """A tracked link: recorded, then redirected to where the signed token says; anything
    else is refused with a page (never redirected)."""
    url = tracking.record_click(token)
    if url is None:
        return render(request, "messaging/link_broken.html", status=400)
    return HttpResponseRedirect(url)


def _refused(status: int, field: str, reason: str) -> JsonResponse:
    return JsonResponse({"detail": f"{field}: {reason}", "errors": {field: reason}}, status=status)


@csrf_exempt  # providers post without a session; the signed token in the URL authorises
def provider_events(request, provider: str, token: str):
    """Bounces and complaints an email provider posts as JSON (SES through SNS, SendGrid,
    Postmark; ``pacer.messaging.provider_events``): recorded like returned mail; a
    malformed body is refused (422) naming the field, an unknown token with 404."""
    if request.method != "POST":
        response = _refused(405, "method", f"{request.method} is not allowed here; use POST")
        response["Allow"] = "POST"
        return response
    workspace_id = provider_events_module.workspace_id_of(token)
    workspace = Workspace.objects.filter(pk=workspace_id).first() if workspace_id else None
    if workspace is None:
        return _refused(404, "token", "not a provider-events token of this install")
    try:
        notices = provider_events_module.read(provider, request.body)
    except provider_events_module.BadPayload as problem:
        status = 404 if problem.field == "provider" else 422
        return _refused(status, problem.field, problem.reason)
    results = provider_events_module.record(workspace, provider, notices)
    return JsonResponse({"results": results})
