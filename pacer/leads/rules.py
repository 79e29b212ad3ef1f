"""Routing rules and agents' shifts: which team a lead goes to, and who is on now.

A rule matches a lead when each condition it sets holds: the lead's location is in its
``territory`` (by location code or region), its ``product`` and ``source`` are listed,
its score is at least ``min_score``, and its arrival, in its location's time zone, fell
on one of the ``weekdays``, in the hours ``hour_from`` to ``hour_to`` (18 to 22: from
18:00 to 21:59; 22 to 6 crosses midnight) and inside (``arrived`` "open") or outside
("closed") the location's opening hours. Rules are tried in order; the first that
matches names the team whose agents share the lead by weighted rotation
(``pacer.leads.routing``).
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.leads.hours import WEEKDAYS, Hours, from_json, is_open
from pacer.leads.models import SOURCES, Agent, Lead, RoutingRule
from pacer.people.selectors import locations

TEAM = re.compile(r"[a-z0-9_-]{1,40}")
MAX_RULES = 200
MAX_LISTED = 500
RULE_KEYS = (
    "name",
    "team",
    "territory",
    "products",
    "sources",
    "weekdays",
    "hour_from",
    "hour_to",
    "arrived",
)
ARRIVED = {"open": "in opening hours", "closed": "outside opening hours"}


@dataclass(frozen=True)
class Rules:
    """A workspace's rules with what matching them needs, read once per assignment."""

    rules: list[RoutingRule]
    places: dict[int, set[str]]  # location id -> {its code, its region}

    @classmethod
    def of(cls, workspace: Workspace) -> "Rules":
        rules = list(RoutingRule.objects.filter(workspace=workspace))
        places = (
            {loc.pk: {loc.code, loc.region} - {""} for loc in locations(workspace)}
            if any(rule.territory for rule in rules)
            else {}
        )
        return cls(rules, places)

    def first_match(
        self, lead: Lead, hours_of: Callable[[int | None], Hours]
    ) -> RoutingRule | None:
        """The first rule the lead matches; ``hours_of``: a location id's opening hours
        (read only when a rule asks about the arrival)."""
        for rule in self.rules:
            if rule.territory and not self.places.get(lead.location_id, set()) & set(
                rule.territory
            ):
                continue
            if rule.products and lead.product not in rule.products:
                continue
            if rule.sources and lead.source not in rule.sources:
                continue
            if rule.min_score is not None and lead.score < rule.min_score:
                continue
            if _timed(rule) and not arrival_matches(
                rule, lead.created_at, hours_of(lead.location_id)
            ):
                continue
            return rule
        return None


def _timed(rule: RoutingRule) -> bool:
    return bool(rule.weekdays or rule.hour_from is not None or rule.arrived)


def arrival_matches(rule: RoutingRule, arrived_at, hours: Hours) -> bool:
    """Whether an arrival at ``arrived_at`` meets the rule's weekday, hour and opening
    conditions, in the location's time zone and opening hours (``hours``)."""
    local = arrived_at.astimezone(ZoneInfo(hours.zone))
    if rule.weekdays and WEEKDAYS[local.weekday()] not in rule.weekdays:
        return False
    if rule.hour_from is not None and rule.hour_to is not None:
        low, high = rule.hour_from, rule.hour_to
        inside = (
            low <= local.hour < high if low < high else (local.hour >= low or local.hour < high)
        )
        if not inside:
            return False
    return not rule.arrived or (rule.arrived == "open") == is_open(arrived_at, hours)


def _hour(value, field: str, errors: dict, low: int, high: int) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            errors[field] = "must be a whole hour"
            return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[field] = "must be a whole hour"
        return None
    if not low <= value <= high:
        errors[field] = f"must be between {low} and {high}"
        return None
    return value


