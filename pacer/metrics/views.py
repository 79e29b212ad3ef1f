"""The KPI dashboard. Thin: read the filters from the URL, read the cube, render."""

from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

from django.conf import settings
from django.shortcuts import render

from pacer.core.channels import CHANNELS
from pacer.core.permissions import page
from pacer.metrics.customers import activity_bounds
from pacer.metrics.labels import (
    NOT_APPLICABLE_HINT,
    UNTRACKABLE,
    channel_label,
    range_text,
    showing,
)
from pacer.metrics.selectors import KpiFilter, kpi_report, period_index, period_start
from pacer.people import selectors as people
from pacer.warehouse.sync import default_store, last_sync
from pacer.web.charts import Series, chart
from pacer.web.filters import Choice, DateRange, FilterBar

# key, label, format, definition (docs/metrics.md has each exactly), which way is good
KPIS = [
    ("spend", "Spend", "money", "Marketing spend booked to days in the range.", ""),
    ("leads", "Leads", "count", "People whose lead date is in the range.", "up"),
    (
        "new_customers",
        "New customers",
        "count",
        "People whose first order is in the range.",
        "up",
    ),
    ("cac", "CAC", "money", "Customer acquisition cost = spend ÷ new customers.", "down"),
    ("revenue", "Revenue", "money", "Sum of order totals placed in the range.", "up"),
    ("gross_profit", "Gross profit", "money", "Revenue − cost of goods of those orders.", "up"),
    (
        "romi",
        "ROMI",
        "percent",
        "Return on marketing investment = (gross profit − spend) ÷ spend.",
        "up",
    ),
    (
        "repeat_rate",
        "Repeat rate",
        "percent",
        "Customers whose first order is in the range and who ordered again on a later day "
        "by its end ÷ customers whose first order is in the range. Per person: the same "
        "for any grain.",
        "up",
    ),
    (
        "retention",
        "Retention",
        "percent",
        "Customers who ordered both in the range and in the same number of days before it "
        "÷ customers who ordered in those days before. Per person; blank when nobody "
        "ordered before the range.",
        "up",
    ),
    (
        "clv",
        "Historical CLV",
        "money",
        "Revenue from the first day with data to the range's end ÷ customers acquired "
        "in that time.",
        "up",
    ),
]


@lru_cache(maxsize=256)
def _bounds(warehouse: str, workspace_id: int, sync_key: tuple) -> tuple[date, date] | None:
    """The first and last day with data (cached per warehouse sync)."""
    return activity_bounds(default_store(), workspace_id)


def data_bounds(workspace_id: int, sync=None) -> tuple[date, date] | None:
    """The first and last day a workspace has data on (events, orders or spend): the
    default range of every analysis page."""
    sync = sync if sync is not None else last_sync()
    if sync is None:  # derived tables built without a sync run: nothing to key a cache on
        return _bounds.__wrapped__(str(settings.WAREHOUSE_DIR), workspace_id, None)
    return _bounds(str(settings.WAREHOUSE_DIR), workspace_id, (sync.pk, sync.finished_at))


def data_end(workspace_id: int, sync=None) -> date | None:
    """The last day with data (the day date-range presets count back from)."""
    bounds = data_bounds(workspace_id, sync)
    return bounds[1] if bounds else None


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
            Choice(
                "channel",
                "Channel",
                [(key, channel_label(key)) for key in CHANNELS],
                blank="All channels",
            ),
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


def period_name(label: str, grain: str) -> str:
    """A trend period as people name it: "Dec 2025" for a month, "1 Dec 2025" (the day it
    starts) for a week, from its ISO first day."""
    first = date.fromisoformat(label)
    return first.strftime("%b %Y" if grain == "month" else "%-d %b %Y")


# why a KPI has no value, said under its dash
BLANK_REASONS = {
    "cac": "No new customers in the range",
    "romi": "No spend in the range",
    "repeat_rate": "No first orders in the range",
    "retention": "No orders in as many days before the range: start it later",
    "clv": "No customers yet",
}


def _change(now, before) -> float | None:
    if now is None or before is None or before == 0:
        return None
    return (now - before) / abs(before)


def _partial_note(report) -> str:
    """Which periods the data covers in part, and which whole periods the sums count."""
    notes = []
    partial = [r for r in report.trend if r["partial"]]
    if partial and report.bounds:
        grain = report.filters.grain
        names = ", ".join(
            period_start(period_index(date.fromisoformat(r["label"]), grain), grain).strftime(
                "%b %Y" if grain == "month" else "week of %-d %b %Y"
            )
            for r in partial
        )
        notes.append(
            f"Partial {grain}s (hatched bars, dashed lines): {names}; the data covers "
            f"{range_text(*report.bounds)}."
        )
    asked = (report.filters.start, report.filters.end)
    if report.counted and asked[0] and asked[1] and report.counted != asked:
        notes.append(
            f"The period sums count whole {report.filters.grain}s: "
            f"{range_text(*report.counted)}; repeat rate and retention count the exact days."
        )
    return " ".join(notes)


def _channel_rows(report) -> list[dict]:
    rows = []
    for row in report.by_channel:
        item = dict(row, label=channel_label(row["channel"]))
        item["untrackable"] = row["channel"] in UNTRACKABLE
        rows.append(item)
    return rows


def _panel_context(request, filters: KpiFilter) -> dict:
    store = default_store()
    report = kpi_report(store, request.workspace.pk, filters)
    previous_filter = _previous(filters)
    previous = (
        kpi_report(store, request.workspace.pk, previous_filter, people=False)
        if previous_filter
        else None
    )
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
    for kpi in kpis:
        kpi["blank"] = BLANK_REASONS.get(kpi["key"], "")
    trend, channels, funnel = report.trend, report.by_channel, report.funnel
    partial = [index for index, row in enumerate(trend) if row["partial"]]
    return {
        "report": report,
        "kpis": kpis,
        "channel_rows": _channel_rows(report),
        "not_applicable_hint": NOT_APPLICABLE_HINT,
        "compared": previous_filter,
        "showing": showing(filters.start, filters.end, report.bounds),
        "partial_note": _partial_note(report),
        "trend_chart": chart(
            "bar",
            [period_name(r["label"], filters.grain) for r in trend],
            [
                Series("Revenue", [r["revenue"] for r in trend], type="line"),
                Series("Spend", [r["spend"] for r in trend]),
            ],
            y="money",
            currency=currency,
            partial=partial,
        ),
        "channel_chart": chart(
            "bar",
            [channel_label(r["channel"]) for r in channels],
            [
                Series("Revenue", [r["revenue"] for r in channels]),
                Series("Spend", [r["spend"] for r in channels]),
            ],
            y="money",
            currency=currency,
            horizontal=True,  # every channel named, at any width
        ),
        "channel_chart_height": 70 + 34 * len(channels),
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
