"""Pages for experiments run on the platform: list and create, then results per experiment."""

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from pacer.core.errors import ValidationFailed
from pacer.core.models import ANALYSIS_ROLES
from pacer.experiments import actions, selectors
from pacer.experiments.models import ExperimentMetric, ExperimentStatus
from pacer.web.analytics_views import PALETTE
from pacer.web.views import flash_errors, workspace_required


def _list(request, form, status: int = 200):
    context = {
        "experiments": selectors.experiments(request.workspace),
        "metrics": ExperimentMetric.choices,
        "form": form,
    }
    return render(request, "web/experiment_list.html", context, status=status)


@workspace_required()
def experiment_list(request):
    if request.method == "POST":
        return _create(request)
    return _list(request, {})


@workspace_required(*ANALYSIS_ROLES)
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


@workspace_required()
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
        "web/experiment_detail.html",
        {"experiment": experiment, "report": report, "chart": chart},
    )


@require_POST
@workspace_required(*ANALYSIS_ROLES)
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
