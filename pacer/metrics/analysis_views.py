"""Pages for measurement: the attribution report and CLV."""

from datetime import date

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
from pacer.metrics.views import data_end
from pacer.warehouse.sync import default_store
from pacer.web.charts import Series, chart
from pacer.web.filters import Choice, DateRange, FilterBar
from pacer.web.forms import errors_from_message
from pacer.web.tables import Column, Table

BY = [("channel", "Channel"), ("campaign", "Campaign")]


def _attribution_table(request, rows: list[dict], by: str) -> Table:
    return Table(
        request,
        rows,
        [
            Column("channel", dict(BY)[by], sortable=True, labels=CHANNELS),
            Column("model", "Model", sortable=True),
            Column("conversions", "Conversions", format="decimal", sortable=True),
            Column("revenue", "Revenue", format="money", sortable=True),
            Column("spend", "Spend", format="money", sortable=True),
            Column("roas", "ROAS", format="ratio", sortable=True),
            Column("romi", "ROMI", format="percent", sortable=True),
        ],
        default_sort="channel",
        per_page=50,
        caption=f"Credit per {by} and model",
        empty_title="No journeys in this period.",
        empty_hint="Widen the dates: journeys count people first seen in them.",
        html_id="attribution",
    )


@page("reports.view")
def attribution(request):
    bar = FilterBar(
        request,
        [
            DateRange(
                label="People first seen",
                data_end=data_end(request.workspace.pk),
                default="last_365",
                presets=("last_30", "last_90", "last_365", "mtd", "last_month", "qtd", "ytd"),
                required=True,
            ),
            Choice("by", "Credit per", BY),
        ],
        html_id="attribution-filters",
    )
    start, end, by = bar.values["start"], bar.values["end"], bar.values["by"]
    context = {"bar": bar, "by": by, "chart": None, "problem": ""}
    rows = []
    try:
        table = attribution_report(default_store(), request.workspace.pk, start, end, by=by)
    except JourneyError as error:
        context["problem"] = str(error)
    else:
        rows = table.sort(["channel", "model"]).to_dicts()
        models = list(dict.fromkeys(table["model"].to_list()))
        groups = sorted(set(table["channel"].to_list()))
        revenue = {(r["model"], r["channel"]): r["revenue"] for r in rows}
        context["chart"] = chart(
            "bar",
            [CHANNELS.get(c, c) for c in groups],
            [Series(model, [revenue.get((model, c), 0) for c in groups]) for model in models],
            y="money",
            currency=request.workspace.currency,
        )
    context["table"] = _attribution_table(request, rows, by)
    return render(request, "metrics/attribution.html", context)


def _day(value: str | None, default: date) -> date | None:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _holdout(request, context: dict) -> None:
    """The calibration/holdout check, when asked for with ``?holdout_weeks=``."""
    errors = context["holdout_errors"]
    context["holdout_as_of"] = request.GET.get("as_of") or context["as_of"].isoformat()
    context["holdout_weeks"] = request.GET.get("holdout_weeks", "")
    as_of = _day(request.GET.get("as_of"), context["as_of"])
    if as_of is None:
        errors["as_of"] = "must be a date (YYYY-MM-DD)"
    try:
        weeks = int(request.GET["holdout_weeks"])
    except ValueError:
        errors["holdout_weeks"] = "must be a whole number of weeks"
    if errors:
        return
    try:
        holdout = clv_holdout_report(
            default_store(), request.workspace.pk, as_of, holdout_weeks=weeks
        )
    except CLVError as error:
        errors.update(errors_from_message(str(error), "holdout_weeks"))
        return
    rows = holdout.table.to_dicts()
    groups = [r for r in rows if r["x"] >= 0]
    context["holdout"] = {"report": holdout, "groups": groups, "overall": rows[-1]}
    context["holdout_chart"] = chart(
        "line",
        [str(r["x"]) for r in groups],
        [
            Series("Actual purchases in the holdout", [r["actual"] for r in groups]),
            Series("Predicted by BG/NBD", [r["predicted"] for r in groups], dashed=True),
        ],
        y="decimal",
    )


def _fit(request, context: dict) -> None:
    """Fit on purchases up to the posted ``as_of``, and write the predictions back to
    contacts when the role may."""
    context["fit_as_of"] = request.POST.get("as_of", "")
    as_of = _day(request.POST.get("as_of"), context["as_of"])
    if as_of is None:
        context["fit_errors"]["as_of"] = "must be a date (YYYY-MM-DD)"
        return
    try:
        report = clv_report(default_store(), request.workspace.pk, as_of)
    except CLVError as error:
        context["fit_errors"].update(errors_from_message(str(error), "as_of"))
        return
    if allows(request.role, "clv.write"):
        updated = write_back_clv(request.workspace, report, actor=request.user)
        messages.success(request, f"Predictions written to {updated} contacts.")
    context["report"] = report
    context["cohorts"] = report.cohorts.to_dicts()
    context["top"] = report.customers.sort("clv", descending=True).head(20).to_dicts()
    context["chart"] = chart(
        "bar",
        report.cohorts["cohort"].to_list(),
        [Series("Mean predicted 12-month CLV", report.cohorts["mean_clv"].to_list())],
        y="money",
        currency=request.workspace.currency,
    )


@page("reports.view")
def clv(request):
    as_of = data_end(request.workspace.pk) or date.today()
    context = {
        "as_of": as_of,
        "report": None,
        "chart": None,
        "fit_as_of": as_of.isoformat(),
        "fit_errors": {},
        "holdout_as_of": as_of.isoformat(),
        "holdout_weeks": "13",
        "holdout_errors": {},
        "can_write": allows(request.role, "clv.write"),
    }
    if request.method == "GET" and "holdout_weeks" in request.GET:
        _holdout(request, context)
    if request.method == "POST":
        _fit(request, context)
    return render(request, "metrics/clv.html", context)
