"""The parts of the broadcast forms that email and SMS share: the audience and schedule
read from the form, the action's refusals put back on the form's fields, and queueing a
broadcast from its page."""

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows
from pacer.messaging import rules
from pacer.messaging.models import Schedule
from pacer.messaging.schedule import local_send_instant, parse_wall_time
from pacer.web.tables import Column


def number(text: str) -> int:
    """A whole number typed in a form (0 when it is none: the action refuses it)."""
    return int(text) if text.isdecimal() and len(text) < 19 else 0


def audience(form: dict, errors: dict) -> dict | None:
    """The audience of the form: the chosen segment, else the contact ids typed in
    ``audience`` (blank or "all": every contact); None, with the refusal, for a typo."""
    if form["segment_id"]:
        return {"segment": number(form["segment_id"])}
    text = form["audience"].strip()
    if text in ("", "all"):
        return {"all": True}
    ids = []
    for part in text.replace(",", " ").split():
        if not part.isdecimal() or len(part) > 18:
            errors["audience"] = f"'{part[:20]}' is not a contact id (or write 'all')"
            return None
        ids.append(int(part))
    return {"contacts": ids}


def schedule(workspace, form: dict, errors: dict) -> dict:
    """The schedule arguments of a create action from the form's ``schedule`` and
    ``send_time``: a time "at" is read in the workspace's time zone, a "local" one in
    each recipient's."""
    chosen, wall = form["schedule"] or Schedule.NOW, form["send_time"]
    if chosen == Schedule.AT:
        parsed = parse_wall_time(wall)
        if parsed is None:
            errors["send_time"] = "must be a date and time"
            return {"schedule": chosen}
        zone = rules.settings_of(workspace).time_zone
        return {"schedule": chosen, "send_at": local_send_instant(parsed, zone)}
    if chosen == Schedule.LOCAL:
        return {"schedule": chosen, "send_local": wall}
    return {"schedule": chosen}


def on_form_fields(found: dict, form: dict) -> dict:
    """The action's refusals of the audience and schedule keyed by the form's fields
    (``send_time``; ``segment_id`` when a segment was chosen)."""
    for name in ("send_at", "send_local"):
        if name in found:
            found["send_time"] = found.pop(name)
    if "audience" in found and form["segment_id"]:
        found["segment_id"] = found.pop("audience")
    return found


def queue_from_page(
    request,
    broadcast,
    queue: Callable[..., dict],
    *,
    url_name: str,
    noun: tuple[str, str],
    missing: str,
    refused: Callable[[dict], HttpResponse],
) -> HttpResponse:
    """A broadcast page's POST: queue the broadcast (``queue(workspace, id, actor=)``)
    when the role may send, with a toast of the counts (``noun``: singular and plural),
    and back to the page; a refusal is the page again, its reasons shown above it
    (``refused(errors)``, 422). A role that may not send gets the page's 404
    (``missing``)."""
    if not allows(request.role, "messaging.send"):
        raise Http404(missing)
    try:
        counts = queue(request.workspace, broadcast.pk, actor=request.user)
    except ValidationFailed as error:
        return refused(error.errors)
    queued = counts["queued"]
    what = noun[0] if queued == 1 else noun[1]
    messages.success(
        request, f"Queued {queued} {what}; {counts['skipped']} skipped (reasons below)."
    )
    return HttpResponseRedirect(reverse(url_name, args=[broadcast.pk]))


def contact_column() -> Column:
    """A table's recipient: the contact's name (or email, or phone), linked to their page
    (rows annotated by ``selectors.with_contact_names``); never a bare id."""

    def link(row) -> str | None:
        return reverse("contact", args=[row["contact_id"]]) if row.get("contact_id") else None

    return Column(
        "contact_name",
        "Contact",
        text=lambda row: row.get("contact_name") or "(no live contact)",
        href=link,
    )
