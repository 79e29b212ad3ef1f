"""The predictive lead score: each workspace's own calibrated model of the chance that a
lead converts within ``CONVERSION_DAYS``, fitted on its settled leads and written to
every lead it has not yet scored with this version.

A lead *converted* as the speed-to-lead report counts it: it reached a won stage, or its
contact became a customer within the window after the lead arrived. Only what is known
when a lead arrives goes in (``pacer.analytics.lead_model``): source, channel, location,
form, the weekday and hour of arrival in the location's time zone, and whether the
person gave a phone number or a postal code; never how fast the lead was answered.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from django.db import transaction

from pacer.analytics.lead_model import LeadModel, LeadModelError, fit_lead_model
from pacer.core import audit, clock, faults
from pacer.core.bulk import adapt_value, update_values
from pacer.core.channels import CHANNELS
from pacer.core.models import Workspace
from pacer.leads import scoring
from pacer.leads.hours import hours_of
from pacer.leads.models import Lead, LeadForm, LeadModelRun
from pacer.leads.stages import stages

CONVERSION_DAYS = 30
TOP_REASONS = 3
REFIT_AFTER = timedelta(days=1)
DECILES = 10
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
COLUMNS = (
    "id",
    "contact_id",
    "created_at",
    "source",
    "channel",
    "location_id",
    "form",
    "stage",
    "contact__phone",
    "contact__traits",
    "contact__customer_at",
)


def _features(row: dict, zones: dict) -> dict:
    local = row["created_at"].astimezone(zones[row["location_id"]])
    traits = row["contact__traits"] or {}
    return {
        "source": row["source"],
        "channel": row["channel"],
        "location": str(row["location_id"] or ""),
        "form": row["form"],
        "weekday_hour": f"{WEEKDAYS[local.weekday()]}-{local.hour:02d}",
        "has_phone": int(bool(row["contact__phone"])),
        "has_postal_code": int(bool(traits.get("postalCode") or traits.get("postal_code"))),
    }


def _zones(workspace: Workspace, rows: list[dict]) -> dict:
    return {
        location: ZoneInfo(hours_of(workspace, location).zone)
        for location in {row["location_id"] for row in rows}
    }


def settled_leads(
    workspace: Workspace, now: datetime, conversion_days: int = CONVERSION_DAYS
) -> tuple[list[dict], list[int]]:
    """The leads older than ``conversion_days`` (by id) and whether each converted
    within that many days: what the model is fitted and judged on."""
    won = {stage.key for stage in stages(workspace) if stage.kind == "won"}
    settled_before = now - timedelta(days=conversion_days)
    window = timedelta(days=conversion_days)
    rows = list(
        Lead.objects.filter(workspace=workspace, created_at__lt=settled_before)
        .order_by("id")
        .values(*COLUMNS)
    )
    converted = [
        int(
            row["stage"] in won
            or row["contact__customer_at"] is not None
            and row["created_at"] <= row["contact__customer_at"] <= row["created_at"] + window
        )
        for row in rows
    ]
    return rows, converted


def fit_workspace(
    workspace: Workspace, now: datetime, *, conversion_days: int = CONVERSION_DAYS
) -> LeadModelRun:
    """Fit the workspace's model on the leads older than ``conversion_days``, record the
    run and write its predictions to every lead. Refuses (``LeadModelError``) when there
    are too few settled leads or conversions; writes nothing then."""
    rows, converted = settled_leads(workspace, now, conversion_days)
    zones = _zones(workspace, rows)
    model = fit_lead_model([_features(row, zones) for row in rows], converted)
    rule_auc, lift = rule_baseline(workspace, rows, converted, model)
    # predicted before the transaction, which holds SQLite's one write lock (every sign-in
    # waits on it): 8,000 leads' predictions took seconds there
    predicted = predict_leads(workspace, model)
    with transaction.atomic():
        run = LeadModelRun.objects.create(
            workspace=workspace,
            version=model.version,
            fitted_at=now,
            conversion_days=conversion_days,
            trained_on=model.trained_on,
            holdout=model.holdout,
            auc=model.auc,
            brier=model.brier,
            base_rate=model.base_rate,
            reliability=[vars(b) for b in model.reliability],
            rule_auc=rule_auc,
            lift=lift,
            model=model.to_dict(),
        )
        run.scored = score_leads(workspace, model, predicted)
        run.save(update_fields=["scored"])
        audit.record(
            workspace,
            "leads.predictive",
            run,
            after={
                "version": run.version,
                "auc": run.auc,
                "brier": run.brier,
                "rule_auc": run.rule_auc,
            },
        )
        faults.point("leads.predictive.fitted")  # run, predictions, audit written; no COMMIT
    return run


def lift_by_decile(converted: np.ndarray, scores: np.ndarray) -> list[float]:
    """Conversion in each tenth of the leads, best-scored first, over the conversion of
    all of them (1.0: no better than chance). Tied scores share their group's conversion,
    so a tie across a tenth's border is not split in the ranking's favour: a constant
    score gives 1.0 in every tenth.

    >>> lift_by_decile(np.array([1, 0] * 10), np.arange(20.0))
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    >>> lift_by_decile(np.array([0] * 18 + [1, 1]), np.arange(20.0))[:2]
    [10.0, 0.0]
    """
    converted = np.asarray(converted, dtype=float)
    base = converted.mean()
    _, group = np.unique(scores, return_inverse=True)
    shared = (np.bincount(group, converted) / np.bincount(group))[group]
    tenths = np.array_split(shared[np.argsort(-np.asarray(scores), kind="stable")], DECILES)
    return [round(float(tenth.mean() / base), 3) if base else 0.0 for tenth in tenths]


def rule_baseline(
    workspace: Workspace, rows: list[dict], converted: list[int], model: LeadModel
) -> tuple[float | None, dict]:
    """The rule score beside the model, on the model's holdout (the same leads): its AUC
    (none without score rules) and both scores' lift by tenth (``lift_by_decile``). The
    rule score is not a probability, so only the ranking is compared; each lead's rule
    score is the one it had when it arrived (``scoring.scores_at_arrival``)."""
    from sklearn.metrics import roc_auc_score

    held = [rows[position] for position in model.holdout_rows]
    outcome = np.asarray([converted[position] for position in model.holdout_rows])
    lift = {"predictive": lift_by_decile(outcome, model.holdout_predictions), "rule": None}
    rule = scoring.scores_at_arrival(workspace, held)
    if rule is None:
        return None, lift
    lift["rule"] = lift_by_decile(outcome, np.asarray(rule))
    return float(roc_auc_score(outcome, rule)), lift


def predict_leads(
    workspace: Workspace, model: LeadModel, ids: list[int] | None = None
) -> dict[int, tuple[float, list[dict]]]:
    """``model``'s prediction and reasons for each lead not yet scored by its version (of
    ``ids`` only, when given), by lead id."""
    waiting = Lead.objects.filter(workspace=workspace).exclude(predicted_version=model.version)
    if ids is not None:
        waiting = waiting.filter(id__in=ids)
    rows = list(waiting.order_by("id").values(*COLUMNS))
    if not rows:
        return {}
    zones = _zones(workspace, rows)
    features = [_features(row, zones) for row in rows]
    predicted = model.predict(features)
    reasons = model.reasons(features, top=TOP_REASONS)
    return {
        row["id"]: (
            float(p),
            [{"feature": r.feature, "value": r.value, "effect": round(r.effect, 4)} for r in why],
        )
        for row, p, why in zip(rows, predicted, reasons, strict=True)
    }


def score_leads(
    workspace: Workspace,
    model: LeadModel,
    predicted: dict[int, tuple[float, list[dict]]] | None = None,
) -> int:
    """Write ``model``'s prediction to every lead not yet scored by this version: from
    ``predicted`` (``predict_leads`` made beforehand) where it has the lead, predicted now
    for any other (one that arrived since). Returns how many were written."""
    predicted = dict(predicted or {})
    waiting = list(
        Lead.objects.filter(workspace=workspace)
        .exclude(predicted_version=model.version)
        .order_by("id")
        .values_list("id", flat=True)
    )
    missing = [lead_id for lead_id in waiting if lead_id not in predicted]
    if missing:
        predicted |= predict_leads(workspace, model, missing)
    rows = [
        (p, model.version, adapt_value(Lead, "predicted_reasons", why), lead_id)
        for lead_id in waiting
        for p, why in [predicted[lead_id]]
    ]
    update_values(Lead, ["predicted", "predicted_version", "predicted_reasons"], rows)
    return len(rows)


SOURCE_NAMES = {"form": "web form", "api": "REST API", "segment": "Segment", "csv": "CSV import"}
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FEATURE_LABELS = {"form": "Form", "channel": "Channel", "source": "Source", "location": "Location"}


@dataclass(frozen=True)
class ReasonNames:
    """The human names a reason's value is shown by: locations by id, forms by key (their
    titles), channels by key (``pacer.core.channels``), sources."""

    locations: dict[int, str] = field(default_factory=dict)
    forms: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, workspace: Workspace, locations: dict[int, str]) -> "ReasonNames":
        forms = dict(LeadForm.objects.filter(workspace=workspace).values_list("key", "title"))
        return cls(locations, forms)

    def name(self, feature: str, value: str) -> str:
        if feature == "location":
            return self.locations.get(int(value), value) if value.isdecimal() else value
        if feature == "form":
            return self.forms.get(value, value)
        if feature == "channel":
            return CHANNELS.get(value, value)
        if feature == "source":
            return SOURCE_NAMES.get(value, value)
        return value


def reason_words(reason: dict, names: ReasonNames) -> str:
    """A stored reason in plain words (without its direction): its feature's label and
    the value's human name.

    >>> reason_words({"feature": "weekday_hour", "value": "mon-09", "effect": 0.4}, ReasonNames())
    'Arrived: Monday, 09:00-10:00'
    >>> reason_words({"feature": "has_phone", "value": "0", "effect": -0.7}, ReasonNames())
    'gave no phone number'
    >>> reason_words({"feature": "channel", "value": "paid_search", "effect": 1}, ReasonNames())
    'Channel: Paid search'
    """
    feature, value = reason["feature"], reason["value"]
    if feature == "weekday_hour":
        day, _, hour = value.partition("-")
        days = dict(zip(WEEKDAYS, DAY_NAMES, strict=True))
        return f"Arrived: {days.get(day, day)}, {hour}:00-{int(hour) + 1:02d}:00"
    if feature in ("has_phone", "has_postal_code"):
        what = "a phone number" if feature == "has_phone" else "a postal code"
        return f"gave {what}" if value == "1" else f"gave no {what.removeprefix('a ')}"
    label = FEATURE_LABELS.get(feature, feature)
    if not value:
        return f"no {label.lower()}"
    return f"{label}: {names.name(feature, value)}"


def reasons_text(reasons: list[dict], names: ReasonNames) -> str:
    """The stored reasons on one line, each with its direction.

    >>> reasons_text([{"feature": "channel", "value": "paid_search", "effect": 0.8},
    ...               {"feature": "has_phone", "value": "0", "effect": -0.3}], ReasonNames())
    '+ Channel: Paid search; − gave no phone number'
    """
    return "; ".join(f"{'+' if r['effect'] > 0 else '−'} {reason_words(r, names)}" for r in reasons)


def latest_run(workspace: Workspace) -> LeadModelRun | None:
    return LeadModelRun.objects.filter(workspace=workspace).first()


def stored_model(workspace: Workspace) -> LeadModel | None:
    """The latest run's model read back from its stored form (``LeadModel.from_dict``,
    no scikit-learn): none before the first fit, or when the latest run predates
    keeping the model (the next refit keeps it)."""
    run = latest_run(workspace)
    if run is None or not run.model:
        return None
    return LeadModel.from_dict(run.model)


def score_arrivals(workspace: Workspace, lead_ids: list[int]) -> int:
    """Give new leads the latest stored model's prediction, version and reasons, as a
    refit would: called where leads are made (``actions.record_leads``), so a lead
    carries its score from the moment it exists. Only leads not yet scored by that
    version are written, so a second call writes nothing. Returns how many were written
    (none without a stored model: the leads stay "not scored yet")."""
    model = stored_model(workspace)
    if model is None or not lead_ids:
        return 0
    predicted = predict_leads(workspace, model, lead_ids)
    for lead_id, (p, why) in sorted(predicted.items()):
        # a few leads a batch: one UPDATE each (no bulk table to set up)
        Lead.objects.filter(workspace=workspace, pk=lead_id).update(
            predicted=p, predicted_version=model.version, predicted_reasons=why
        )
    return len(predicted)


def refit_due() -> int:
    """The worker's hourly loop: refit every workspace with leads whose last fit is older
    than ``REFIT_AFTER`` (or that has none), which also scores the leads that came since;
    a workspace with too little history is skipped until it has more. Returns how many
    were refitted."""
    now = clock.now()
    fitted = 0
    for workspace_id in Lead.objects.values_list("workspace_id", flat=True).distinct():
        workspace = Workspace.objects.get(pk=workspace_id)
        last = latest_run(workspace)
        if last is not None and last.fitted_at > now - REFIT_AFTER:
            continue
        try:
            fit_workspace(workspace, now)
        except LeadModelError:
            continue
        fitted += 1
    return fitted
