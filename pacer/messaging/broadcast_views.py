"""Broadcast pages: create one (with an optional subject-line test), its page with what
happened to each message, the report (rates, revenue after click, delivery over time as
a chart) and the CSV of delivery over time."""

from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.messaging import (
    actions,
    form_parts,
    outcomes,
    rules,
    sealing,
    selectors,
    subject_test,
)
from pacer.messaging.attributed import attributed_revenue, attribution_bar
from pacer.messaging.form_parts import contact_column
from pacer.messaging.models import MessageStatus, Schedule
from pacer.messaging.views import deliverability
from pacer.segments import selectors as segments
from pacer.web.charts import Series, chart
from pacer.web.filters import TABLE_PARAMS, Choice, FilterBar
from pacer.web.tables import Column, Table

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
    *(f"variant_{letter.lower()}" for letter in subject_test.LETTERS),
    "test_percent",
    "test_wait_hours",
    "test_metric",
)
TEST_DEFAULTS = {"test_percent": "20", "test_wait_hours": "4", "test_metric": "open"}
METRIC_CHOICES = [("open", "Opens (share of sent messages opened)"), ("click", "Clicks")]


def _whole(text: str) -> int | str:
    """A whole number from the form; anything else as typed (refused by the action)."""
    text = text.strip()
    return int(text) if text.isdecimal() and len(text) < 6 else text


def _subject_test(form: dict) -> tuple[dict, list[str]]:
    """The subject-test arguments of ``create_broadcast`` from the form (the subject
    lines filled in, in order) and the form field of each variant passed."""
    filled = [
        (f"variant_{letter.lower()}", form[f"variant_{letter.lower()}"])
        for letter in subject_test.LETTERS
        if form[f"variant_{letter.lower()}"].strip()
    ]
    if not filled:
        return {}, []
    options = {
        "subject_variants": [subject for _, subject in filled],
        "test_percent": _whole(form["test_percent"]),
        "test_wait_hours": _whole(form["test_wait_hours"]),
        "test_metric": form["test_metric"],
    }
    return options, [name for name, _ in filled]


def _form_errors(found: dict, form: dict, variant_fields: list[str]) -> dict:
    """The action's refusals keyed by the form's fields."""
    found = form_parts.on_form_fields(found, form)
    for index, name in enumerate(variant_fields):
        if f"subject_variants[{index}]" in found:
            found[name] = found.pop(f"subject_variants[{index}]")
    if "subject_variants" in found:
        # too few lines: the next empty field; the same line twice: the last one
        target = "variant_b" if len(variant_fields) < 2 else variant_fields[-1]
        found[target] = found.pop("subject_variants")
    return found


@page("messaging.send")
def broadcast_new(request):
    workspace = request.workspace
    form = dict.fromkeys(BROADCAST_FIELDS, "") | {"purpose": "marketing", "schedule": "now"}
    form |= TEST_DEFAULTS
    errors, status = {}, 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "") for name in BROADCAST_FIELDS}
        audience = form_parts.audience(form, errors)
        when = form_parts.schedule(workspace, form, errors)
        testing, variant_fields = _subject_test(form)
        try:
            if errors:  # the form's own refusals, with the subject test's beside them
                if testing:
                    subject_test.check(errors, *testing.values(), when["schedule"])
                raise ValidationFailed(errors)
            created = actions.create_broadcast(
                workspace,
                name=form["name"],
                template_id=form_parts.number(form["template_id"]),
                sender_id=form_parts.number(form["sender_id"]),
                purpose=form["purpose"],
                audience=audience,
                topic_id=form_parts.number(form["topic_id"]) or None,
                **when,
                **testing,
            )
        except ValidationFailed as error:
            errors = _form_errors({**error.errors, **errors}, form, variant_fields)
            status = 422
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
        "metrics": METRIC_CHOICES,
        "variant_fields": [
            (f"variant_{letter.lower()}", f"Subject {letter}", form[f"variant_{letter.lower()}"])
            for letter in subject_test.LETTERS
        ],
        "time_zone": rules.settings_of(workspace).time_zone,
    }
    return render(request, "messaging/broadcast_form.html", context, status=status)


@page("messaging.view")
def broadcast_detail(request, broadcast_id: int):
    broadcast = selectors.broadcast(request.workspace, broadcast_id)
    if broadcast is None:
        raise Http404("no such broadcast in this workspace")
    if request.method == "POST":
        return form_parts.queue_from_page(
            request,
            broadcast,
            actions.queue_broadcast,
            url_name="broadcast",
            noun=("message", "messages"),
            missing="no such broadcast in this workspace",
            refused=lambda errors: _detail(request, broadcast, errors),
        )
    return _detail(request, broadcast)


def _key_unreadable(sender) -> bool:
    """Whether the sender's sealed DKIM key cannot be opened (its messages would fail)."""
    try:
        sealing.open_dkim_key(sender)
    except sealing.Unreadable:
        return True
    return False


