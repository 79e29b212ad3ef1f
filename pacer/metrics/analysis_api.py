"""Measurement over the REST API: attribution, CLV and experiment analysis.

The analyses refuse input they cannot use with their module's error (``JourneyError``,
``CLVError``, ``ExperimentError``), answered 422 by ``pacer.api``.
"""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema
from pydantic import field_validator, model_validator

from pacer.analytics.experiments import ArmStats, analyze, sample_size
from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    Day,
    Number,
    VariationOut,
    check_order,
    finite,
    text,
)
from pacer.core.permissions import endpoint
from pacer.metrics.analysis import (
    attribution_report,
    clv_holdout_report,
    clv_report,
    write_back_clv,
)
from pacer.warehouse.sync import default_store

router = Router(tags=["analytics"])

Probability = finite(gt=0, lt=1)
MAX_UNITS = 10**12  # observations per arm
MAX_SUM = 1e15  # |sum of the metric| per arm
MAX_ARMS = 20


class AttributionQuery(Schema):
    start: Day = Field(examples=["2025-01-01"], description="first seen from this day")
    end: Day = Field(examples=["2025-06-30"], description="... to this day (inclusive)")
    by: Literal["channel", "campaign"] = "channel"

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end, info):
        return check_order(info.data.get("start"), end)


class AttributionRow(Schema):
    channel: str = Field(description="the channel, or the campaign with by=campaign")
    model: str
    conversions: float
    revenue: float
    spend: float
    roas: Number = Field(description="revenue / spend; null without spend")
    romi: Number = Field(description="roas - 1; null without spend")


@router.get("/attribution", response={200: list[AttributionRow], **ERRORS})
@endpoint("reports.view")
def attribution(request, query: Query[AttributionQuery]):
    """Credits, revenue, spend and ROMI per channel (or ``by=campaign``) for every model."""
    table = attribution_report(
        default_store(), request.workspace.pk, query.start, query.end, by=query.by
    )
    return table.to_dicts()


class PurchaseModel(Schema):
    """BG/NBD parameters."""

    r: float
    alpha: float
    a: float
    b: float


class SpendModel(Schema):
    """Gamma-Gamma parameters."""

    p: float
    q: float
    gamma: float


class Cohort(Schema):
    cohort: str = Field(description="first-purchase month, YYYY-MM")
    customers: int
    mean_clv: Number
    total_clv: Number
    mean_p_alive: Number


class ClvOut(Schema):
    bgnbd: PurchaseModel
    gamma_gamma: SpendModel
    contacts_updated: int
    cohorts: list[Cohort]


class ClvQuery(Schema):
    as_of: Day = Field(examples=["2025-12-31"], description="purchases up to this day")
    months: int = Field(12, ge=1, le=60)


def _bgnbd(model) -> dict:
    return {"r": model.r, "alpha": model.alpha, "a": model.a, "b": model.b}


@router.post("/clv", response={200: ClvOut, **ERRORS})
@endpoint("clv.write")
def clv(request, query: Query[ClvQuery]):
    """Fit BG/NBD + Gamma-Gamma, write predictions to contacts, return the cohort table."""
    report = clv_report(default_store(), request.workspace.pk, query.as_of, months=query.months)
    updated = write_back_clv(request.workspace, report, actor=request.user)
    s = report.spend
    return {
        "bgnbd": _bgnbd(report.purchases),
        "gamma_gamma": {"p": s.p, "q": s.q, "gamma": s.gamma},
        "contacts_updated": updated,
        "cohorts": report.cohorts.to_dicts(),
    }


class HoldoutQuery(Schema):
    as_of: Day = Field(examples=["2025-12-31"], description="the holdout's last day")
    weeks: int = Field(13, ge=1, le=104, description="the holdout's length")


class HoldoutGroup(Schema):
    x: int = Field(description="purchases in calibration (capped); -1 for all customers")
    customers: int
    actual: Number
    predicted: Number


class HoldoutOut(Schema):
    calibration_end: date
    bgnbd: PurchaseModel
    groups: list[HoldoutGroup]


