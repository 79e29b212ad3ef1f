"""The living style guide: every component with its parameters and example output, built
from the same code the pages use (so it cannot drift from them)."""

from datetime import UTC, date, datetime, timedelta

from django.contrib import messages
from django.shortcuts import render

from pacer.core.channels import CHANNELS
from pacer.core.permissions import page
from pacer.web import formats
from pacer.web.charts import PALETTE, Series, chart
from pacer.web.filters import PRESETS, Choice, DateRange, FilterBar, Text, preset_range
from pacer.web.tables import Column, Table

SAMPLE_END = date(2026, 2, 28)
SAMPLE_CHANNELS = ["paid_search", "email", "organic_social", "referral", "direct", "tv", "sms"]


def _sample_rows() -> list[dict]:
    """Twenty-three made-up channel rows, enough for three pages of ten."""
    rows = []
    for index in range(23):
        channel = SAMPLE_CHANNELS[index % len(SAMPLE_CHANNELS)]
        spend = 0 if channel == "direct" else 400 + 137 * index
        revenue = 250 + (index * 911) % 5000
        rows.append(
            {
                "id": index + 1,
                "campaign": f"Campaign {index + 1:02d}",
                "channel": channel,
                "spend": spend,
                "revenue": revenue,
                "romi": (revenue - spend) / spend if spend else None,
                "customers": 3 + (index * 7) % 40,
                "started": datetime(2026, 1, 1, 9, 30, tzinfo=UTC) + timedelta(days=2 * index),
            }
        )
    return rows


def _sample_table(request) -> Table:
    return Table(
        request,
        _sample_rows(),
        [
            Column("campaign", "Campaign", sortable=True, min_width=10),
            Column("channel", "Channel", sortable=True, labels=CHANNELS, nowrap=True),
            Column("spend", "Spend", format="money", sortable=True),
            Column("revenue", "Revenue", format="money", sortable=True),
            Column("romi", "ROMI", format="percent", sortable=True),
            Column("customers", "Customers", format="count", sortable=True, visible=False),
            Column("started", "Started", format="datetime", sortable=True, visible=False),
        ],
        default_sort="-revenue",
        per_page=10,
        prefix="t-",
        caption="Example campaigns",
        empty_title="No campaigns yet.",
        html_id="sg-table",
    )


@page(None, workspace=False)
def styleguide(request):
    workspace = getattr(request, "workspace", None)
    currency = getattr(workspace, "currency", None) or "USD"
    if request.GET.get("toast"):
        messages.success(request, "Saved. Toasts like this one fade after eight seconds.")
        messages.error(request, "name: must not be empty (errors stay until dismissed)")
    table = _sample_table(request)
    bar = FilterBar(
        request,
        [
            DateRange(data_end=SAMPLE_END, default="last_30"),
            Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
            Choice("grain", "Period", [("month", "Month"), ("week", "Week")]),
            Text("q", "Search", placeholder="Campaign name"),
        ],
        keep=("t-sort", "t-cols", "t-per_page"),
        html_id="sg-filters",
    )
    labels = ["2026-01", "2026-02", "2026-03", "2026-04"]
    context = {
        "currency": currency,
        "table": table,
        "bar": bar,
        "palette": PALETTE,
        "presets": [
            (PRESETS[key], *preset_range(key, SAMPLE_END))
            for key in ("last_7", "last_30", "last_90", "mtd", "last_month", "qtd", "ytd")
        ],
        "sample_end": SAMPLE_END,
        "examples": [
            (kind, value, formats.format_value(value, kind, currency=currency))
            for kind, value in (
                ("money", 1234567.8),
                ("money", 45.5),
                ("money", -12),
                ("count", 12345),
                ("percent", 0.1234),
                ("ratio", 2.5),
                ("decimal", 3.14159),
                ("date", SAMPLE_END),
                ("money", None),
            )
        ],
        "metric_options": [("conversion", "Conversion rate"), ("revenue", "Revenue per unit")],
        "errors": {
            "name": "must not be empty",
            "variants[1].weight": "must be a positive number",
        },
        "bar_chart": chart(
            "bar",
            labels,
            [
                Series("Revenue", [1200, 3400, 2800, 4100], type="line"),
                Series("Spend", [900, 1100, 1500, 1300]),
            ],
            y="money",
            currency=currency,
        ),
        "funnel_chart": chart(
            "bar",
            ["Visits", "Leads", "Customers"],
            [Series("People", [5400, 820, 140], vary_colors=True)],
            horizontal=True,
        ),
    }
    return render(request, "web/styleguide.html", context)
