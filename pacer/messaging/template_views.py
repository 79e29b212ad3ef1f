"""The per-template report page: each email template's sends and what recipients did,
over a chosen period (``pacer.messaging.template_report``), and below it each SMS
broadcast's texts sent in the period (``pacer.messaging.sms_report``: SMS has no
templates)."""

from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.permissions import page
from pacer.messaging import rules
from pacer.messaging.sms_report import sms_report
from pacer.messaging.template_report import template_report
from pacer.web.filters import DateRange, FilterBar
from pacer.web.tables import Column, Table

COLUMNS = [
    ("sent", "Sent", "count"),
    ("delivered", "Delivered", "count"),
    ("delivery_rate", "Delivery rate", "percent"),
    ("opened", "Opened", "count"),
    ("open_rate", "Open rate", "percent"),
    ("clicked", "Clicked", "count"),
    ("click_rate", "Click rate", "percent"),
    ("bounced", "Bounced", "count"),
    ("bounce_rate", "Bounce rate", "percent"),
    ("complained", "Complained", "count"),
    ("complaint_rate", "Complaint rate", "percent"),
    ("unsubscribed", "Unsubscribed", "count"),
    ("unsubscribe_rate", "Unsubscribe rate", "percent"),
    ("orders_after_click", "Orders after click", "count"),
    ("revenue_after_click", "Revenue after click", "money"),
]

# shown until the reader chooses: the rates (and how many were sent); the other counts are
# in the column chooser
SHOWN = {"sent", "revenue_after_click", *(key for key, _, kind in COLUMNS if kind == "percent")}

SMS_COLUMNS = [
    ("sent", "Sent", "count"),
    ("delivered", "Delivered", "count"),
    ("delivery_rate", "Delivery rate", "percent"),
    ("clicked", "Clicked", "count"),
    ("click_rate", "Click rate", "percent"),
    ("opted_out", "Opted out", "count"),
    ("opt_out_rate", "Opt-out rate", "percent"),
    ("orders_after_click", "Orders after click", "count"),
    ("revenue_after_click", "Revenue after click", "money"),
]
SMS_SHOWN = {"sent", "delivered", "clicked", "opted_out", "revenue_after_click"}


def _sms_table(request, start, end) -> Table:
    return Table(
        request,
        sms_report(request.workspace, start, end),
        [
            Column(
                "name",
                "SMS broadcast",
                sortable=True,
                href=lambda row: reverse("sms", args=[row["sms_broadcast_id"]]),
            ),
            *(
                Column(key, label, format=kind, sortable=True, visible=key in SMS_SHOWN)
                for key, label, kind in SMS_COLUMNS
            ),
        ],
        default_sort="name",
        prefix="sms-",
        caption="SMS broadcasts",
        empty_title="No SMS texts sent in this period.",
        empty_hint="SMS broadcasts whose texts went out in the period are listed here.",
        html_id="sms-report",
    )


@page("messaging.view")
def template_report_page(request):
    period = DateRange(label="Sent", default="last_30", today=clock.now().date())
    bar = FilterBar(request, [period], html_id="template-report-filters")
    rows = template_report(request.workspace, bar.values["start"], bar.values["end"])
    table = Table(
        request,
        rows,
        [
            Column(
                "name",
                "Template",
                sortable=True,
                href=lambda row: reverse("message-template", args=[row["template_id"]]),
            ),
            *(
                Column(key, label, format=kind, sortable=True, visible=key in SHOWN)
                for key, label, kind in COLUMNS
            ),
        ],
        default_sort="name",
        caption="Per template",
        empty_title="No templates yet.",
        empty_hint="Write a template, then send a broadcast with it.",
        html_id="template-report",
    )
    window_days = rules.settings_of(request.workspace).attribution_days
    sms_table = _sms_table(request, bar.values["start"], bar.values["end"])
    context = {"table": table, "sms_table": sms_table, "bar": bar, "window_days": window_days}
    return render(request, "messaging/template_report.html", context)
