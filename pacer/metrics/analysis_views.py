"""Pages for measurement: the attribution report and CLV."""

from datetime import date

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from pacer.analytics.clv import CLVError
from pacer.analytics.journeys import JourneyError
from pacer.core.permissions import allows, page
from pacer.metrics.analysis import (
    attribution_pivot,
    attribution_report,
    booked_spend,
    clv_holdout_report,
    clv_report,
    write_back_clv,
)
from pacer.metrics.labels import (
    MODEL_LABELS,
    NOT_APPLICABLE,
    NOT_APPLICABLE_HINT,
    UNTRACKABLE,
    channel_label,
    showing,
)
from pacer.metrics.views import data_bounds
from pacer.people import selectors as people
from pacer.warehouse.sync import default_store
from pacer.web.charts import Series, chart
from pacer.web.filters import Choice, DateRange, FilterBar
from pacer.web.formats import format_value
from pacer.web.forms import errors_from_message
from pacer.web.tables import Column, Table

BY = [("channel", "Channel"), ("campaign", "Campaign")]
MEASURE_CHOICES = [
    ("revenue", "Revenue credited"),
    ("conversions", "Conversions credited"),
    ("roas", "ROAS (revenue ÷ spend)"),
    ("romi", "ROMI ((revenue − spend) ÷ spend)"),
]
MEASURE_FORMATS = {"revenue": "money", "conversions": "decimal", "roas": "ratio", "romi": "percent"}
CHART_MODELS = ("first_touch", "last_touch", "markov")  # rule-based ends and data-driven
CHART_TOP = 12  # groups drawn one by one; the rest as one "others" bar
# shown until the reader chooses columns; the other models are in the column chooser
SHOWN_MODELS = (
    "first_touch",
    "last_touch",
    "linear",
    "time_decay",
    "position_based",
    "markov",
    "shapley",
)


def _model_column(model: str, measure: str, currency: str) -> Column:
    kind, key = MEASURE_FORMATS[measure], f"m_{model}"

    def text(row):
        if not row["trackable"]:
            return NOT_APPLICABLE
        return format_value(row.get(key), kind, currency=currency)

    return Column(
        key,
        MODEL_LABELS.get(model, model),
        format=kind,
        sortable=True,
        text=text,
        hint=lambda row: None if row["trackable"] else NOT_APPLICABLE_HINT,
        visible=model in SHOWN_MODELS,
    )


def _attribution_table(request, rows: list[dict], models: list[str], by: str, measure: str):
    currency = request.workspace.currency
    return Table(
        request,
        rows,
        [
            Column("label", dict(BY)[by], sortable=True),
            Column("spend", "Spend", format="money", sortable=True),
            *(_model_column(model, measure, currency) for model in models),
        ],
        default_sort="-spend",
        per_page=100,
        csv_url=reverse("attribution-export"),
        caption=f"{dict(MEASURE_CHOICES)[measure]} per {by}, one column per model",
        empty_title="No journeys in this period.",
        empty_hint="Widen the dates: journeys count people first seen in them.",
        html_id="attribution",
    )


def _chart_rows(rows: list[dict], models: list[str], measure: str) -> tuple[list, list]:
    """The groups the chart draws, largest first by the linear model's revenue: the top
    ``CHART_TOP`` and the rest summed into one "others" bar."""
    tracked = [r for r in rows if r["trackable"]]
    if measure in ("roas", "romi"):  # a return on no spend is not a number to draw
        tracked = [r for r in tracked if r["spend"] > 0]
    tracked.sort(key=lambda r: (-(r.get("revenue_linear") or 0.0), r["label"]))
    shown, rest = tracked[:CHART_TOP], tracked[CHART_TOP:]
    labels = [r["label"] for r in shown]
    values = {model: [r.get(f"m_{model}") for r in shown] for model in models}
    if rest:
        labels.append(f"Others ({len(rest)})")
        spend = sum(r["spend"] for r in rest)
        for model in models:
            revenue = sum(r.get(f"revenue_{model}") or 0.0 for r in rest)
            if measure in ("revenue", "conversions"):
                value = sum(r.get(f"m_{model}") or 0.0 for r in rest)
            elif measure == "roas":
                value = revenue / spend if spend else None
            else:
                value = (revenue - spend) / spend if spend else None
            values[model].append(value)
    return labels, values


