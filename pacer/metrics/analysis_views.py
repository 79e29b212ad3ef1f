"""Pages for measurement: the attribution report and CLV."""

from datetime import date, timedelta

from django.contrib import messages
from django.shortcuts import render

from pacer.analytics.clv import CLVError
from pacer.analytics.journeys import JourneyError
from pacer.core.channels import CHANNELS
from pacer.core.permissions import allows, page
from pacer.metrics.analysis import (
    attribution_report,
    clv_holdout_report,
    clv_report,
    write_back_clv,
)
from pacer.warehouse.sync import default_store
from pacer.web.components import PALETTE


def _day(value: str | None, default: date) -> date | None:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@page("reports.view")
def attribution(request):
    end = _day(request.GET.get("end"), date.today())
    start = _day(request.GET.get("start"), (end or date.today()) - timedelta(days=365))
    by = request.GET.get("by") or "channel"
    context = {"start": start, "end": end, "by": by, "rows": [], "chart": None}
    if start is None or end is None:
        messages.error(request, "start, end: must be dates (YYYY-MM-DD)")
        return render(request, "metrics/attribution.html", context)
    try:
        table = attribution_report(default_store(), request.workspace.pk, start, end, by=by)
    except JourneyError as error:
        messages.error(request, str(error))
        return render(request, "metrics/attribution.html", context)
    models = list(dict.fromkeys(table["model"].to_list()))
    channels = sorted(set(table["channel"].to_list()))
    revenue = {(r["model"], r["channel"]): r["revenue"] for r in table.iter_rows(named=True)}
    context["rows"] = table.sort(["channel", "model"]).to_dicts()
    context["channels"] = CHANNELS
    context["chart"] = {
        "type": "bar",
        "data": {
            "labels": [CHANNELS.get(c, c) for c in channels],
            "datasets": [
                {
                    "label": model,
                    "backgroundColor": PALETTE[i % len(PALETTE)],
                    "data": [revenue.get((model, c), 0) for c in channels],
                }
                for i, model in enumerate(models)
            ],
        },
    }
    return render(request, "metrics/attribution.html", context)


def _holdout(request, context: dict) -> None:
    """The calibration/holdout check, when asked for with ``?holdout_weeks=``."""
    as_of = _day(request.GET.get("as_of"), date.today())
    try:
        weeks = int(request.GET["holdout_weeks"])
    except ValueError:
        messages.error(request, "holdout_weeks: must be a whole number of weeks")
        return
    if as_of is None:
        messages.error(request, "as_of: must be a date (YYYY-MM-DD)")
        return
    context.update(as_of=as_of, holdout_weeks=weeks)
    try:
        holdout = clv_holdout_report(
            default_store(), request.workspace.pk, as_of, holdout_weeks=weeks
        )
    except CLVError as error:
        messages.error(request, str(error))
        return
    rows = holdout.table.to_dicts()
    groups = [r for r in rows if r["x"] >= 0]
    context["holdout"] = {"report": holdout, "groups": groups, "overall": rows[-1]}
    context["holdout_chart"] = {
        "type": "line",
        "data": {
            "labels": [str(r["x"]) for r in groups],
            "datasets": [
                {
                    "label": "Actual purchases in the holdout",
                    "borderColor": PALETTE[0],
                    "data": [r["actual"] for r in groups],
                },
                {
                    "label": "Predicted by BG/NBD",
                    "borderColor": PALETTE[1],
                    "borderDash": [6, 4],
                    "data": [r["predicted"] for r in groups],
                },
            ],
        },
    }


@page("reports.view")
def clv(request):
    context = {"as_of": date.today(), "report": None, "chart": None, "holdout_weeks": 13}
    if request.method == "GET" and "holdout_weeks" in request.GET:
        _holdout(request, context)
    if request.method == "POST":
        as_of = _day(request.POST.get("as_of"), date.today())
        if as_of is None:
            messages.error(request, "as_of: must be a date (YYYY-MM-DD)")
            return render(request, "metrics/clv.html", context)
        context["as_of"] = as_of
        try:
            report = clv_report(default_store(), request.workspace.pk, as_of)
        except CLVError as error:
            messages.error(request, str(error))
            return render(request, "metrics/clv.html", context)
        if allows(request.role, "clv.write"):
            updated = write_back_clv(request.workspace, report, actor=request.user)
            messages.info(request, f"Predictions written to {updated} contacts.")
        context["report"] = report
        context["cohorts"] = report.cohorts.to_dicts()
        context["top"] = report.customers.sort("clv", descending=True).head(20).to_dicts()
        context["chart"] = {
            "type": "bar",
            "data": {
                "labels": report.cohorts["cohort"].to_list(),
                "datasets": [
                    {
                        "label": "Mean predicted 12-month CLV",
                        "backgroundColor": PALETTE[0],
                        "data": report.cohorts["mean_clv"].to_list(),
                    }
                ],
            },
        }
    return render(request, "metrics/clv.html", context)
