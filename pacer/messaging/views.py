"""Messaging pages: the overview (broadcasts, templates, senders, suppressions), the
template editor with a preview per contact and senders. Broadcasts are in
``broadcast_views``, the public pages in ``public_views``."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.messaging import actions, email_health, proofs, selectors
from pacer.messaging.models import BroadcastStatus
from pacer.web.formats import percent
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
            Column(
                "name",
                "Sender",
                sortable=True,
                href=lambda s: reverse("message-sender", args=[s["pk"]]),
            ),
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
        **deliverability(request),
    }
    return render(request, "messaging/overview.html", context)


WINDOW_LABELS = {"day": "24 h", "week": "7 days"}
RATES = {"complaint_rate": ("Complaint rate", 2), "bounce_rate": ("Bounce rate", 1)}


def _rate_text(value: float | None, places: int) -> str:
    return "—" if value is None else percent(value, places)


def _rate_hint(figures: dict, rate: str) -> str:
    """A rate's counts and definition, for its hover."""
    if rate == "complaint_rate":
        counts = f"{figures['complained']} of {figures['sent']} sent"
    else:
        counts = f"{figures['bounced']} of {figures['handed']} handed to the relay"
    return f"{counts}. {email_health.DEFINITIONS[rate]}."


def deliverability(request, domain: str | None = None) -> dict:
    """The email deliverability section's context (``email_health``): the workspace's
    rates over the last day and week as cards, its sender domains' in a table (only
    ``domain``'s when given) and the warnings."""
    health = email_health.deliverability(request.workspace, domain=domain)
    cards = [
        {
            "label": f"{label}, {WINDOW_LABELS[window]}",
            "text": _rate_text(health["all"][window][rate], places),
            "definition": _rate_hint(health["all"][window], rate),
            "id": f"health-{window}-{rate.replace('_', '-')}",
        }
        for rate, (label, places) in RATES.items()
        for window in WINDOW_LABELS
    ]
    rows = [
        {
            "domain": row["domain"],
            **{f"{w}_{k}": v for w in WINDOW_LABELS for k, v in row[w].items()},
        }
        for row in health["domains"]
    ]
    columns = [Column("domain", "Sender domain", sortable=True)]
    for window, words in WINDOW_LABELS.items():
        columns.append(Column(f"{window}_sent", f"Sent, {words}", format="count", sortable=True))
        for rate, (label, places) in RATES.items():
            key = f"{window}_{rate}"
            columns.append(
                Column(
                    key,
                    f"{label}, {words}",
                    format="percent",
                    sortable=True,
                    text=lambda row, key=key, places=places: _rate_text(row[key], places),
                    hint=lambda row, window=window, rate=rate: _rate_hint(
                        {k.removeprefix(f"{window}_"): v for k, v in row.items()}, rate
                    ),
                )
            )
    table = Table(
        request,
        rows,
        columns,
        default_sort="domain",
        caption="Per sender domain",
        empty_title="Nothing sent in the last 7 days.",
        html_id="health-domains",
        prefix="h-",
    )
    return {"health": health, "health_cards": cards, "health_table": table}


def _preview(request, template, form: dict) -> dict:
    """The template rendered for one contact (``?contact=`` id or email, or the first
    with an email)."""
    contact = proofs.chosen_contact(request.workspace, request.GET.get("contact", ""))
    if contact is None:
        return {"problem": "No live contact with an email has this id or email."}
    return proofs.email_preview(template, contact, form)


def _template_form(request, template, form, errors, status=200, test_form=None, test_errors=None):
    context = {"template": template, "form": form, "errors": errors}
    if template is not None and not errors:
        context["preview"] = preview = _preview(request, template, form)
        chosen = preview.get("contact") or {}
        context["preview_ref"] = request.GET.get("contact") or chosen.get("email", "")
        context["test_form"] = test_form or {
            "contact": chosen.get("email", ""),
            "to": request.user.email,
            "sender_id": "",
        }
        context["test_errors"] = test_errors or {}
        context["senders"] = [
            (s.pk, f"{s.name} <{s.from_email}>") for s in selectors.senders(request.workspace)
        ]
        context["can_send"] = allows(request.role, "messaging.send")
    return render(request, "messaging/template_form.html", context, status=status)


def _send_test(request, template):
    form = {name: request.POST.get(name, "") for name in ("contact", "to", "sender_id")}
    try:
        sent = proofs.send_test(
            request.workspace,
            template,
            contact_ref=form["contact"],
            to=form["to"],
            sender_id=form["sender_id"],
            actor=request.user,
        )
    except ValidationFailed as error:
        saved = {name: getattr(template, name) for name in TEMPLATE_FIELDS}
        return _template_form(request, template, saved, {}, 422, form, error.errors)
    who = sent["contact"]["email"]
    messages.success(request, f"Test sent to {sent['to']} as {who}: {sent['subject']}")
    url = reverse("message-template", args=[template.pk])
    return HttpResponseRedirect(f"{url}?contact={sent['contact']['id']}#preview")


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
        if request.POST.get("form") == "test-send":
            return _send_test(request, template)
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
            if form["dkim_private_key"]:  # a secret is never sent back to the browser
                form["dkim_private_key"] = ""
                errors.setdefault("dkim_private_key", "not shown again: paste the key again")
        else:
            messages.success(request, f"Sender {sender.from_email} added.")
            return HttpResponseRedirect(reverse("messages"))
    context = {"form": form, "errors": errors}
    return render(request, "messaging/sender_form.html", context, status=status)
