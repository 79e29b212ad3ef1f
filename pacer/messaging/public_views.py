"""The pages a recipient reaches from an email, without an account: one-click
unsubscribe, the preference centre, the open pixel and the click redirect. Each is
authorised by a token signed for one message; a token this install did not sign gets
an answer that changes nothing. (Email providers post their events to
``pacer.messaging.provider_views``.)"""

import base64

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from pacer.core.errors import ValidationFailed
from pacer.messaging import actions, rules, tracking

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
        wanted = {int(v) for v in request.POST.getlist("topic") if v.isdecimal() and len(v) < 19}
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
