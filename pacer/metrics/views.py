"""The KPI dashboard. Thin: parse the filters, read the cube, render."""

from datetime import date

from django.shortcuts import render

from pacer.core.channels import CHANNELS
from pacer.core.permissions import page
from pacer.metrics.cube import GRAINS
from pacer.metrics.selectors import KpiFilter, kpi_report
from pacer.people import selectors as people
from pacer.warehouse.sync import default_store, last_sync


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters(request) -> tuple[KpiFilter, dict]:
    params = request.GET
    errors = {}
    start, end = _date(params.get("start")), _date(params.get("end"))
    if params.get("start") and start is None:
        errors["start"] = "must be a date (YYYY-MM-DD)"
    if params.get("end") and end is None:
        errors["end"] = "must be a date (YYYY-MM-DD)"
    grain = params.get("grain") or "month"
    if grain not in GRAINS:
        errors["grain"], grain = "must be month or week", "month"
    channel = params.get("channel") or ""
    if channel and channel not in CHANNELS:
        errors["channel"], channel = "unknown channel", ""
    location = params.get("location") or ""
    location_id = int(location) if location.isdigit() and len(location) < 19 else None
    return KpiFilter(
        start=start, end=end, grain=grain, channel=channel, location_id=location_id
    ), errors


def _panel_context(request) -> dict:
    filters, errors = _filters(request)
    report = kpi_report(default_store(), request.workspace.pk, filters)
    return {
        "report": report,
        "filters": filters,
        "errors": errors,
        "channels": CHANNELS,
        "chart_data": {
            "trend": {
                "labels": [r["label"] for r in report.trend],
                "revenue": [r["revenue"] for r in report.trend],
                "spend": [r["spend"] for r in report.trend],
            },
            "channels": {
                "labels": [CHANNELS.get(r["channel"], r["channel"]) for r in report.by_channel],
                "revenue": [r["revenue"] for r in report.by_channel],
                "spend": [r["spend"] for r in report.by_channel],
            },
            "funnel": {
                "labels": [s["stage"] for s in report.funnel],
                "counts": [s["count"] for s in report.funnel],
            },
        },
        "last_sync": last_sync(),
    }


@page("dashboard.view")
def dashboard(request):
    context = _panel_context(request)
    context["locations"] = people.locations(request.workspace)
    return render(request, "metrics/dashboard.html", context)


@page("dashboard.view")
def dashboard_panel(request):
    return render(request, "metrics/_dashboard_panel.html", _panel_context(request))
