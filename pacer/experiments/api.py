"""Experiments over the REST API: manage them, assign units (logging exposure), results."""

from datetime import datetime

from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from pacer.core.permissions import endpoint
from pacer.experiments import actions, selectors
from pacer.experiments.models import Experiment, ExperimentStatus

router = Router(tags=["experiments"])


class VariantIn(Schema):
    key: str
    weight: float = 1.0


class ExperimentIn(Schema):
    key: str
    name: str
    variants: list[VariantIn]
    metric: str = "conversion"
    goal_event: str = "Order Completed"
    hypothesis: str = ""


class ExperimentOut(Schema):
    key: str
    name: str
    hypothesis: str
    variants: list[dict]
    metric: str
    goal_event: str
    status: str
    started_at: datetime | None
    stopped_at: datetime | None


class AssignIn(Schema):
    unit_id: str


def _get(request, key: str) -> Experiment:
    found = selectors.experiment(request.workspace, key)
    if found is None:
        raise HttpError(404, f"key: no experiment '{key}' in this workspace")
    return found


@router.get("", response=list[ExperimentOut])
@endpoint("experiments.view")
def list_experiments(request):
    return selectors.experiments(request.workspace)


@router.post("", response={201: ExperimentOut})
@endpoint("experiments.manage")
def create(request, payload: ExperimentIn):
    experiment = actions.create_experiment(
        request.workspace,
        key=payload.key,
        name=payload.name,
        variants=[v.dict() for v in payload.variants],
        metric=payload.metric,
        goal_event=payload.goal_event,
        hypothesis=payload.hypothesis,
        actor=request.user,
    )
    return Status(201, experiment)


def _move(request, key: str, status: str) -> Experiment:
    return actions.set_status(_get(request, key), status, now=timezone.now(), actor=request.user)


@router.post("/{key}/start", response=ExperimentOut)
@endpoint("experiments.manage")
def start(request, key: str):
    return _move(request, key, ExperimentStatus.RUNNING)


@router.post("/{key}/stop", response=ExperimentOut)
@endpoint("experiments.manage")
def stop(request, key: str):
    return _move(request, key, ExperimentStatus.STOPPED)


@router.post("/{key}/assign")
@endpoint("experiments.assign")
def assign(request, key: str, payload: AssignIn):
    """The unit's variant (always the same one); its first call logs the exposure."""
    variant, new = actions.assign_unit(_get(request, key), payload.unit_id, now=timezone.now())
    return {"variant": variant, "first_exposure": new}


@router.get("/{key}/results")
@endpoint("experiments.view")
def results(request, key: str):
    """Exposures and the analysis of every variation against the control."""
    report = selectors.report(_get(request, key), now=timezone.now())
    body = {
        "counts": report.counts,
        "means": report.means,
        "srm_p_value": report.srm_p_value,
        "sample_ratio_mismatch": report.sample_ratio_mismatch,
        "problem": report.problem,
    }
    if report.result is not None:
        body["variations"] = [v.as_dict() for v in report.result.variations]
        body["cuped"] = [
            {"name": e.variation, "absolute": e.absolute, "absolute_ci": e.ci} for e in report.cuped
        ]
    return body