def check_arrival(row: Mapping, where: str, errors: dict) -> dict:
    """The rule's arrival conditions of ``row``, each refusal named by its field."""
    weekdays = _strings(row.get("weekdays"), f"{where}.weekdays", errors, allowed=WEEKDAYS)
    hour_from = _hour(row.get("hour_from"), f"{where}.hour_from", errors, 0, 23)
    hour_to = _hour(row.get("hour_to"), f"{where}.hour_to", errors, 1, 24)
    named = {f"{where}.hour_from", f"{where}.hour_to"} & errors.keys()
    if (hour_from is None) != (hour_to is None) and not named:
        missing = "hour_to" if hour_to is None else "hour_from"
        errors[f"{where}.{missing}"] = "give both hours (from and to) or neither"
    elif hour_from is not None and hour_to is not None and hour_from == hour_to % 24:
        errors[f"{where}.hour_to"] = "must differ from the first hour (22 to 6 crosses midnight)"
    arrived = row.get("arrived") or ""
    if arrived not in ("", *ARRIVED):
        errors[f"{where}.arrived"] = f"must be one of {', '.join(ARRIVED)} (or empty: any time)"
        arrived = ""
    return {
        "weekdays": sorted(set(weekdays), key=WEEKDAYS.index),
        "hour_from": hour_from,
        "hour_to": hour_to,
        "arrived": arrived,
    }


def _strings(value, field: str, errors: dict, *, allowed=None) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_LISTED:
        errors[field] = f"must be a list of at most {MAX_LISTED} names"
        return []
    for item in value:
        if not isinstance(item, str) or not item.strip() or len(item) > 200:
            errors[field] = "must list non-empty names of at most 200 characters"
            return []
        if allowed is not None and item not in allowed:
            errors[field] = f"'{item[:60]}' is not one of {', '.join(allowed)}"
            return []
    return [item.strip() for item in value]


@transaction.atomic
def set_rules(workspace: Workspace, rows: list[Mapping], *, actor=None) -> list[RoutingRule]:
    """Replace the workspace's routing rules (in order). Each row: ``name``, ``team`` and
    any of ``territory``, ``products``, ``sources``, ``min_score``, ``weekdays``,
    ``hour_from`` with ``hour_to``, ``arrived``. Refuses with every bad field named,
    writing nothing."""
    if not isinstance(rows, list) or len(rows) > MAX_RULES:
        raise ValidationFailed({"rules": f"must be a list of at most {MAX_RULES} rules"})
    errors: dict[str, str] = {}
    places = {loc.code for loc in locations(workspace)} | {
        loc.region for loc in locations(workspace) if loc.region
    }
    teams = set(Agent.objects.filter(workspace=workspace).values_list("team", flat=True))
    made = []
    for index, row in enumerate(rows):
        where = f"rules[{index}]"
        if not isinstance(row, Mapping):
            errors[where] = "must be an object"
            continue
        name = str(row.get("name") or "").strip()
        if not name or len(name) > 100:
            errors[f"{where}.name"] = "must be 1-100 characters"
        team = row.get("team")
        if not isinstance(team, str) or not TEAM.fullmatch(team):
            errors[f"{where}.team"] = "must be 1-40 lower-case letters, digits, - or _"
        elif team not in teams:
            errors[f"{where}.team"] = f"no agent is in team '{team}'"
        territory = _strings(row.get("territory"), f"{where}.territory", errors)
        unknown = sorted(set(territory) - places)
        if unknown:
            errors[f"{where}.territory"] = f"'{unknown[0][:60]}' is no location code or region"
        min_score = row.get("min_score")
        if min_score is not None and (
            isinstance(min_score, bool)
            or not isinstance(min_score, int | float)
            or not -1e9 < min_score < 1e9
        ):
            errors[f"{where}.min_score"] = "must be a number"
        made.append(
            RoutingRule(
                workspace=workspace,
                position=index,
                name=name,
                territory=territory,
                products=_strings(row.get("products"), f"{where}.products", errors),
                sources=_strings(row.get("sources"), f"{where}.sources", errors, allowed=SOURCES),
                min_score=min_score,
                **check_arrival(row, where, errors),
                team=team if isinstance(team, str) else "",
            )
        )
    if errors:
        raise ValidationFailed(errors)
    before = list(RoutingRule.objects.filter(workspace=workspace).values_list("name", flat=True))
    RoutingRule.objects.filter(workspace=workspace).delete()
    RoutingRule.objects.bulk_create(made)
    audit.record(
        workspace,
        "leads.routing",
        workspace,
        actor=actor,
        before={"rules": before},
        after={"rules": [f"{rule.name} -> {rule.team}" for rule in made]},
    )
    return made