@router.get("/clv/holdout", response={200: HoldoutOut, **ERRORS})
@endpoint("reports.view")
def clv_holdout(request, query: Query[HoldoutQuery]):
    """BG/NBD fitted before a holdout against the purchases in it, by calibration count."""
    report = clv_holdout_report(
        default_store(), request.workspace.pk, query.as_of, holdout_weeks=query.weeks
    )
    return {
        "calibration_end": report.calibration_end,
        "bgnbd": _bgnbd(report.purchases),
        "groups": report.table.to_dicts(),
    }


class ArmStatsIn(Schema):
    name: text(60, min_length=1)
    n: int = Field(ge=2, le=MAX_UNITS)
    sum: finite(ge=-MAX_SUM, le=MAX_SUM)
    sum_sq: finite(ge=0, le=MAX_SUM**2) | None = Field(
        None, description="omitted for conversion metrics (0/1 values: sum <= n)"
    )

    @model_validator(mode="after")
    def _consistent(self):
        if self.sum_sq is None and not 0 <= self.sum <= self.n:
            raise ValueError("sum: a conversion count must be between 0 and n")
        if self.sum_sq is not None and self.sum_sq < self.sum**2 / self.n * (1 - 1e-9):
            raise ValueError("sum_sq: must be at least sum² / n")
        return self


class ExperimentStatsIn(Schema):
    arms: list[ArmStatsIn] = Field(
        min_length=2,
        max_length=MAX_ARMS,
        description="control first",
        examples=[
            [
                {"name": "control", "n": 10000, "sum": 1000},
                {"name": "offer", "n": 10000, "sum": 1100},
            ]
        ],
    )
    weights: list[finite(gt=0, le=1e6)] | None = Field(
        None, description="the planned split, one weight per arm (equal when omitted)"
    )
    alpha: Probability = 0.05

    @model_validator(mode="after")
    def _one_weight_per_arm(self):
        if self.weights is not None and len(self.weights) != len(self.arms):
            raise ValueError("weights: need one weight per arm")
        if len({arm.name for arm in self.arms}) != len(self.arms):
            raise ValueError("arms: names must be different")
        return self


class AnalysedVariation(VariationOut):
    control_mean: Number
    mean: Number


class ExperimentAnalysisOut(Schema):
    control: str
    srm_p_value: Number
    sample_ratio_mismatch: bool
    variations: list[AnalysedVariation]


@router.post("/experiment", response={200: ExperimentAnalysisOut, **ERRORS, **BODY_ERRORS})
@endpoint("reports.view")
def experiment(request, payload: ExperimentStatsIn):
    """Analyse an experiment from per-arm sufficient statistics; the first arm is control."""
    arms = {
        arm.name: ArmStats(arm.n, arm.sum, arm.sum if arm.sum_sq is None else arm.sum_sq)
        for arm in payload.arms
    }
    result = analyze(arms, weights=payload.weights, alpha=payload.alpha)
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


class SampleSizeQuery(Schema):
    baseline: Probability = Field(description="the control's conversion rate", examples=[0.1])
    target: Probability = Field(description="the rate to detect", examples=[0.12])
    alpha: Probability = 0.05
    power: Probability = 0.8
    method: Literal["pooled", "evan_miller", "cohens_h"] = "pooled"

    @field_validator("target")
    @classmethod
    def _differs(cls, target, info):
        if target == info.data.get("baseline"):
            raise ValueError("must differ from baseline (zero effect needs infinite samples)")
        return target


class SampleSizeOut(Schema):
    per_arm: Number = Field(description="null if the analysis cannot give a finite number")
    method: str


@router.get("/sample-size", response={200: SampleSizeOut, **ERRORS})
@endpoint("reports.view")
def design(request, query: Query[SampleSizeQuery]):
    """Observations per arm to detect ``baseline -> target``."""
    n = sample_size(
        query.baseline, query.target, alpha=query.alpha, power=query.power, method=query.method
    )
    return {"per_arm": n, "method": query.method}
