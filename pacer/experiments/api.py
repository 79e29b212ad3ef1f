"""Experiments over the REST API: manage them, assign units (logging exposure), results."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    NOT_FOUND,
    Interval,
    Number,
    VariationOut,
    finite,
    text,
)
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.experiments import actions, selectors
from pacer.experiments.models import Experiment, ExperimentMetric, ExperimentStatus

router = Router(tags=["experiments"])

Key = text(100, min_length=1, pattern=actions.KEY.pattern, examples=["homepage-offer"])
MAX_VARIANTS = 20


class VariantIn(Schema):
    key: text(60, min_length=1, pattern=actions.VARIANT_KEY.pattern)
    weight: finite(gt=0, le=1e6) = 1.0


class ExperimentIn(Schema):
    key: Key
    name: text(200, min_length=1)
    variants: list[VariantIn] = Field(
        min_length=2, max_length=MAX_VARIANTS, description="control first"
    )
    metric: ExperimentMetric = ExperimentMetric.CONVERSION
    goal_event: text(200) = "Order Completed"
    hypothesis: text(10_000) = ""


class VariantOut(Schema):
    key: str
    weight: float


class ExperimentOut(Schema):
    key: str
    name: str
    hypothesis: str
    variants: list[VariantOut]
    metric: ExperimentMetric
    goal_event: str
    status: ExperimentStatus
    started_at: datetime | None
    stopped_at: datetime | None


class AssignIn(Schema):
    unit_id: text(200, min_length=1) = Field(
        description="a user id or anonymous id", examples=["user-42"]
    )


class AssignOut(Schema):
    variant: str
    first_exposure: bool


class CupedOut(Schema):
    name: str
    absolute: Number
    absolute_ci: Interval


class ResultsOut(Schema):
    counts: dict[str, int] = Field(description="exposed units per variant")
    means: dict[str, Number]
    srm_p_value: Number = Field(description="null before anyone is exposed")
    sample_ratio_mismatch: bool
    problem: str = Field(description="why there is no analysis yet ('' when there is)")
    variations: list[VariationOut] = Field(description="empty while there is a problem")
    cuped: list[CupedOut]


def _get(request, key: str) -> Experiment:
    found = selectors.experiment(request.workspace, key)
    if found is None:
        raise NotFound("key", f"no experiment '{key}' in this workspace")
    return found


@router.get("", response={200: list[ExperimentOut], **ERRORS})
@endpoint("experiments.view")
def list_experiments(request):
    return selectors.experiments(request.workspace)


@router.post("", response={201: ExperimentOut, **ERRORS, **BODY_ERRORS})
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


@router.post("/{key}/start", response={200: ExperimentOut, **ERRORS, **NOT_FOUND})
@endpoint("experiments.manage")
def start(request, key: Key):
    return _move(request, key, ExperimentStatus.RUNNING)


@router.post("/{key}/stop", response={200: ExperimentOut, **ERRORS, **NOT_FOUND})
@endpoint("experiments.manage")
def stop(request, key: Key):
    return _move(request, key, ExperimentStatus.STOPPED)


@router.post("/{key}/assign", response={200: AssignOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("experiments.assign")
def assign(request, key: Key, payload: AssignIn):
    """The unit's variant (always the same one); its first call logs the exposure."""
    variant, new = actions.assign_unit(_get(request, key), payload.unit_id, now=timezone.now())
    return {"variant": variant, "first_exposure": new}


@router.get("/{key}/results", response={200: ResultsOut, **ERRORS, **NOT_FOUND})
@endpoint("experiments.view")
def results(request, key: Key):
    """Exposures and the analysis of every variation against the control."""
    report = selectors.report(_get(request, key), now=timezone.now())
    variations = report.result.variations if report.result is not None else []
    return {
        "counts": report.counts,
        "means": report.means,
        "srm_p_value": report.srm_p_value,
        "sample_ratio_mismatch": report.sample_ratio_mismatch,
        "problem": report.problem,
        "variations": [v.as_dict() for v in variations],
        "cuped": [
            {"name": e.variation, "absolute": e.absolute, "absolute_ci": e.ci} for e in report.cuped
        ],
    }
