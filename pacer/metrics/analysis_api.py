"""Measurement over the REST API: attribution, CLV and experiment analysis."""

from datetime import date

from ninja import Router, Schema
from ninja.errors import HttpError

from pacer.analytics.clv import CLVError
from pacer.analytics.experiments import ArmStats, ExperimentError, analyze, sample_size
from pacer.analytics.journeys import JourneyError
from pacer.core.permissions import endpoint
from pacer.metrics.analysis import (
    attribution_report,
    clv_holdout_report,
    clv_report,
    write_back_clv,
)
from pacer.warehouse.sync import default_store

router = Router(tags=["analytics"])


@router.get("/attribution")
@endpoint("reports.view")
def attribution(request, start: date, end: date, by: str = "channel"):
    """Credits, revenue, spend and ROMI per channel (or ``by=campaign``) for every model."""
    try:
        table = attribution_report(default_store(), request.workspace.pk, start, end, by=by)
    except JourneyError as error:
        raise HttpError(422, str(error)) from None
    return table.fill_nan(None).to_dicts()


@router.post("/clv")
@endpoint("clv.write")
def clv(request, as_of: date, months: int = 12):
    """Fit BG/NBD + Gamma-Gamma, write predictions to contacts, return the cohort table."""
    if not 1 <= months <= 60:
        raise HttpError(422, "months: must be between 1 and 60")
    try:
        report = clv_report(default_store(), request.workspace.pk, as_of, months=months)
    except CLVError as error:
        raise HttpError(422, str(error)) from None
    updated = write_back_clv(request.workspace, report, actor=request.user)
    p, s = report.purchases, report.spend
    return {
        "bgnbd": {"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b},
        "gamma_gamma": {"p": s.p, "q": s.q, "gamma": s.gamma},
        "contacts_updated": updated,
        "cohorts": report.cohorts.to_dicts(),
    }


@router.get("/clv/holdout")
@endpoint("reports.view")
def clv_holdout(request, as_of: date, weeks: int = 13):
    """BG/NBD fitted before a holdout against the purchases in it, by calibration count."""
    try:
        report = clv_holdout_report(
            default_store(), request.workspace.pk, as_of, holdout_weeks=weeks
        )
    except CLVError as error:
        raise HttpError(422, str(error)) from None
    p = report.purchases
    return {
        "calibration_end": report.calibration_end,
        "bgnbd": {"r": p.r, "alpha": p.alpha, "a": p.a, "b": p.b},
        "groups": report.table.to_dicts(),
    }


class ArmIn(Schema):
    name: str
    n: int
    sum: float
    sum_sq: float | None = None  # omitted for conversion metrics (0/1 values)


class ExperimentIn(Schema):
    arms: list[ArmIn]
    weights: list[float] | None = None
    alpha: float = 0.05


@router.post("/experiment")
@endpoint("reports.view")
def experiment(request, payload: ExperimentIn):
    """Analyse an experiment from per-arm sufficient statistics; the first arm is control."""
    try:
        arms = {
            arm.name: ArmStats(arm.n, arm.sum, arm.sum if arm.sum_sq is None else arm.sum_sq)
            for arm in payload.arms
        }
        result = analyze(arms, weights=payload.weights, alpha=payload.alpha)
    except ExperimentError as error:
        raise HttpError(422, str(error)) from None
    return {
        "control": result.control,
        "srm_p_value": result.srm_p_value,
        "sample_ratio_mismatch": result.sample_ratio_mismatch,
        "variations": [
            {
                **v.as_dict(),
                "control_mean": v.comparison.control_mean,
                "mean": v.comparison.treatment_mean,
            }
            for v in result.variations
        ],
    }


@router.get("/sample-size")
@endpoint("reports.view")
def design(
    request,
    baseline: float,
    target: float,
    alpha: float = 0.05,
    power: float = 0.8,
    method: str = "pooled",
):
    """Observations per arm to detect ``baseline -> target``."""
    try:
        n = sample_size(baseline, target, alpha=alpha, power=power, method=method)
    except ExperimentError as error:
        raise HttpError(422, str(error)) from None
    return {"per_arm": n, "method": method}
