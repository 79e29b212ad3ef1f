"""The per-template report page: each email template's sends and what recipients did,
over a chosen period (``pacer.messaging.template_report``)."""

from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.permissions import page
from pacer.messaging import rules
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
    context = {"table": table, "bar": bar, "window_days": window_days}
    return render(request, "messaging/template_report.html", context)
