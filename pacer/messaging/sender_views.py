"""A sender's page: change its name, From and Reply-To addresses; rotate its DKIM key (a
new key generated and kept sealed, under a selector, with the DNS record to publish);
delete it when no broadcast uses it. The private key is never shown."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.messaging import actions, sealing, selectors
from pacer.messaging.signing import dns_record

EDIT_FIELDS = ("name", "from_email", "reply_to")


def dkim_published(sender) -> dict | None:
    """Where and what to publish for the sender's key: ``name`` (the TXT record's host)
    and ``value``; ``problem`` instead when the sealed key cannot be opened; None
    without a key."""
    if not sender.dkim_key_sealed:
        return None
    name = f"{sender.dkim_selector}._domainkey.{sender.domain}"
    try:
        return {"name": name, "value": dns_record(sealing.open_dkim_key(sender))}
    except sealing.Unreadable as error:
        return {"name": name, "problem": f"The key {error}: rotate it."}


@page("messaging.view")
def sender_page(request, sender_id: int):
    sender = selectors.sender(request.workspace, sender_id)
    if sender is None:
        raise Http404("no such sender in this workspace")
    form = {name: getattr(sender, name) for name in EDIT_FIELDS}
    rotate_form = {"dkim_selector": f"pacer{clock.now():%Y%m}"}
    errors, rotate_errors, delete_errors, status = {}, {}, {}, 200
    if request.method == "POST":
        if not allows(request.role, "messaging.send"):
            raise Http404("no such sender in this workspace")
        which = request.POST.get("form", "")
        try:
            if which == "rotate":
                rotate_form = {"dkim_selector": request.POST.get("dkim_selector", "")}
                actions.rotate_dkim_key(
                    request.workspace, sender.pk, actor=request.user, **rotate_form
                )
                messages.success(request, "New DKIM key made: publish its record below.")
                return HttpResponseRedirect(reverse("message-sender", args=[sender.pk]))
            if which == "delete":
                actions.delete_sender(request.workspace, sender.pk, actor=request.user)
                messages.success(request, f"Sender {sender.from_email} deleted.")
                return HttpResponseRedirect(reverse("messages"))
            form = {name: request.POST.get(name, "") for name in EDIT_FIELDS}
            actions.update_sender(request.workspace, sender.pk, actor=request.user, **form)
            messages.success(request, f"Sender {form['from_email'].strip().lower()} saved.")
            return HttpResponseRedirect(reverse("message-sender", args=[sender.pk]))
        except ValidationFailed as error:
            status = 422
            if which == "rotate":
                rotate_errors = error.errors
            elif which == "delete":
                delete_errors = error.errors
            else:
                errors = error.errors
    context = {
        "sender": sender,
        "form": form,
        "errors": errors,
        "rotate_form": rotate_form,
        "rotate_errors": rotate_errors,
        "delete_errors": delete_errors,
        "dkim": dkim_published(sender),
        "in_use": actions.sender_in_use(request.workspace, sender),
        "can_send": allows(request.role, "messaging.send"),
    }
    return render(request, "messaging/sender.html", context, status=status)
