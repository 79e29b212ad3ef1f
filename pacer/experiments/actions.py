"""Writes for experiments: create, start, stop, and assign a unit (logging its exposure)."""

import re
import secrets
from datetime import datetime

from django.db import IntegrityError, transaction

from pacer.analytics.experiments import assign
from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.experiments.models import (
    Experiment,
    ExperimentMetric,
    ExperimentStatus,
    Exposure,
)

KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
VARIANT_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,59}$")
NAME_LENGTH = Experiment._meta.get_field("name").max_length


def parse_variants(text: str) -> list[dict]:
    """``"control:50, new-checkout:50"`` as ``[{"key": ..., "weight": ...}]``; a missing
    weight means an equal share. Raises ``ValidationFailed`` naming ``variants``."""
    variants = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        key, _, weight = part.partition(":")
        try:
            variants.append({"key": key.strip(), "weight": float(weight) if weight else 1.0})
        except ValueError:
            raise ValidationFailed(
                {"variants": f"'{weight.strip()}' is not a number (write key:weight)"}
            ) from None
    return variants


def _check(workspace: Workspace, key: str, name: str, variants, metric: str, goal: str) -> None:
    errors = {}
    if not KEY.match(key):
        errors["key"] = "use 1-100 lowercase letters, digits, '-' or '_', starting with one"
    elif Experiment.objects.filter(workspace=workspace, key=key).exists():
        errors["key"] = f"'{key}' is already an experiment in this workspace"
    if not name.strip():
        errors["name"] = "must not be empty"
    elif len(name.strip()) > NAME_LENGTH:
        errors["name"] = f"must be at most {NAME_LENGTH} characters"
    if not isinstance(variants, list) or len(variants) < 2:
        errors["variants"] = "need a control and at least one variation"
    else:
        keys = [v.get("key") if isinstance(v, dict) else None for v in variants]
        weights = [v.get("weight") if isinstance(v, dict) else None for v in variants]
        if not all(isinstance(k, str) and VARIANT_KEY.match(k) for k in keys):
            errors["variants"] = "each key: 1-60 letters, digits, space, '.', '_' or '-'"
        elif len(set(keys)) != len(keys):
            errors["variants"] = "keys must be different"
        elif not all(
            isinstance(w, (int, float)) and not isinstance(w, bool) and 0 < w < float("inf")
            for w in weights
        ):
            errors["variants"] = "each weight must be a number above 0"
    if metric not in ExperimentMetric.values:
        errors["metric"] = f"must be one of {', '.join(ExperimentMetric.values)}"
    if metric == ExperimentMetric.CONVERSION and not goal.strip():
        errors["goal_event"] = "name the track event that counts as a conversion"
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def create_experiment(
    workspace: Workspace,
    *,
    key: str,
    name: str,
    variants: list[dict],
    metric: str,
    goal_event: str = "Order Completed",
    hypothesis: str = "",
    actor=None,
) -> Experiment:
    """A draft experiment; nothing is assigned until it is started."""
    key, goal_event = key.strip(), goal_event.strip()
    _check(workspace, key, name, variants, metric, goal_event)
    experiment = Experiment.objects.create(
        workspace=workspace,
        key=key,
        name=name.strip(),
        hypothesis=hypothesis.strip(),
        variants=[{"key": v["key"], "weight": float(v["weight"])} for v in variants],
        salt=secrets.token_hex(8),
        metric=metric,
        goal_event=goal_event[:200],
    )
    audit.record(
        workspace, "experiment.create", experiment, actor=actor, after=audit.snapshot(experiment)
    )
    return experiment


@transaction.atomic
def set_status(experiment: Experiment, status: str, *, now: datetime, actor=None) -> Experiment:
    """Start a draft or stop a running experiment; other moves are refused."""
    allowed = {
        ExperimentStatus.DRAFT: ExperimentStatus.RUNNING,
        ExperimentStatus.RUNNING: ExperimentStatus.STOPPED,
    }
    experiment = Experiment.objects.select_for_update().get(pk=experiment.pk)
    if allowed.get(experiment.status) != status:
        raise ValidationFailed(
            {"status": f"a {experiment.status} experiment cannot become {status}"}
        )
    before = {"status": experiment.status}
    experiment.status = status
    if status == ExperimentStatus.RUNNING:
        experiment.started_at = now
    else:
        experiment.stopped_at = now
    experiment.save(update_fields=["status", "started_at", "stopped_at"])
    audit.record(
        experiment.workspace,
        f"experiment.{'start' if status == ExperimentStatus.RUNNING else 'stop'}",
        experiment,
        actor=actor,
        before=before,
        after={"status": status},
    )
    return experiment


def assign_unit(experiment: Experiment, unit_id: str, *, now: datetime) -> tuple[str, bool]:
    """The unit's variant, logging its exposure the first time; returns ``(variant, new)``.

    The variant is a pure function of the experiment's salt and key and the unit id, so
    asking again (from any process) gives the same answer and logs nothing more.
    """
    unit_id = unit_id.strip()
    if not unit_id or len(unit_id) > 200:
        raise ValidationFailed({"unit_id": "must be 1-200 characters"})
    if experiment.status != ExperimentStatus.RUNNING:
        raise ValidationFailed(
            {"experiment": f"'{experiment.key}' is {experiment.status}, not running"}
        )
    variant = experiment.variant_keys[
        assign(experiment.key, unit_id, experiment.weights, salt=experiment.salt)
    ]
    try:
        with transaction.atomic():
            Exposure.objects.create(
                workspace=experiment.workspace,
                experiment=experiment,
                unit_id=unit_id,
                variant=variant,
                exposed_at=now,
            )
    except IntegrityError:
        return variant, False  # exposed before (or by a concurrent request)
    return variant, True
