"""Reads for experiments: exposures from both sources, per-unit outcomes, and results."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from pacer.analytics.experiments import (
    ArmStats,
    ExperimentError,
    ExperimentResult,
    analyze,
    cuped,
    sample_ratio_mismatch,
)
from pacer.core.models import Workspace
from pacer.experiments.models import Experiment, ExperimentMetric, Exposure
from pacer.ingest.selectors import experiment_views, goal_event_times
from pacer.people.selectors import contacts_for_units, order_totals

PRE_PERIOD = timedelta(days=30)  # the CUPED covariate: the same metric before exposure
Z95 = 1.959963984540054
SRM_ALPHA = 0.001  # as ExperimentResult.sample_ratio_mismatch


def experiments(workspace: Workspace) -> list[Experiment]:
    return list(Experiment.objects.filter(workspace=workspace).order_by("-created_at", "-id"))


def experiment(workspace: Workspace, key: str) -> Experiment | None:
    return Experiment.objects.filter(workspace=workspace, key=key).first()


@dataclass(frozen=True)
class Unit:
    unit_id: str
    variant: str
    exposed_at: datetime
    contact_id: int | None


def exposed_units(experiment: Experiment) -> list[Unit]:
    """Every exposed unit once, at its first exposure: Pacer's own assignments plus
    "Experiment Viewed" events. Units resolving to the same contact count once; views
    naming an unknown variant are ignored."""
    known = set(experiment.variant_keys)
    candidates = [
        (exposed_at, unit_id, variant, None)
        for unit_id, variant, exposed_at in Exposure.objects.filter(
            experiment=experiment
        ).values_list("unit_id", "variant", "exposed_at")
    ]
    candidates += [
        (ts, unit_id, variant, contact_id)
        for contact_id, unit_id, variant, ts in experiment_views(
            experiment.workspace_id, experiment.key
        )
        if variant in known
    ]
    unresolved = sorted({unit for _, unit, _, contact in candidates if contact is None})
    contact_of = contacts_for_units(experiment.workspace, unresolved)
    units: dict[object, Unit] = {}
    for exposed_at, unit_id, variant, contact_id in sorted(candidates, key=lambda c: c[0]):
        contact_id = contact_id or contact_of.get(unit_id)
        person = ("contact", contact_id) if contact_id else ("unit", unit_id)
        if person not in units:
            units[person] = Unit(unit_id, variant, exposed_at, contact_id)
    return list(units.values())


def unit_metrics(experiment: Experiment, units: list[Unit], end: datetime) -> np.ndarray:
    """``(y, x)`` per unit: the metric from exposure to ``end`` and over the 30 days
    before exposure (CUPED's covariate). Conversion is 0/1; revenue is the order total."""
    y = np.zeros(len(units))
    x = np.zeros(len(units))
    if not units:
        return np.stack([y, x], axis=1)
    positions: dict[int, list[int]] = {}
    for position, unit in enumerate(units):
        if unit.contact_id:
            positions.setdefault(unit.contact_id, []).append(position)
    since = min(u.exposed_at for u in units) - PRE_PERIOD
    if experiment.metric == ExperimentMetric.REVENUE:
        happenings = [
            (c, ts, float(total))
            for c, ts, total in order_totals(experiment.workspace, list(positions), since)
        ]
    else:
        happenings = [
            (c, ts, 1.0)
            for c, ts in goal_event_times(
                experiment.workspace_id, experiment.goal_event, list(positions), since
            )
        ]
    conversion = experiment.metric == ExperimentMetric.CONVERSION
    for contact_id, ts, value in happenings:
        for position in positions.get(contact_id, ()):
            exposed_at = units[position].exposed_at
            if exposed_at <= ts < end:
                target = y
            elif exposed_at - PRE_PERIOD <= ts < exposed_at:
                target = x
            else:
                continue
            target[position] = 1.0 if conversion else target[position] + value
    return np.stack([y, x], axis=1)


@dataclass(frozen=True)
class CupedEffect:
    variation: str
    absolute: float
    ci: tuple[float, float]


@dataclass(frozen=True)
class ExperimentReport:
    counts: dict[str, int]
    means: dict[str, float]
    srm_p_value: float | None  # None before anyone is exposed
    result: ExperimentResult | None
    cuped: list[CupedEffect]
    problem: str  # why there is no result yet ("" when there is one)

    @property
    def sample_ratio_mismatch(self) -> bool:
        """True when the exposure counts are implausible under the planned split."""
        return self.srm_p_value is not None and self.srm_p_value < SRM_ALPHA


def report(experiment: Experiment, *, now: datetime) -> ExperimentReport:
    """Exposure counts, means and the full analysis (Welch + Holm, Bayesian, always-valid
    interval, SRM, CUPED) of every variation against the control."""
    units = exposed_units(experiment)
    end = experiment.stopped_at or now
    values = unit_metrics(experiment, units, end)
    keys = experiment.variant_keys
    columns = {k: values[[i for i, u in enumerate(units) if u.variant == k]] for k in keys}
    counts = {k: len(columns[k]) for k in keys}
    means = {k: float(columns[k][:, 0].mean()) if counts[k] else 0.0 for k in keys}
    srm = sample_ratio_mismatch(list(counts.values()), experiment.weights) if units else None
    if min(counts.values()) < 2:
        problem = "every variant needs 2 exposed units"
        return ExperimentReport(counts, means, srm, None, [], problem)
    arms = {k: ArmStats.from_values(columns[k][:, 0], x=columns[k][:, 1]) for k in keys}
    try:
        result = analyze(arms, weights=experiment.weights)
    except ExperimentError as error:
        return ExperimentReport(counts, means, srm, None, [], str(error))
    try:
        adjusted = cuped(list(arms.values()))
    except ExperimentError:
        adjusted = []  # no pre-period variation to use
    effects = (
        []
        if not adjusted
        else [
            CupedEffect(
                key,
                mean - adjusted[0][0],
                (
                    mean - adjusted[0][0] - Z95 * (var + adjusted[0][1]) ** 0.5,
                    mean - adjusted[0][0] + Z95 * (var + adjusted[0][1]) ** 0.5,
                ),
            )
            for key, (mean, var) in zip(keys[1:], adjusted[1:], strict=True)
        ]
    )
    return ExperimentReport(counts, means, srm, result, effects, "")
