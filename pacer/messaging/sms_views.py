"""SMS broadcast pages: the list, a new one, and its page (what became of each text,
queueing it)."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.messaging import (
    click_revenue,
    form_parts,
    proofs,
    rules,
    selectors,
    sms_broadcasts,
    sms_health,
    sms_links,
    sms_status,
)
from pacer.messaging.attributed import attributed_revenue, attribution_bar
from pacer.messaging.form_parts import contact_column
from pacer.messaging.models import BroadcastStatus, MessageStatus, Schedule
from pacer.segments import selectors as segments
from pacer.web.charts import Series, chart
from pacer.web.filters import TABLE_PARAMS, Choice, FilterBar
from pacer.web.tables import Column, Table, value_of

DELIVERY_HINT = "What the SMS provider last reported (Twilio-compatible providers only)"


def _delivery_hint(text) -> str | None:
    """The hint on a delivery status that a provider reported (none on an empty cell)."""
    return DELIVERY_HINT if value_of(text, "delivery") else None


def _error_hint(text) -> str | None:
    """What a provider's error code means, when it is one the deliverability warnings
    name."""
    return sms_status.ERROR_NAMES.get(value_of(text, "error_code") or "")


TEXT_HELP = (
    "Up to 1,600 characters (about 10 SMS parts); {{{{ contact.first_name }}}} and the other "
    "contact fields are filled in per recipient. Say who you are and how to stop: 'Reply "
    "STOP to opt out'. Each http(s) link is sent as a tracked link of {link_length} "
    "characters (counted in the 1,600), so a click shows on the broadcast's page."
)
REVENUE_DEFINITION = (
    "Orders each recipient placed within {days} days (the workspace's attribution window, "
    "set in Sending rules) after their first click on a link of this text, each counted once; "
    "an order before the click or after the window is not, contacts merged into one count as "
    "one person, and only orders in {currency} are added"
)
FIELDS = ("name", "text", "purpose", "segment_id", "audience", "schedule", "send_time")


@page("messaging.view")
def sms_list(request):
    table = Table(
        request,
        sms_broadcasts.sms_broadcasts(request.workspace),
        [
            Column("name", "Name", sortable=True, href=lambda b: reverse("sms", args=[b["pk"]])),
            Column("purpose", "Consent purpose"),
            Column("status", "Status", sortable=True, labels=dict(BroadcastStatus.choices)),
            Column("created_at", "Created", format="datetime", sortable=True),
            Column("queued_at", "Queued", format="datetime", sortable=True),
        ],
        default_sort="-created_at",
        caption="SMS broadcasts",
        empty_title="No SMS broadcast yet.",
        empty_hint="New SMS broadcast writes one text to a segment or to every contact "
        "with a phone number and SMS consent.",
        html_id="sms-broadcasts",
    )
    context = {
        "table": table,
        "health": sms_health.deliverability(request.workspace),
        "can_send": allows(request.role, "messaging.send"),
    }
    return render(request, "messaging/sms_list.html", context)


@page("messaging.send")
def sms_new(request):
    workspace = request.workspace
    form = dict.fromkeys(FIELDS, "") | {"purpose": "marketing", "schedule": "now"}
    errors, status = {}, 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in FIELDS}
        audience = form_parts.audience(form, errors)
        when = form_parts.schedule(workspace, form, errors)
        try:
            if errors:
                raise ValidationFailed(errors)
            created = sms_broadcasts.create_sms_broadcast(
                workspace,
                name=form["name"],
                text=form["text"],
                purpose=form["purpose"],
                audience=audience,
                actor=request.user,
                **when,
            )
        except ValidationFailed as error:
            errors = form_parts.on_form_fields({**error.errors, **errors}, form)
            status = 422
        else:
            return HttpResponseRedirect(reverse("sms", args=[created.pk]))
    context = {
        "form": form,
        "errors": errors,
        "segments": [("", "None: the audience below")]
        + [(s.pk, f"{s.name} ({s.member_count} members)") for s in segments.segments(workspace)],
        "schedules": Schedule.choices,
        "time_zone": rules.settings_of(workspace).time_zone,
        "text_help": TEXT_HELP.format(link_length=sms_links.link_length()),
    }
    return render(request, "messaging/sms_form.html", context, status=status)


def _delivery_chart(broadcast) -> dict | None:
    """Texts sent (bars) and delivered (a line) per hour or day; None before any went out."""
    timeline = sms_broadcasts.delivery_over_time(broadcast)
    if not timeline["periods"]:
        return None
    shape = "%Y-%m-%d %H:00" if timeline["unit"] == "hour" else "%Y-%m-%d"
    labels = [at.strftime(shape) for at in timeline["periods"]]
    series = [
        Series("Sent", timeline["series"]["sent"]),
        Series("Delivered", timeline["series"]["delivered"], type="line"),
    ]
    return {"config": chart("bar", labels, series, y="count"), "unit": timeline["unit"]}


@page("messaging.view")
def sms_detail(request, broadcast_id: int):
    broadcast = sms_broadcasts.sms_broadcast(request.workspace, broadcast_id)
    if broadcast is None:
        raise Http404("no such SMS broadcast in this workspace")
    if request.method == "POST":
        return form_parts.queue_from_page(
            request,
            broadcast,
            sms_broadcasts.queue_sms_broadcast,
            url_name="sms",
            noun=("text", "texts"),
            missing="no such SMS broadcast in this workspace",
            refused=lambda errors: _detail(request, broadcast, errors),
        )
    return _detail(request, broadcast)


def _detail(request, broadcast, queue_errors: dict | None = None):
    """The SMS broadcast's page; ``queue_errors``: why queueing it was refused (422)."""
    deliveries = Choice(
        "delivery", "Delivery", selectors.TEXT_DELIVERIES.items(), blank="All texts"
    )
    keep = (*TABLE_PARAMS, "model", "preview")
    bar = FilterBar(request, [deliveries], keep=keep, html_id="text-filters")
    table = Table(
        request,
        selectors.texts_of(request.workspace, broadcast.pk, bar.values["delivery"]),
        [
            contact_column(),
            Column("contact_id", "Contact id", sortable=True, visible=False),
            Column("to_number", "Number"),
            Column("status", "Status", sortable=True, labels=dict(MessageStatus.choices)),
            Column("delivery", "Delivery", hint=_delivery_hint),
            Column("reason", "Why"),
            Column("due_at", "Due", format="datetime", sortable=True),
            Column("sent_at", "Sent", format="datetime", sortable=True),
            Column("delivered_at", "Delivered", format="datetime", sortable=True),
            Column("error_code", "Error code", sortable=True, hint=_error_hint),
            Column("clicked_at", "First click", format="datetime", sortable=True),
            Column("clicks", "Clicks", format="count", sortable=True),
        ],
        default_sort="contact_id",
        caption="Texts",
        empty_title="No text matches this delivery." if bar.active else "Nothing queued yet.",
        empty_hint="Choose All texts to see every one."
        if bar.active
        else "Send now (or Schedule) queues one text per recipient.",
        html_id="sms-texts",
    )
    segment_id = broadcast.audience.get("segment")
    revenue = click_revenue.sms_revenue_after_click(request.workspace, broadcast)
    model_bar = attribution_bar(request, keep=("delivery", "preview"))
    attributed = attributed_revenue(
        request.workspace, "sms", broadcast.pk, model_bar.values["model"]
    )
    preview = proofs.sms_preview(request.workspace, broadcast.text, request.GET.get("preview", ""))
    chosen = preview.get("contact") or {}
    context = {
        "broadcast": broadcast,
        "segment": segments.segment(request.workspace, segment_id) if segment_id else None,
        "report": sms_broadcasts.report(broadcast),
        "revenue": revenue,
        "attributed": attributed,
        "model_bar": model_bar,
        "revenue_definition": REVENUE_DEFINITION.format(
            days=revenue["window_days"], currency=revenue["currency"]
        ),
        "health": sms_health.deliverability(request.workspace),
        "delivery_chart": _delivery_chart(broadcast),
        "preview": preview,
        "preview_ref": request.GET.get("preview") or chosen.get("email", ""),
        "table": table,
        "bar": bar,
        "can_send": allows(request.role, "messaging.send"),
        "queue_errors": queue_errors,
    }
    status = 422 if queue_errors else 200
    return render(request, "messaging/sms_broadcast.html", context, status=status)
