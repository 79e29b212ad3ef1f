"""The KPI dashboard. Thin: read the filters from the URL, read the cube, render."""

from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.shortcuts import render

from pacer.core.channels import CHANNELS
from pacer.core.permissions import page
from pacer.metrics.selectors import KpiFilter, cube_slice, kpi_report, period_index, period_start
from pacer.people import selectors as people
from pacer.warehouse.sync import default_store, last_sync
from pacer.web.charts import Series, chart
from pacer.web.filters import Choice, DateRange, FilterBar

# key, label, format, definition (pacer.metrics.selectors), which way is good
KPIS = [
    ("spend", "Spend", "money", "Marketing spend recorded in the period.", ""),
    ("leads", "Leads", "count", "People who became leads in the period.", "up"),
    (
        "new_customers",
        "New customers",
        "count",
        "People whose first order fell in the period.",
        "up",
    ),
    ("cac", "CAC", "money", "Customer acquisition cost: spend ÷ new customers.", "down"),
    ("revenue", "Revenue", "money", "Order totals in the period.", "up"),
    ("gross_profit", "Gross profit", "money", "Revenue − cost of goods sold.", "up"),
    (
        "romi",
        "ROMI",
        "percent",
        "Return on marketing investment: (gross profit − spend) ÷ spend.",
        "up",
    ),
    (
        "repeat_rate",
        "Repeat rate",
        "percent",
        "Returning customers ÷ ordering customers (returning: first order before the period).",
        "up",
    ),
    (
        "retention",
        "Retention",
        "percent",
        "Customers ordering in this and the previous period ÷ those ordering in the previous one.",
        "up",
    ),
    (
        "clv",
        "Historical CLV",
        "money",
        "Revenue to date ÷ customers acquired to date.",
        "up",
    ),
]


@lru_cache(maxsize=256)
def _data_end(warehouse: str, workspace_id: int, sync_key: tuple) -> date | None:
    """The last day of the last week with data in the cube (today at the latest); the
    date-range presets count back from it. Cached per warehouse sync."""
    frame = cube_slice(default_store(), workspace_id, KpiFilter(grain="week"))
    if frame.height == 0:
        return None
    week_end = period_start(int(frame["period"].max()), "week") + timedelta(days=6)
    return min(week_end, date.today())


def data_end(workspace_id: int, sync=None) -> date | None:
    """The day the warehouse data of a workspace ends (see ``_data_end``)."""
    sync = sync if sync is not None else last_sync()
    if sync is None:  # a cube built without a sync run: nothing to key a cache on
        return _data_end.__wrapped__(str(settings.WAREHOUSE_DIR), workspace_id, None)
    return _data_end(str(settings.WAREHOUSE_DIR), workspace_id, (sync.pk, sync.finished_at))


def _filter_bar(request, locations, end: date | None) -> FilterBar:
    return FilterBar(
        request,
        [
            DateRange(data_end=end, default="all"),
            Choice("grain", "Period", [("month", "Month"), ("week", "Week")]),
            Choice(
                "location",
                "Location",
                [(loc.pk, loc.name) for loc in locations],
                blank="All locations",
            ),
            Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
        ],
        html_id="dashboard-filters",
    )


def _kpi_filter(values: dict) -> KpiFilter:
    return KpiFilter(
        start=values["start"],
        end=values["end"],
        grain=values["grain"],
        channel=values["channel"],
        location_id=int(values["location"]) if values["location"] else None,
    )


def _previous(filters: KpiFilter) -> KpiFilter | None:
    """The same number of periods just before the filter's (None for an open range)."""
    if filters.start is None or filters.end is None:
        return None
    low = period_index(filters.start, filters.grain)
    periods = period_index(filters.end, filters.grain) - low + 1
    return replace(
        filters,
        start=period_start(low - periods, filters.grain),
        end=period_start(low, filters.grain) - timedelta(days=1),
    )


def _change(now, before) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before)


def _panel_context(request, filters: KpiFilter) -> dict:
    store = default_store()
    report = kpi_report(store, request.workspace.pk, filters)
    previous_filter = _previous(filters)
    previous = kpi_report(store, request.workspace.pk, previous_filter) if previous_filter else None
    currency = request.workspace.currency
    kpis = [
        {
            "key": key,
            "label": label,
            "kind": kind,
            "definition": definition,
            "value": report.totals.get(key),
            "delta": _change(report.totals.get(key), previous.totals.get(key))
            if previous and kind != "percent"
            else None,
            "good": good,
        }
        for key, label, kind, definition, good in KPIS
    ]
    trend, channels, funnel = report.trend, report.by_channel, report.funnel
    return {
        "report": report,
        "kpis": kpis,
        "channels": CHANNELS,
        "compared": previous_filter,
        "trend_chart": chart(
            "bar",
            [r["label"] for r in trend],
            [
                Series("Revenue", [r["revenue"] for r in trend], type="line"),
                Series("Spend", [r["spend"] for r in trend]),
            ],
            y="money",
            currency=currency,
        ),
        "channel_chart": chart(
            "bar",
            [CHANNELS.get(r["channel"], r["channel"]) for r in channels],
            [
                Series("Revenue", [r["revenue"] for r in channels]),
                Series("Spend", [r["spend"] for r in channels]),
            ],
            y="money",
            currency=currency,
        ),
        "funnel_chart": chart(
            "bar",
            [s["stage"] for s in funnel],
            [Series("People", [s["count"] for s in funnel], vary_colors=True)],
            horizontal=True,
        ),
        "last_sync": last_sync(),
    }


@page("dashboard.view")
def dashboard(request):
    locations = people.locations(request.workspace)
    sync = last_sync()
    bar = _filter_bar(request, locations, data_end(request.workspace.pk, sync))
    context = _panel_context(request, _kpi_filter(bar.values))
    context["bar"] = bar
    return render(request, "metrics/dashboard.html", context)


@page("dashboard.view")
def dashboard_panel(request):
    """The KPIs, charts and table alone, for the page's periodic refresh."""
    bar = _filter_bar(request, people.locations(request.workspace), data_end(request.workspace.pk))
    return render(
        request, "metrics/_dashboard_panel.html", _panel_context(request, _kpi_filter(bar.values))
    )
