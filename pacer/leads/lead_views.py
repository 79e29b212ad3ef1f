"""A lead's page: its person, deadline and predicted chance with reasons, its history,
activities, tasks and notices, and its forms (log an activity, reply by email, move the
stage, add or tick off a task), each refused inline with the reasons at its fields."""

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.leads import actions, followup, selectors, todo
from pacer.leads.hours import hours_of
from pacer.leads.models import ActivityKind
from pacer.leads.predictive import ReasonNames, reason_words
from pacer.leads.stages import stages
from pacer.leads.timeline import latest
from pacer.leads.views import due_words, seconds_left
from pacer.people.selectors import locations
from pacer.web import formats


def _person(lead) -> str:
    contact = lead.contact
    name = f"{contact.first_name} {contact.last_name}".strip()
    return name or contact.email or contact.phone or f"Contact {contact.pk}"


@page("leads.view")
def lead_detail(request, lead_id: int):
    lead = selectors.lead(request.workspace, lead_id)
    if lead is None:
        raise Http404("no such lead")
    if request.method == "POST":
        return _act(request, lead)
    return _lead_page(request, lead)


TIMELINE_ENTRIES = 15  # the contact's newest entries shown on the lead page

# what each form of a lead's page posts (besides "action"), for re-showing it refused
FORM_FIELDS = {
    "log": ("kind", "outcome", "next_step"),
    "reply": ("subject", "body", "token"),
    "stage": ("stage", "reason"),
    "task": ("title", "due_at", "assignee"),
    "done": ("task",),
}


def _lead_page(request, lead, refused: str = "", typed: dict | None = None, errors=None):
    """A lead's page; after a refused POST of one of its forms (``refused``: a key of
    ``FORM_FIELDS``), that form with its reasons at its fields (those about no field
    above it) and what was typed kept, answered 422."""
    now, zone = clock.now(), _zone(request, lead)
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    reason_names = ReasonNames.of(request.workspace, names)
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "person": _person(lead),
            "due": due_words(lead, now, lambda _: zone),
            "seconds_left": seconds_left(lead, now),
            "location": names.get(lead.location_id, "—"),
            "reasons": [
                (r["effect"] > 0, reason_words(r, reason_names))
                for r in lead.predicted_reasons or []
            ],
            "history": selectors.history(request.workspace, lead.pk),
            "timeline": latest(request.workspace.pk, lead.contact_id, TIMELINE_ENTRIES)
            if allows(request.role, "contacts.view")
            else None,
            "activities": selectors.activities(request.workspace, lead.pk),
            "stages": [(s.key, s.label) for s in stages(request.workspace) if s.key != lead.stage],
            "stage_label": {s.key: s.label for s in stages(request.workspace)}.get(
                lead.stage, lead.stage
            ),
            "channel_label": CHANNELS.get(lead.channel, lead.channel),
            "kinds": ActivityKind.choices,
            "can_work": allows(request.role, "leads.work"),
            "notices": selectors.unread_notices(request.workspace, request.user.pk, lead.pk),
            "tasks": selectors.tasks(request.workspace, lead.pk),
            "members": [
                (m.user_id, formats.person(m.user)) for m in selectors.workers(request.workspace)
            ],
            "owner_name": formats.person(lead.owner) if lead.owner else "unassigned",
            "form": _form_values(lead, now, zone, typed or {}, errors or {}),
            "refused": refused,
            "errors": errors or {},
            "zone": zone,
            "zone_name": str(zone),
        },
        status=422 if errors else 200,
    )


def _form_values(lead, now, zone, typed: dict, errors: dict) -> dict:
    """The values the page's forms show: their defaults, and what was typed into the
    refused one (a refused reply gets a fresh token only when its own was refused)."""
    values = {
        "kind": "call",
        "subject": "Re: your request",
        "body": f"Hi {lead.contact.first_name or 'there'},\n\n",
        "token": uuid.uuid4().hex,
        "due_at": f"{(now + timedelta(days=1)).astimezone(zone):%Y-%m-%dT%H:%M}",
        "assignee": str(lead.owner_id or ""),
    }
    kept = {
        name: value for name, value in typed.items() if name != "token" or "token" not in errors
    }
    return values | kept


def _zone(request, lead) -> ZoneInfo:
    """The lead's location's time zone: task times typed on its page are in it."""
    return ZoneInfo(hours_of(request.workspace, lead.location_id).zone)


def _due_at(request, lead, text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=_zone(request, lead))
    except ValueError:
        return None


@page("leads.work")
def _act(request, lead):
    data, now = request.POST, clock.now()
    action = data.get("action", "")
    form = action if action in FORM_FIELDS else "done" if action == "undone" else "log"
    typed = {name: data.get(name, "") for name in FORM_FIELDS[form]}
    try:
        if data.get("action") == "task":
            assignee = data.get("assignee", "")
            due_at = _due_at(request, lead, typed["due_at"])
            if due_at is None and typed["due_at"].strip():
                raise ValidationFailed({"due_at": "must be a date and time (2026-03-31T09:30)"})
            todo.add_task(
                request.workspace,
                lead.pk,
                title=data.get("title", ""),
                due_at=due_at,
                assignee_id=int(assignee) if assignee.isdecimal() else None,
                at=now,
                actor=request.user,
            )
            messages.success(request, "Task added.")
        elif data.get("action") in ("done", "undone"):
            task = data.get("task", "")
            todo.set_done(
                request.workspace,
                int(task) if task.isdecimal() and lead.tasks.filter(pk=task).exists() else 0,
                data["action"] == "done",
                at=now,
                actor=request.user,
            )
            messages.success(request, "Task updated.")
        elif data.get("action") == "reply":
            followup.send_reply(
                request.workspace,
                lead.pk,
                subject=data.get("subject", ""),
                body=data.get("body", ""),
                token=data.get("token", ""),
                at=now,
                actor=request.user,
            )
            messages.success(request, "Email sent.")
        elif data.get("action") == "stage":
            actions.move_stage(
                request.workspace,
                lead.pk,
                data.get("stage", ""),
                at=now,
                actor=request.user,
                reason=data.get("reason", ""),
            )
            messages.success(request, "Stage changed.")
        else:
            followup.log_activity(
                request.workspace,
                lead.pk,
                data.get("kind", ""),
                at=now,
                actor=request.user,
                outcome=data.get("outcome", ""),
                next_step=data.get("next_step", ""),
            )
            messages.success(request, "Logged.")
    except ValidationFailed as error:
        return _lead_page(request, lead, form, typed, error.errors)
    return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))


@require_POST
@page("leads.view")
def read_notices(request):
    """Mark the member's reminders read: all of them, or one lead's (``lead``). A POST,
    so that opening a page (a prefetch, a link preview) never reads them for the member."""
    lead_id = request.POST.get("lead", "")
    lead = selectors.lead(request.workspace, int(lead_id)) if lead_id.isdecimal() else None
    followup.mark_notices_read(request.workspace, request.user, lead_id=lead.pk if lead else None)
    if lead is not None:
        return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))
    return HttpResponseRedirect(reverse("lead-inbox"))
