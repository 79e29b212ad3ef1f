"""Routing rules and agents' shifts: which team a lead goes to, and who is on now.

A rule matches a lead when each condition it sets holds: the lead's location is in its
``territory`` (by location code or region), its ``product`` and ``source`` are listed,
its score is at least ``min_score``. Rules are tried in order; the first that matches
names the team whose agents share the lead by weighted rotation
(``pacer.leads.routing``).
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.leads.hours import from_json
from pacer.leads.models import SOURCES, Agent, Lead, RoutingRule
from pacer.people.selectors import locations

TEAM = re.compile(r"[a-z0-9_-]{1,40}")
MAX_RULES = 200
MAX_LISTED = 500


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

    def first_match(self, lead: Lead) -> RoutingRule | None:
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
            return rule
        return None


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
    any of ``territory``, ``products``, ``sources``, ``min_score``. Refuses with every bad
    field named, writing nothing."""
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
    row = {key: data.get(key) for key in ("name", "team", "territory", "products", "sources")}
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