def _date_filter(bounds) -> DateRange:
    return DateRange(
        label="People first seen",
        data_end=bounds[1] if bounds else None,
        default="all",
        presets=("all", "last_30", "last_90", "last_365", "mtd", "last_month", "qtd", "ytd"),
    )


def _attribution(request) -> dict:
    """The report's filters, chart and table (one row per channel or campaign, one column
    per model)."""
    bounds = data_bounds(request.workspace.pk)
    bar = FilterBar(
        request,
        [
            _date_filter(bounds),
            Choice("by", "Credit per", BY),
            Choice("measure", "Measure", MEASURE_CHOICES),
        ],
        html_id="attribution-filters",
    )
    by, measure = bar.values["by"], bar.values["measure"]
    start, end = bar.values["start"], bar.values["end"]
    if bounds:
        start, end = start or bounds[0], end or bounds[1]
    context = {
        "bar": bar,
        "by": by,
        "chart": None,
        "problem": "",
        "showing": showing(start, end, bounds),
        "measure_label": dict(MEASURE_CHOICES)[measure],
    }
    rows, models = [], []
    if start is None or end is None:
        context["problem"] = "No data yet: send events or load the demo, then sync."
    else:
        try:
            credits = attribution_report(default_store(), request.workspace.pk, start, end, by=by)
        except JourneyError as error:
            context["problem"] = str(error)
        else:
            spend = booked_spend(default_store(), request.workspace.pk, start, end, by=by)
            rows = attribution_pivot(credits, spend, measure, UNTRACKABLE)
            for row in rows:
                row["label"] = channel_label(row["group"]) if by == "channel" else row["group"]
                if by == "campaign" and not row["trackable"]:
                    row["label"] += " (not trackable)"
            models = credits["model"].unique(maintain_order=True).to_list()
            labels, values = _chart_rows(rows, models, measure)
            drawn = [m for m in CHART_MODELS if m in models]
            context["chart"] = chart(
                "bar",
                labels,
                [Series(MODEL_LABELS.get(m, m), values[m]) for m in drawn],
                y=MEASURE_FORMATS[measure],
                currency=request.workspace.currency,
                horizontal=True,
            )
            context["chart_height"] = 90 + 22 * len(drawn) * len(labels)
            context["untracked"] = sorted(
                {channel_label(r["channel"]) for r in rows if not r["trackable"]}
            )
    context["table"] = _attribution_table(request, rows, models, by, measure)
    return context


@page("reports.view")
def attribution(request):
    return render(request, "metrics/attribution.html", _attribution(request))


@page("reports.view")
def attribution_export(request):
    """The report as CSV: every row, in the order and with the columns shown; a model's
    cell is empty where it does not apply (untrackable channels)."""
    return _attribution(request)["table"].csv_response("attribution.csv")


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


# the contacts list showing the predictions, the most valuable first
PREDICTED_QUERY = urlencode(
    [("sort", "-predicted_clv")]
    + [
        ("cols", key)
        for key in ("email", "name", "order_count", "revenue", "predicted_clv", "p_alive")
    ]
    + [("cols", "rfm_segment")]
)


def default_holdout_weeks(bounds: tuple[date, date] | None) -> int:
    """13 weeks, or a third of the data when it spans less than 39 weeks, so that the
    calibration period before the holdout holds data too."""
    if bounds is None:
        return 13
    weeks = (bounds[1] - bounds[0]).days // 7
    return max(1, min(13, weeks // 3))


@page("reports.view")
def clv(request):
    bounds = data_bounds(request.workspace.pk)
    as_of = bounds[1] if bounds else date.today()
    context = {
        "as_of": as_of,
        "showing": showing(None, as_of, bounds),
        "report": None,
        "chart": None,
        "fit_as_of": as_of.isoformat(),
        "fit_errors": {},
        "holdout_as_of": as_of.isoformat(),
        "holdout_weeks": str(default_holdout_weeks(bounds)),
        "holdout_errors": {},
        "can_write": allows(request.role, "clv.write"),
        "predicted": people.predictions_summary(request.workspace),
        "predicted_url": f"{reverse('contacts')}?{PREDICTED_QUERY}",
    }
    if request.method == "GET" and "holdout_weeks" in request.GET:
        _holdout(request, context)
    if request.method == "POST":
        _fit(request, context)
    return render(request, "metrics/clv.html", context)