def _detail(request, broadcast, queue_errors: dict | None = None):
    """The broadcast's page; ``queue_errors``: why queueing it was refused (422)."""
    bar = _outcome_bar(request)
    table = _messages_table(request, broadcast, bar)
    segment_id = broadcast.audience.get("segment")
    revenue = outcomes.revenue_after_click(request.workspace, broadcast)
    model_bar = attribution_bar(request, keep=("outcome",))
    attributed = attributed_revenue(
        request.workspace, "email", broadcast.pk, model_bar.values["model"]
    )
    timeline = outcomes.delivery_over_time(request.workspace, broadcast)
    context = {
        "broadcast": broadcast,
        "segment": segments.segment(request.workspace, segment_id) if segment_id else None,
        "reasons": selectors.skip_reasons(request.workspace, broadcast.pk),
        "variants": _variant_rows(broadcast, revenue),
        "report": selectors.report(request.workspace, broadcast),
        "revenue": revenue,
        "attributed": attributed,
        "model_bar": model_bar,
        "timeline": timeline,
        "delivery_chart": _delivery_chart(timeline) if timeline["periods"] else None,
        "delivery": _delivery_table(request, broadcast, timeline),
        "table": table,
        "bar": bar,
        "can_send": allows(request.role, "messaging.send"),
        "queue_errors": queue_errors,
        "sender_key_unreadable": _key_unreadable(broadcast.sender),
        **deliverability(request, domain=broadcast.sender.domain),
    }
    status = 422 if queue_errors else 200
    return render(request, "messaging/broadcast.html", context, status=status)


def _outcome_bar(request) -> FilterBar:
    outcomes_choice = Choice(
        "outcome", "Outcome", selectors.MESSAGE_OUTCOMES.items(), blank="All messages"
    )
    keep = (*TABLE_PARAMS, "model")
    return FilterBar(request, [outcomes_choice], keep=keep, html_id="message-filters")


def _messages_table(request, broadcast, bar: FilterBar) -> Table:
    """Each message of the broadcast with what became of it (first open, first click,
    bounce or complaint with its reason), sortable, narrowed by the bar's outcome."""
    rows = selectors.messages_of(request.workspace, broadcast.pk, bar.values["outcome"])
    return Table(
        request,
        rows,
        [
            contact_column(),
            Column("contact_id", "Contact id", sortable=True, visible=False),
            Column("email", "Email", sortable=True),
            Column("status", "Status", sortable=True, labels=dict(MessageStatus.choices)),
            Column("reason", "Why"),
            Column("sent_at", "Sent", format="datetime", sortable=True),
            Column("opened_at", "Opened", format="datetime", sortable=True),
            Column("clicked_at", "Clicked", format="datetime", sortable=True),
            Column("bounced_at", "Bounced", format="datetime", sortable=True),
            Column("complained_at", "Complained", format="datetime", sortable=True),
            Column("problem", "Reason reported"),
        ],
        default_sort="contact_id",
        caption="Messages",
        empty_title="No message matches this outcome." if bar.active else "Nothing queued yet.",
        empty_hint="Choose All messages to see every one."
        if bar.active
        else "Send now (or Schedule) queues one message per recipient.",
        html_id="broadcast-messages",
    )


def _variant_rows(broadcast, revenue: dict) -> list[dict]:
    """A subject test's per-variant figures, with revenue after click and, once decided,
    each variant's comparison with A."""
    if not broadcast.subject_variants:
        return []
    compared = {v["name"]: v for v in broadcast.test_decision.get("variations", [])}
    money = {row["variant"]: row for row in revenue["variants"]}
    rows = subject_test.results(broadcast)
    for row in rows:
        row["orders"] = money[row["variant"]]["orders"]
        row["revenue"] = money[row["variant"]]["revenue"]
        found = compared.get(row["variant"])
        row["adjusted_p_value"] = found["adjusted_p_value"] if found else None
        row["chance_to_win"] = found["chance_to_win"] if found else None
    return rows


SERIES_LABELS = {
    "sent": "Sent",
    "delivered": "Delivered",
    "opened": "Opened",
    "clicked": "Clicked",
    "bounced": "Bounced",
    "unsubscribed": "Unsubscribed",
}


def _period_label(at, unit: str) -> str:
    return at.strftime("%Y-%m-%d %H:00") if unit == "hour" else at.strftime("%Y-%m-%d")


def _delivery_chart(timeline: dict) -> dict:
    labels = [_period_label(at, timeline["unit"]) for at in timeline["periods"]]
    series = [
        Series(label, timeline["series"][name], type="line" if name != "sent" else None)
        for name, label in SERIES_LABELS.items()
    ]
    return chart("bar", labels, series, y="count")


def _delivery_table(request, broadcast, timeline: dict) -> Table:
    rows = [
        {"period": at, **{name: values[i] for name, values in timeline["series"].items()}}
        for i, at in enumerate(timeline["periods"])
    ]
    unit = "Hour" if timeline["unit"] == "hour" else "Day"
    return Table(
        request,
        rows,
        [Column("period", f"{unit} (UTC)", format="datetime", sortable=True)]
        + [Column(name, label, format="count") for name, label in SERIES_LABELS.items()],
        default_sort="period",
        caption=f"Delivery per {timeline['unit']}",
        empty_title="Nothing sent yet.",
        html_id="delivery",
        prefix="d-",
        csv_url=reverse("broadcast-delivery-csv", args=[broadcast.pk]),
    )


@page("messaging.view")
def delivery_csv(request, broadcast_id: int):
    """The figures of the delivery chart, one row per hour or day."""
    broadcast = selectors.broadcast(request.workspace, broadcast_id)
    if broadcast is None:
        raise Http404("no such broadcast in this workspace")
    timeline = outcomes.delivery_over_time(request.workspace, broadcast)
    table = _delivery_table(request, broadcast, timeline)
    return table.csv_response(f"broadcast-{broadcast.pk}-delivery.csv")
