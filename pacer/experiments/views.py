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
from pacer.core.permissions import page
from pacer.experiments import actions, selectors
from pacer.experiments.models import ExperimentMetric, ExperimentStatus
from pacer.web.components import PALETTE, flash_errors


def _list(request, form, status: int = 200):
    context = {
        "experiments": selectors.experiments(request.workspace),
        "metrics": ExperimentMetric.choices,
        "form": form,
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
        flash_errors(request, error)
        return _list(request, data, status=422)
    messages.success(request, f"Experiment '{experiment.key}' created as a draft.")
    return HttpResponseRedirect(reverse("experiment-detail", args=[experiment.key]))


@page("experiments.view")
def experiment_detail(request, key: str):
    experiment = selectors.experiment(request.workspace, key)
    if experiment is None:
        raise Http404("no such experiment")
    report = selectors.report(experiment, now=timezone.now())
    chart = {
        "type": "bar",
        "data": {
            "labels": list(report.means),
            "datasets": [
                {
                    "label": "Conversion rate"
                    if experiment.metric == ExperimentMetric.CONVERSION
                    else "Revenue per unit",
                    "backgroundColor": PALETTE[: len(report.means)],
                    "data": list(report.means.values()),
                }
            ],
        },
    }
    return render(
        request,
        "experiments/experiment_detail.html",
        {"experiment": experiment, "report": report, "chart": chart},
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


@page("reports.view")
def calculator(request):
    context = {"design": None, "result": None, "chart": None, "params": request.GET}
    if request.GET.get("baseline"):
        try:
            baseline, target = float(request.GET["baseline"]), float(request.GET["target"])
            power = float(request.GET.get("power") or 0.8)
            context["design"] = {
                method: sample_size(baseline, target, power=power, method=method)
                for method in ("pooled", "evan_miller", "cohens_h")
            }
        except (ValueError, KeyError):
            messages.error(request, "baseline, target, power: must be numbers")
        except ExperimentError as error:
            messages.error(request, str(error))
    if request.method == "POST":
        context["arms_text"] = request.POST.get("arms", "")
        try:
            arms = _parse_arms(context["arms_text"])
            result = analyze(arms)
        except ExperimentError as error:
            messages.error(request, str(error))
        else:
            context["result"] = result
            context["chart"] = {
                "type": "bar",
                "data": {
                    "labels": list(arms),
                    "datasets": [
                        {
                            "label": "Mean per unit",
                            "backgroundColor": PALETTE[0],
                            "data": [a.mean for a in arms.values()],
                        }
                    ],
                },
            }
    return render(request, "experiments/calculator.html", context)
