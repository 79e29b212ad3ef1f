"""Pages for experiments: list and create, results per experiment, and the calculator for
sample sizes and for analysing numbers from elsewhere."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pacer.analytics.experiments import ArmStats, ExperimentError, analyze, parse_arm, sample_size
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.experiments import actions, selectors
from pacer.experiments.models import ExperimentMetric, ExperimentStatus
from pacer.web.charts import Series, chart
from pacer.web.forms import errors_from_message
from pacer.web.tables import Column, Table

EXAMPLE_ARMS = "control, 10000, 1000\nnew checkout, 10000, 1100"
# the analytics library's names for the calculator's fields
DESIGN_FIELDS = {"p1": "baseline", "p2": "target", "alpha, power": "power"}


def _variants(experiment) -> str:
    return ", ".join(f"{v['key']} ({v['weight']:g})" for v in experiment.variants)


def _goal(experiment) -> str:
    metric = experiment.get_metric_display()
    return f"{metric}: {experiment.goal_event}" if experiment.metric == "conversion" else metric


def _list(request, form, errors=None, status: int = 200):
    table = Table(
        request,
        selectors.experiments(request.workspace),
        [
            Column(
                "key",
                "Key",
                sortable=True,
                href=lambda e: reverse("experiment-detail", args=[e.key]),
            ),
            Column("name", "Name", sortable=True),
            Column("variants", "Variants", text=_variants),
            Column("metric", "Metric", sortable=True, text=_goal),
            Column("status", "Status", sortable=True, labels=dict(ExperimentStatus.choices)),
            Column("started_at", "Started", format="datetime", sortable=True),
            Column("created_at", "Created", format="datetime", sortable=True, visible=False),
        ],
        default_sort="-created_at",
        caption="Experiments",
        empty_title="No experiments yet.",
        empty_hint="Create a draft below, or plan one first with the sample-size calculator.",
        html_id="experiments",
    )
    context = {
        "table": table,
        "metrics": ExperimentMetric.choices,
        "form": form,
        "errors": errors or {},
        "can_manage": allows(request.role, "experiments.manage"),
    }
    return render(request, "experiments/experiment_list.html", context, status=status)


@page("experiments.view")
def experiment_list(request):
    if request.method == "POST":
        return _create(request)
    return _list(request, {})


@page("experiments.manage")
def _create(request):
    data = request.POST
    try:
        experiment = actions.create_experiment(
            request.workspace,
            key=data.get("key", ""),
            name=data.get("name", ""),
            variants=actions.parse_variants(data.get("variants", "")),
            metric=data.get("metric", ""),
            goal_event=data.get("goal_event", ""),
            hypothesis=data.get("hypothesis", ""),
            actor=request.user,
        )
    except ValidationFailed as error:
        return _list(request, data, error.errors, status=422)
    messages.success(request, f"Experiment '{experiment.key}' created as a draft.")
    return HttpResponseRedirect(reverse("experiment-detail", args=[experiment.key]))


def _planned_shares(variants: list[dict]) -> dict[str, float]:
    """Each variant's share of units by its weight (weights 1 and 3: 25% and 75%)."""
    total = sum(v["weight"] for v in variants)
    return {v["key"]: v["weight"] / total if total else None for v in variants}


@page("experiments.view")
def experiment_detail(request, key: str):
    experiment = selectors.experiment(request.workspace, key)
    if experiment is None:
        raise Http404("no such experiment")
    report = selectors.report(experiment, now=timezone.now())
    conversion = experiment.metric == ExperimentMetric.CONVERSION
    means = chart(
        "bar",
        list(report.means),
        [
            Series(
                "Conversion rate" if conversion else "Revenue per unit",
                list(report.means.values()),
                vary_colors=True,
            )
        ],
        y="percent" if conversion else "money",
        currency=request.workspace.currency,
    )
    return render(
        request,
        "experiments/experiment_detail.html",
        {
            "experiment": experiment,
            "report": report,
            "chart": means,
            "shares": _planned_shares(experiment.variants),
            "can_manage": allows(request.role, "experiments.manage"),
            # differences of rates in percentage points, of revenue in the currency
            "unit": "pp" if conversion else request.workspace.currency,
        },
    )


@require_POST
@page("experiments.manage")
def experiment_status(request, key: str):
    experiment = selectors.experiment(request.workspace, key)
    if experiment is None:
        raise Http404("no such experiment")
    status = request.POST.get("status", "")
    try:
        actions.set_status(experiment, status, now=timezone.now(), actor=request.user)
    except ValidationFailed as error:
        messages.error(request, str(error))
    else:
        verb = "started" if status == ExperimentStatus.RUNNING else "stopped"
        messages.success(request, f"Experiment '{key}' {verb}.")
    return HttpResponseRedirect(reverse("experiment-detail", args=[key]))


def _parse_arms(text: str) -> dict[str, ArmStats]:
    return dict(
        parse_arm(line, f"arms line {number}")
        for number, line in enumerate(text.strip().splitlines(), start=1)
    )


def _design(params) -> tuple[dict | None, dict]:
    """Per-arm sample sizes by three formulas, or the refused fields."""
    errors, numbers = {}, {}
    for name in ("baseline", "target", "power"):
        try:
            numbers[name] = float(params.get(name) or (0.8 if name == "power" else ""))
        except ValueError:
            errors[name] = "must be a number"
    if errors:
        return None, errors
    try:
        return {
            method: sample_size(
                numbers["baseline"], numbers["target"], power=numbers["power"], method=method
            )
            for method in ("pooled", "evan_miller", "cohens_h")
        }, {}
    except ExperimentError as error:
        found = errors_from_message(str(error), "target")
        return None, {DESIGN_FIELDS.get(k, k): reason for k, reason in found.items()}


def _results(text: str) -> tuple[dict, dict]:
    """The analysis of the posted arms and its chart, or the refused lines."""
    try:
        arms = _parse_arms(text)
        result = analyze(arms)
    except ExperimentError as error:
        return {}, errors_from_message(str(error), "arms")
    means = chart(
        "bar",
        list(arms),
        [Series("Mean per unit", [a.mean for a in arms.values()], vary_colors=True)],
        y="decimal",
    )
    return {"result": result, "chart": means}, {}


@page("reports.view")
def calculator(request):
    context = {
        "design": None,
        "result": None,
        "chart": None,
        "params": {
            "baseline": request.GET.get("baseline", "0.10"),
            "target": request.GET.get("target", "0.12"),
            "power": request.GET.get("power", "0.8"),
        },
        "design_errors": {},
        "arms_text": EXAMPLE_ARMS,
        "arms_errors": {},
    }
    if request.GET.get("baseline"):
        context["design"], context["design_errors"] = _design(request.GET)
    if request.method == "POST":
        context["arms_text"] = request.POST.get("arms", "")
        found, context["arms_errors"] = _results(context["arms_text"])
        context.update(found)
    return render(request, "experiments/calculator.html", context)
