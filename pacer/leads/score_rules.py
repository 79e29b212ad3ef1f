"""Score rules as a manager sets them: add, change and remove one rule at a time, each
refusal named by its field and nothing written, each write audited. The scoring itself
is ``pacer.leads.scoring``; a change shows in a lead's score at its next rescore (the
change feed's, or the hourly loop's).

Three kinds: *fit* (a field of the lead or its contact equals a value, or is set),
*behaviour* (each of the contact's events of a name, halved every ``half_life_days``)
and *arrival* (when the lead arrived: weekdays, an hour range, inside or outside the
opening hours, in its location's time zone; the same conditions as a routing rule's).
"""

import re
from collections.abc import Mapping

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.leads.hours import WEEKDAYS
from pacer.leads.models import ScoreRule
from pacer.leads.rules import ARRIVED, check_arrival

KINDS = {"fit": "Fit", "behaviour": "Behaviour", "arrival": "Arrival"}
FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,39}")
MAX_POINTS = 10_000
MAX_HALF_LIFE_DAYS = 3650
MAX_SCORE_RULES = 200
DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def typed_number(value, field: str, errors: dict, *, low: float, high: float, required: bool):
    """``value`` (a number, or text as typed on a page) in ``low``..``high``, or None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors[field] = "must be a number"
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            errors[field] = "must be a number"
            return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        errors[field] = "must be a number"
        return None
    if not low <= value <= high:
        errors[field] = f"must be between {low:g} and {high:g}"
        return None
    return float(value)


def _checked(workspace: Workspace, data: Mapping, rule_id: int | None) -> dict:
    """The rule's stored fields from ``data``, or every refusal named by its field."""
    errors: dict[str, str] = {}
    name = check_text(errors, "name", data.get("name"), 100, required=True)
    if (
        name
        and "name" not in errors
        and ScoreRule.objects.filter(workspace=workspace, name=name).exclude(pk=rule_id).exists()
    ):
        errors["name"] = f"a score rule named '{name[:60]}' exists already"
    kind = data.get("kind")
    if kind not in KINDS:
        errors["kind"] = f"must be one of {', '.join(KINDS)}"
    points = typed_number(
        data.get("points"), "points", errors, low=-MAX_POINTS, high=MAX_POINTS, required=True
    )
    if points == 0:
        errors["points"] = "must not be 0 (a rule worth nothing changes no score)"
    row = {
        "name": name,
        "kind": kind,
        "points": points,
        "field": "",
        "value": "",
        "event": "",
        "half_life_days": None,
        "weekdays": [],
        "hour_from": None,
        "hour_to": None,
        "arrived": "",
    }
    if kind == "fit":
        field = check_text(errors, "field", data.get("field"), 40, required=True)
        if field and "field" not in errors and not FIELD_NAME.fullmatch(field):
            errors["field"] = "must be a field or trait name (letters, digits, _ . -)"
        row["field"] = field
        row["value"] = check_text(errors, "value", data.get("value"), 200)
    elif kind == "behaviour":
        row["event"] = check_text(errors, "event", data.get("event"), 200, required=True)
        row["half_life_days"] = typed_number(
            data.get("half_life_days"),
            "half_life_days",
            errors,
            low=0.01,
            high=MAX_HALF_LIFE_DAYS,
            required=False,
        )
    elif kind == "arrival":
        found: dict[str, str] = {}
        conditions = check_arrival(data, "", found)
        errors |= {path.removeprefix("."): why for path, why in found.items()}
        given = conditions["weekdays"] or conditions["hour_from"] is not None
        if not (given or conditions["arrived"] or found):
            errors["weekdays"] = "give at least one condition: weekdays, hours or opening hours"
        row |= conditions
    if errors:
        raise ValidationFailed(errors)
    return row


def _snapshot(rule: ScoreRule) -> dict:
    return {key: getattr(rule, key) for key in rule_row_keys()}


def rule_row_keys() -> tuple[str, ...]:
    return (
        "name",
        "kind",
        "points",
        "field",
        "value",
        "event",
        "half_life_days",
        "weekdays",
        "hour_from",
        "hour_to",
        "arrived",
    )


@transaction.atomic
def save_score_rule(
    workspace: Workspace, data: Mapping, *, rule_id: int | None = None, actor=None
) -> ScoreRule:
    """Add a score rule (``rule_id`` None) or replace the fields of one. ``data``:
    ``name``, ``kind``, ``points`` and, by kind, ``field`` with ``value`` (fit),
    ``event`` with ``half_life_days`` (behaviour) or ``weekdays``, ``hour_from`` with
    ``hour_to`` and ``arrived`` (arrival; at least one). Numbers may come as text."""
    rule = None
    if rule_id is not None:
        rule = ScoreRule.objects.select_for_update().filter(workspace=workspace, pk=rule_id).first()
        if rule is None:
            raise ValidationFailed({"rule_id": "no such score rule in this workspace"})
    elif ScoreRule.objects.filter(workspace=workspace).count() >= MAX_SCORE_RULES:
        raise ValidationFailed({"name": f"a workspace has at most {MAX_SCORE_RULES} score rules"})
    row = _checked(workspace, data, rule_id)
    before = _snapshot(rule) if rule else None
    rule = rule or ScoreRule(workspace=workspace)
    for key, value in row.items():
        setattr(rule, key, value)
    rule.save()
    audit.record(workspace, "leads.score_rule", rule, actor=actor, before=before, after=row)
    return rule


@transaction.atomic
def remove_score_rule(workspace: Workspace, rule_id: int, *, actor=None) -> None:
    rule = ScoreRule.objects.select_for_update().filter(workspace=workspace, pk=rule_id).first()
    if rule is None:
        raise ValidationFailed({"rule_id": "no such score rule in this workspace"})
    audit.record(workspace, "leads.score_rule", rule, actor=actor, before=_snapshot(rule))
    rule.delete()


def score_rule_rows(workspace: Workspace) -> list[dict]:
    """The workspace's score rules by name, each with its ``id`` and stored fields."""
    return [
        {"id": rule.pk, **_snapshot(rule)}
        for rule in ScoreRule.objects.filter(workspace=workspace).order_by("name", "id")
    ]


def describe(row: Mapping) -> str:
    """What a rule rewards, in words: "arriving Sat, Sun; outside opening hours"."""
    if row["kind"] == "fit":
        wanted = f"is '{row['value']}'" if row["value"] else "is set"
        return f"{row['field']} {wanted}"
    if row["kind"] == "behaviour":
        every = f", halved every {row['half_life_days']:g} days" if row["half_life_days"] else ""
        return f"each '{row['event']}' event{every}"
    parts = []
    if row["weekdays"]:
        parts.append("arriving " + ", ".join(DAY_NAMES[day] for day in row["weekdays"]))
    if row["hour_from"] is not None:
        parts.append(f"between {row['hour_from']:02d}:00 and {row['hour_to']:02d}:00")
    if row["arrived"]:
        parts.append("arriving " + ARRIVED[row["arrived"]])
    return "; ".join(parts) + " (location's time)"