@transaction.atomic
def set_agent(
    workspace: Workspace,
    agent_id: int,
    *,
    team: str | None = None,
    shift: Mapping | None = None,
    phone: str | None = None,
    actor=None,
) -> Agent:
    """Set an agent's team, shift (``{"timezone", "weekly", "holidays"}``; ``{}`` for
    none: the agent takes leads at any time) and/or phone (reminders by SMS too; "" for
    none)."""
    agent = Agent.objects.select_for_update().filter(workspace=workspace, pk=agent_id).first()
    if agent is None:
        raise ValidationFailed({"agent_id": "no such agent in this workspace"})
    errors = {}
    if team is not None and team != "" and not TEAM.fullmatch(str(team)):
        errors["team"] = "must be 1-40 lower-case letters, digits, - or _"
    if shift is not None and not isinstance(shift, Mapping):
        errors["shift"] = "must be an object with timezone, weekly and holidays"
    elif shift:
        try:
            from_json(dict(shift), "shift")
        except ValidationFailed as error:
            errors |= error.errors
    if phone and (len(phone) > 40 or sum(ch.isdecimal() for ch in phone) < 6):
        errors["phone"] = "needs at least 6 digits (at most 40 characters)"
    if errors:
        raise ValidationFailed(errors)
    before = {"team": agent.team, "shift": agent.shift, "phone": agent.phone}
    if team is not None:
        agent.team = team
    if shift is not None:
        agent.shift = dict(shift)
    if phone is not None:
        agent.phone = phone.strip()
    agent.save(update_fields=["team", "shift", "phone"])
    audit.record(
        workspace,
        "leads.agent",
        agent,
        actor=actor,
        before=before,
        after={"team": agent.team, "shift": agent.shift, "phone": agent.phone},
    )
    return agent


def rule_rows(workspace: Workspace) -> list[dict]:
    """The workspace's rules in order, as ``set_rules`` takes them."""
    return [
        {
            "name": rule.name,
            "team": rule.team,
            "territory": rule.territory,
            "products": rule.products,
            "sources": rule.sources,
            "min_score": rule.min_score,
            "weekdays": rule.weekdays,
            "hour_from": rule.hour_from,
            "hour_to": rule.hour_to,
            "arrived": rule.arrived,
        }
        for rule in RoutingRule.objects.filter(workspace=workspace)
    ]


def _one_rule(rows: list[dict], index: int, actor, workspace: Workspace) -> list[RoutingRule]:
    """``set_rules`` with the refusals about row ``index`` named by their field alone."""
    try:
        return set_rules(workspace, rows, actor=actor)
    except ValidationFailed as error:
        prefix = f"rules[{index}]."
        raise ValidationFailed(
            {path.removeprefix(prefix): why for path, why in error.errors.items()}
        ) from None


def save_rule(
    workspace: Workspace, data: Mapping, *, position: int | None = None, actor=None
) -> RoutingRule:
    """Add a rule at the end (``position`` None) or replace the one at ``position``;
    ``data`` as a row of ``set_rules``, plus ``place`` (1-based, optional) to move it.
    A ``min_score`` given as text is read as a number ("" for none)."""
    rows = rule_rows(workspace)
    if position is not None and not 0 <= position < len(rows):
        raise ValidationFailed({"position": "no such rule in this workspace"})
    row = {key: data.get(key) for key in RULE_KEYS}
    min_score = data.get("min_score")
    if isinstance(min_score, str):
        try:
            min_score = float(min_score) if min_score.strip() else None
        except ValueError:
            raise ValidationFailed({"min_score": "must be a number"}) from None
    row["min_score"] = min_score
    if position is None:
        rows.append(row)
        index = len(rows) - 1
    else:
        rows[position] = row
        index = position
    place = data.get("place")
    if place not in (None, ""):
        try:
            wanted = int(str(place))
        except ValueError:
            raise ValidationFailed({"place": "must be a whole number"}) from None
        if not 1 <= wanted <= len(rows):
            raise ValidationFailed({"place": f"must be between 1 and {len(rows)}"})
        rows.insert(wanted - 1, rows.pop(index))
        index = wanted - 1
    return _one_rule(rows, index, actor, workspace)[index]


def remove_rule(workspace: Workspace, position: int, *, actor=None) -> None:
    """Drop the rule at ``position``; the ones after it move up."""
    rows = rule_rows(workspace)
    if not 0 <= position < len(rows):
        raise ValidationFailed({"position": "no such rule in this workspace"})
    del rows[position]
    set_rules(workspace, rows, actor=actor)
