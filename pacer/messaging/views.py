"""Messaging pages: the overview (broadcasts, templates, senders, suppressions), the
template editor with a preview per contact, senders, broadcasts (create, queue, what
happened to each message). The public pages are in ``public_views``."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.messaging import actions, rules, selectors, subject_test
from pacer.messaging.models import BroadcastStatus, MessageStatus, Schedule
from pacer.messaging.render import compile_parts, recipient_context
from pacer.messaging.render import render as render_email
from pacer.messaging.schedule import local_send_instant, parse_wall_time
from pacer.people import selectors as people
from pacer.segments import selectors as segments
from pacer.web.tables import Column, Table

TEMPLATE_FIELDS = ("name", "subject", "html", "text")
SENDER_FIELDS = ("name", "from_email", "dkim_selector", "dkim_private_key")
STARTER_HTML = (
    "<style>p { font-family: sans-serif; }</style>\n"
    "<p>Hello {{ contact.first_name|default:'there' }},</p>\n"
    "<p>...</p>\n"
    '<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>'
)


@page("messaging.view")
def overview(request):
    workspace = request.workspace
    broadcasts = Table(
        request,
        selectors.broadcasts(workspace),
        [
            Column(
                "name",
                "Broadcast",
                sortable=True,
                href=lambda b: reverse("broadcast", args=[b["pk"]]),
            ),
            Column("status", "Status", sortable=True, labels=dict(BroadcastStatus.choices)),
            Column("template__name", "Template"),
            Column("queued", "Queued", format="count"),
            Column("sent", "Sent", format="count"),
            Column("skipped", "Skipped", format="count"),
            Column("failed", "Failed", format="count"),
        ],
        default_sort="-id",
        caption="Broadcasts",
        empty_title="No broadcasts yet.",
        empty_hint="Write a template and add a sender, then create a broadcast.",
        html_id="broadcasts",
        prefix="b-",
    )
    templates = Table(
        request,
        selectors.templates(workspace),
        [
            Column(
                "name",
                "Template",
                sortable=True,
                href=lambda t: reverse("message-template", args=[t["pk"]]),
            ),
            Column("subject", "Subject"),
            Column("updated_at", "Changed", format="datetime", sortable=True),
        ],
        default_sort="name",
        caption="Templates",
        empty_title="No templates yet.",
        empty_hint="New template starts from a layout with an unsubscribe link.",
        html_id="templates",
        prefix="t-",
    )
    senders = Table(
        request,
        selectors.senders(workspace),
        [
            Column("name", "Sender", sortable=True),
            Column("from_email", "From"),
            Column("dkim_selector", "DKIM selector"),
        ],
        default_sort="name",
        caption="Senders",
        empty_title="No senders yet.",
        empty_hint="Add the From address messages go out under (and its DKIM key).",
        html_id="senders",
        prefix="s-",
    )
    context = {
        "broadcasts": broadcasts,
        "templates": templates,
        "senders": senders,
        "suppressed": selectors.suppressions(workspace).count(),
        "can_send": allows(request.role, "messaging.send"),
    }
    return render(request, "messaging/overview.html", context)


def _preview(request, form: dict) -> dict:
    """The template rendered for one contact (``?contact=`` or the first with an email)."""
    chosen = request.GET.get("contact", "")
    ids = [int(chosen)] if chosen.isdigit() else None
    found = people.recipients(request.workspace, ids)[:1]
    if not found:
        return {"problem": "No contact with an email to preview with."}
    try:
        compiled = compile_parts(form["subject"], form["html"], form["text"])
    except ValueError as problem:
        return {"problem": str(problem)}
    context = recipient_context(found[0], {"unsubscribe_url": "#unsubscribe"})
    subject, html, text = render_email(compiled, context)
    return {"contact": found[0], "subject": subject, "html": html, "text": text}


def _template_form(request, template, form, errors, status=200):
    context = {"template": template, "form": form, "errors": errors}
    if template is not None and not errors:
        context["preview"] = _preview(request, form)
    return render(request, "messaging/template_form.html", context, status=status)


def _save_template(request, template):
    data = {name: request.POST.get(name, "") for name in TEMPLATE_FIELDS}
    try:
        saved = actions.save_template(request.workspace, template=template, **data)
    except ValidationFailed as error:
        return _template_form(request, template, data, error.errors, status=422)
    messages.success(request, f"Template '{saved.name}' saved.")
    return HttpResponseRedirect(reverse("message-template", args=[saved.pk]))


@page("messaging.send")
def template_new(request):
    if request.method == "POST":
        return _save_template(request, None)
    form = {"name": "", "subject": "A note for {{ contact.first_name }}", "html": STARTER_HTML}
    return _template_form(request, None, form | {"text": ""}, {})


@page("messaging.view")
def template_edit(request, template_id: int):
    template = selectors.template(request.workspace, template_id)
    if template is None:
        raise Http404("no such template in this workspace")
    if request.method == "POST":
        if not allows(request.role, "messaging.send"):
            raise Http404("no such template in this workspace")
        return _save_template(request, template)
    form = {name: getattr(template, name) for name in TEMPLATE_FIELDS}
    return _template_form(request, template, form, {})


@page("messaging.send")
def sender_new(request):
    form, errors, status = dict.fromkeys(SENDER_FIELDS, ""), {}, 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in SENDER_FIELDS}
        try:
            sender = actions.save_sender(request.workspace, **form)
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            messages.success(request, f"Sender {sender.from_email} added.")
            return HttpResponseRedirect(reverse("messages"))
    context = {"form": form, "errors": errors}
    return render(request, "messaging/sender_form.html", context, status=status)


def _audience(text: str, errors: dict):
    text = text.strip()
    if text in ("", "all"):
        return {"all": True}
    ids = []
    for part in text.replace(",", " ").split():
        if not part.isdigit() or len(part) > 18:
            errors["audience"] = f"'{part[:20]}' is not a contact id (or write 'all')"
            return None
        ids.append(int(part))
    return {"contacts": ids}


BROADCAST_FIELDS = (
    "name",
    "template_id",
    "sender_id",
    "purpose",
    "segment_id",
    "audience",
    "topic_id",
    "schedule",
    "send_time",
)


def _number(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 19 else 0


def _schedule(workspace, form: dict, errors: dict) -> dict:
    """The schedule arguments of ``create_broadcast`` from the form: a time "at" is read
    in the workspace's time zone, a "local" one in each recipient's."""
    schedule, wall = form["schedule"] or Schedule.NOW, form["send_time"]
    if schedule == Schedule.AT:
        parsed = parse_wall_time(wall)
        if parsed is None:
            errors["send_time"] = "must be a date and time"
            return {"schedule": schedule}
        zone = rules.settings_of(workspace).time_zone
        return {"schedule": schedule, "send_at": local_send_instant(parsed, zone)}
    if schedule == Schedule.LOCAL:
        return {"schedule": schedule, "send_local": wall}
    return {"schedule": schedule}


@page("messaging.send")
def broadcast_new(request):
    workspace = request.workspace
    form = dict.fromkeys(BROADCAST_FIELDS, "") | {"purpose": "marketing", "schedule": "now"}
    errors, status = {}, 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in BROADCAST_FIELDS}
        audience = (
            {"segment": _number(form["segment_id"])}
            if form["segment_id"]
            else _audience(form["audience"], errors)
        )
        when = _schedule(workspace, form, errors)
        try:
            if errors:
                raise ValidationFailed(errors)
            created = actions.create_broadcast(
                workspace,
                name=form["name"],
                template_id=_number(form["template_id"]),
                sender_id=_number(form["sender_id"]),
                purpose=form["purpose"],
                audience=audience,
                topic_id=_number(form["topic_id"]) or None,
                **when,
            )
        except ValidationFailed as error:
            found = {**error.errors, **errors}
            for name in ("send_at", "send_local"):
                if name in found:
                    found["send_time"] = found.pop(name)
            if "audience" in found and form["segment_id"]:
                found["segment_id"] = found.pop("audience")
            errors, status = found, 422
        else:
            return HttpResponseRedirect(reverse("broadcast", args=[created.pk]))
    context = {
        "form": form,
        "errors": errors,
        "templates": [(t.pk, t.name) for t in selectors.templates(workspace)],
        "senders": [(s.pk, f"{s.name} <{s.from_email}>") for s in selectors.senders(workspace)],
        "segments": [("", "None: the audience below")]
        + [(s.pk, f"{s.name} ({s.member_count} members)") for s in segments.segments(workspace)],
        "topics": [("", "No topic")] + [(t.pk, t.name) for t in rules.topics(workspace)],
        "schedules": Schedule.choices,
        "time_zone": rules.settings_of(workspace).time_zone,
    }
    return render(request, "messaging/broadcast_form.html", context, status=status)


@page("messaging.view")
def broadcast_detail(request, broadcast_id: int):
    broadcast = selectors.broadcast(request.workspace, broadcast_id)
    if broadcast is None:
        raise Http404("no such broadcast in this workspace")
    if request.method == "POST":
        if not allows(request.role, "messaging.send"):
            raise Http404("no such broadcast in this workspace")
        try:
            counts = actions.queue_broadcast(request.workspace, broadcast.pk, actor=request.user)
        except ValidationFailed as error:
            messages.error(request, "; ".join(error.errors.values()))
        else:
            messages.success(
                request,
                f"Queued {counts['queued']} messages; {counts['skipped']} skipped (reasons below).",
            )
        return HttpResponseRedirect(reverse("broadcast", args=[broadcast.pk]))
    table = Table(
        request,
        selectors.messages_of(request.workspace, broadcast.pk),
        [
            Column(
                "contact_id",
                "Contact",
                sortable=True,
                href=lambda m: reverse("contact", args=[m["contact_id"]]),
            ),
            Column("email", "Email", sortable=True),
            Column("status", "Status", sortable=True, labels=dict(MessageStatus.choices)),
            Column("reason", "Why"),
            Column("sent_at", "Sent", format="datetime", sortable=True),
        ],
        default_sort="contact_id",
        caption="Messages",
        empty_title="Nothing queued yet.",
        empty_hint="Send now (or Schedule) queues one message per recipient.",
        html_id="broadcast-messages",
    )
    segment_id = broadcast.audience.get("segment")
    context = {
        "broadcast": broadcast,
        "segment": segments.segment(request.workspace, segment_id) if segment_id else None,
        "reasons": selectors.skip_reasons(request.workspace, broadcast.pk),
        "variants": subject_test.results(broadcast) if broadcast.subject_variants else [],
        "report": selectors.report(request.workspace, broadcast),
        "table": table,
        "can_send": allows(request.role, "messaging.send"),
    }
    return render(request, "messaging/broadcast.html", context)
