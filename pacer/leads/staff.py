"""Who takes leads and when: the agents of each location (or of the fallback queue) with
their share, cap, team, phone and shift, and each location's opening hours.

Every write validates first and refuses with every bad field named, writing nothing;
each is audited. Shifts and hours are stored as ``{"timezone", "weekly", "holidays"}``
(``pacer.leads.hours``); pages write the week as text (``weekly_from_text``).
"""

import re
from collections.abc import Mapping
from datetime import date, datetime

from django.db import transaction

from pacer.core import audit, clock, faults
from pacer.core.errors import ValidationFailed
from pacer.core.models import Membership, Workspace
from pacer.leads import handover, selectors
from pacer.leads.hours import WEEKDAYS, from_json, hours_of, local_time
from pacer.leads.models import Agent, Handover, LocationHours, RoutingRule
from pacer.leads.rules import TEAM
from pacer.people.selectors import locations
from pacer.web import formats

MAX_WEIGHT = 100.0
MAX_OPEN = 10_000
MOMENTS = (datetime(2000, 1, 1), datetime(2999, 12, 31))  # time off is set within these
TIME = r"\d{1,2}:\d{2}"
DAY_PART = re.compile(r"^([a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+(.+)$")
INTERVAL = re.compile(rf"^({TIME})-({TIME})$")


def weekly_from_text(text: str, field: str = "weekly") -> dict[str, list[list[str]]]:
    """The week as written on a page: parts split by ``;``, each days then intervals.

    >>> weekly_from_text("mon-wed 09:00-12:00, 13:00-17:00; sat 10:00-14:00")["tue"]
    [['09:00', '12:00'], ['13:00', '17:00']]
    >>> weekly_from_text("")
    {}
    """
    weekly: dict[str, list[list[str]]] = {}
    for part in (p.strip().lower() for p in str(text or "").split(";")):
        if not part:
            continue
        match = DAY_PART.match(part)
        if match is None:
            raise ValidationFailed({field: f"'{part[:40]}' is not like 'mon-fri 09:00-17:00'"})
        days: list[str] = []
        for span in match[1].split(","):
            first, _, last = span.partition("-")
            if first not in WEEKDAYS or (last and last not in WEEKDAYS):
                raise ValidationFailed({field: f"'{span}': days are {', '.join(WEEKDAYS)}"})
            start, end = WEEKDAYS.index(first), WEEKDAYS.index(last or first)
            if end < start:
                raise ValidationFailed({field: f"'{span}' runs backwards"})
            days += WEEKDAYS[start : end + 1]
        intervals = []
        for piece in (p.strip() for p in match[2].split(",")):
            found = INTERVAL.match(piece)
            if found is None:
                raise ValidationFailed({field: f"'{piece[:40]}' is not like 09:00-17:00"})
            intervals.append([found[1].zfill(5), found[2].zfill(5)])
        for day in days:
            weekly.setdefault(day, []).extend(intervals)
    return weekly


def weekly_text(weekly: Mapping) -> str:
    """The stored week written back as ``weekly_from_text`` reads it, runs of days with
    the same hours joined.

    >>> weekly_text({d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "fri")}
    ...             | {"sat": [["10:00", "12:00"]]})
    'mon-wed 09:00-17:00; fri 09:00-17:00; sat 10:00-12:00'
    """
    runs: list[list] = []  # [first day, last day, intervals]
    for index, day in enumerate(WEEKDAYS):
        intervals = [list(i) for i in weekly.get(day) or []]
        if not intervals:
            continue
        if runs and runs[-1][2] == intervals and WEEKDAYS.index(runs[-1][1]) == index - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day, intervals])
    return "; ".join(
        (first if first == last else f"{first}-{last}")
        + " "
        + ", ".join(f"{opens}-{closes}" for opens, closes in intervals)
        for first, last, intervals in runs
    )


def _hours(value, field: str, errors: dict) -> dict:
    """A ``{"timezone", "weekly", "holidays"}`` object checked by ``hours.from_json``
    (``weekly`` may be text, as ``weekly_from_text`` reads it)."""
    if value in (None, {}):
        return {}
    if not isinstance(value, Mapping):
        errors[field] = "must be an object with timezone, weekly and holidays"
        return {}
    stored = {
        "timezone": str(value.get("timezone") or "UTC"),
        "weekly": value.get("weekly") or {},
        "holidays": value.get("holidays") or [],
    }
    if isinstance(stored["weekly"], str):  # as typed on a page
        try:
            stored["weekly"] = weekly_from_text(stored["weekly"], f"{field}.weekly")
        except ValidationFailed as error:
            errors.update(error.errors)
            stored["weekly"] = {}
    try:
        from_json(stored, field)
    except ValidationFailed as error:
        errors.update(
            {
                path if path.startswith(field) else f"{field}.{path.removeprefix('hours.')}": why
                for path, why in error.errors.items()
            }
        )
        return {}
    stored["holidays"] = sorted(
        {date.fromisoformat(str(d)).isoformat() for d in stored["holidays"]}
    )
    return stored


def _number(value, field: str, low: float, high: float, errors: dict, *, whole=False):
    try:
        number = (int if whole else float)(str(value).strip())
    except (TypeError, ValueError):
        errors[field] = "must be a whole number" if whole else "must be a number"
        return None
    if isinstance(value, bool) or not low <= number <= high:
        errors[field] = f"must be between {low:g} and {high:g}"
        return None
    return number


def _moment(value, field: str, errors: dict) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors[field] = "must be a date and time with its offset (ISO 8601), or empty"
        return None
    if not MOMENTS[0] <= value.replace(tzinfo=None) <= MOMENTS[1]:
        errors[field] = f"must be between {MOMENTS[0].year} and {MOMENTS[1].year}"
        return None
    return value


@transaction.atomic
def save_agent(
    workspace: Workspace, data: Mapping, *, agent_id: int | None = None, actor=None
) -> Agent:
    """Add an agent (``agent_id`` None) or change one. ``data``: ``user`` (a member's
    username; only when adding), ``location`` (a location code, "" for the fallback
    queue), ``weight`` (share of the rotation, 0-100; 0 takes none), ``max_open`` (cap on
    open leads), ``is_manager`` (gets the escalations), ``team``, ``phone``, ``shift``
    (``{}``: takes leads at any time) and ``away_until`` (time off: no leads until then,
    an aware datetime or ISO 8601 text; None or "" ends it). Fields left out keep their
    value (or default).

    Time off is the person's: it is set on each of the member's agent rows (every
    location they serve; a new row takes theirs). While it lasts, their open, unanswered
    leads go to someone available: the hand-over is recorded in this transaction and
    worked through by a task (``handover.start_handover``)."""
    errors: dict[str, str] = {}
    agent = None
    if agent_id is not None:
        # every row of the person, locked in id order: time off is written to all of
        # them, and two edits of one person's rows must not lock them in opposite orders
        user_id = (
            Agent.objects.filter(workspace=workspace, pk=agent_id)
            .values_list("user_id", flat=True)
            .first()
        )
        rows = Agent.objects.select_for_update().filter(workspace=workspace, user_id=user_id)
        agent = next((row for row in rows.order_by("id") if row.pk == agent_id), None)
        if agent is None:
            raise ValidationFailed({"agent_id": "no such agent in this workspace"})
    else:
        username = str(data.get("user") or "").strip()
        member = (
            Membership.objects.filter(workspace=workspace, user__username=username).first()
            if "\x00" not in username  # PostgreSQL cannot take it in a query
            else None
        )
        if member is None:
            errors["user"] = f"no member '{username[:150]}' in this workspace"
        elif refusal := selectors.not_a_worker(username, member.role):
            errors["user"] = refusal
        agent = Agent(workspace=workspace, user_id=member.user_id if member else None)
    before = _agent_state(agent) if agent.pk else None
    time_off = agent.away_until
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    if "location" in data:
        code = str(data.get("location") or "")
        if code and code not in codes:
            errors["location"] = f"no location '{code[:60]}' in this workspace"
        agent.location_id = codes.get(code)
    if "weight" in data:
        agent.weight = _number(data["weight"], "weight", 0, MAX_WEIGHT, errors) or 0.0
    if "max_open" in data:
        agent.max_open = _number(data["max_open"], "max_open", 1, MAX_OPEN, errors, whole=True)
    if "is_manager" in data:
        if not isinstance(data["is_manager"], bool):
            errors["is_manager"] = "must be true or false"
        agent.is_manager = data["is_manager"] is True
    if "team" in data:
        team = str(data.get("team") or "").strip()
        if team and not TEAM.fullmatch(team):
            errors["team"] = "must be 1-40 lower-case letters, digits, - or _"
        agent.team = team
    if "phone" in data:
        phone = str(data.get("phone") or "").strip()
        if phone and (len(phone) > 40 or sum(ch.isdecimal() for ch in phone) < 6):
            errors["phone"] = "needs at least 6 digits (at most 40 characters)"
        agent.phone = phone
    if "shift" in data:
        agent.shift = _hours(data["shift"], "shift", errors)
    if "away_until" in data:
        agent.away_until = _moment(data["away_until"], "away_until", errors)
    if not errors and agent.user_id is not None:
        taken = Agent.objects.filter(
            workspace=workspace, user_id=agent.user_id, location_id=agent.location_id
        ).exclude(pk=agent.pk)
        if taken.exists():
            errors["location"] = "this member is already an agent of that location"
    if not errors and before is not None and before["team"] != agent.team:
        errors.update(_team_still_needed(workspace, before["team"], agent.pk, "team"))
    if errors:
        raise ValidationFailed(errors)
    others = Agent.objects.filter(workspace=workspace, user_id=agent.user_id).exclude(pk=agent.pk)
    if "away_until" not in data and agent.pk is None:  # a new location of someone away
        agent.away_until = others.values_list("away_until", flat=True).first()
    agent.save()
    after = _agent_state(agent)
    if "away_until" in data:  # time off is the person's: at every location they serve
        differ = (
            others.filter(away_until__isnull=False)
            if agent.away_until is None
            else others.exclude(away_until=agent.away_until)  # NULLs included
        )
        also = sorted(differ.values_list("pk", flat=True))
        others.filter(pk__in=also).update(away_until=agent.away_until)
        if also:
            after["away_also_for_agents"] = also
    audit.record(workspace, "leads.agent", agent, actor=actor, before=before, after=after)
    faults.point("leads.agent.saved")  # written, not committed (the rows still locked)
    if "away_until" in data and (agent.away_until != time_off or also):
        # recorded and queued with the time off: a crash cannot lose the hand-over
        handover.start_handover(workspace, agent.user_id, clock.now())
    return agent


def _agent_state(agent: Agent) -> dict:
    return {
        "user": agent.user_id,
        "location_id": agent.location_id,
        "weight": agent.weight,
        "max_open": agent.max_open,
        "is_manager": agent.is_manager,
        "team": agent.team,
        "phone": agent.phone,
        "shift": agent.shift,
        "away_until": agent.away_until.isoformat() if agent.away_until else None,
    }


def _team_still_needed(workspace: Workspace, team: str, agent_id: int, field: str) -> dict:
    """A refusal when ``agent_id`` is the last of ``team`` and a routing rule names it."""
    if not team:
        return {}
    others = Agent.objects.filter(workspace=workspace, team=team).exclude(pk=agent_id)
    rule = RoutingRule.objects.filter(workspace=workspace, team=team).first()
    if rule is None or others.exists():
        return {}
    return {field: f"routing rule '{rule.name}' sends leads to team '{team}', its last agent"}


@transaction.atomic
def remove_agent(workspace: Workspace, agent_id: int, *, actor=None) -> None:
    """Take an agent off the rotation (their open leads stay theirs). Refused for the
    last agent of a team a routing rule names: change the rule first."""
    agent = Agent.objects.select_for_update().filter(workspace=workspace, pk=agent_id).first()
    if agent is None:
        raise ValidationFailed({"agent_id": "no such agent in this workspace"})
    errors = _team_still_needed(workspace, agent.team, agent.pk, "agent_id")
    if errors:
        raise ValidationFailed(errors)
    before = _agent_state(agent)
    audit.record(workspace, "leads.agent.remove", agent, actor=actor, before=before)
    agent.delete()


@transaction.atomic
def set_hours(workspace: Workspace, location: str, hours: Mapping, *, actor=None) -> LocationHours:
    """Set the opening hours of a location (its code; "" for the workspace's default):
    ``timezone``, ``weekly`` (``{"mon": [["09:00", "17:00"]]}``; none: always open) and
    ``holidays`` (dates)."""
    errors: dict[str, str] = {}
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    if location and location not in codes:
        errors["location"] = f"no location '{str(location)[:60]}' in this workspace"
    stored = _hours(hours, "hours", errors) if hours else {}
    if not hours or (not errors and not stored):
        errors.setdefault("hours", "give a timezone and the weekly hours")
    if errors:
        raise ValidationFailed(errors)
    row = LocationHours.objects.filter(workspace=workspace, location_id=codes.get(location)).first()
    before = (
        {"timezone": row.timezone, "weekly": row.weekly, "holidays": row.holidays} if row else None
    )
    row = row or LocationHours(workspace=workspace, location_id=codes.get(location))
    row.timezone, row.weekly, row.holidays = (
        stored["timezone"],
        stored["weekly"],
        stored["holidays"],
    )
    row.save()
    audit.record(workspace, "leads.hours", row, actor=actor, before=before, after=stored)
    return row


def agent_zone(workspace: Workspace, location_id: int | None, shift: Mapping | None) -> str:
    """The time zone an agent's times are read and shown in: their shift's, else their
    location's opening hours' (else the default's, else UTC)."""
    return (shift or {}).get("timezone") or hours_of(workspace, location_id).zone


def away(workspace: Workspace, now: datetime) -> list[dict]:
    """The members away at ``now`` (time off, no new leads), soonest back first, one row
    per person: ``{agent, username, name, user_id, location_ids, until, zone, until_text,
    handover}``
    (``agent``: their first agent row; ``location_ids``: every location they serve, None
    for the fallback queue; the time zone of their first row's shift or location;
    ``handover``: their latest hand-over's progress, ``handover_text``)."""
    found = (
        Agent.objects.filter(workspace=workspace, away_until__gt=now)
        .select_related("user")
        .order_by("away_until", "id")
    )
    people: dict[int, dict] = {}
    for agent in found:
        if agent.user_id in people:
            people[agent.user_id]["location_ids"].append(agent.location_id)
            continue
        zone = agent_zone(workspace, agent.location_id, agent.shift)
        people[agent.user_id] = {
            "agent": agent.pk,
            "username": agent.user.username,
            "name": formats.person(agent.user),
            "user_id": agent.user_id,
            "location_ids": [agent.location_id],
            "until": agent.away_until,
            "zone": zone,
            "until_text": local_time(agent.away_until, zone),
            "handover": "",
        }
    for record in Handover.objects.filter(workspace=workspace, user_id__in=people).order_by("id"):
        people[record.user_id]["handover"] = handover_text(record)
    return list(people.values())


def handover_text(record: Handover) -> str:
    """A hand-over's progress as the locations page shows it."""
    total = len(record.lead_ids)
    if record.finished_at is None:
        return f"re-assigning {record.done} of {total}"
    if record.outcome != "done":
        return ""
    left = f", {record.unattended} kept (nobody available)" if record.unattended else ""
    return f"done: {record.moved} of {total} re-assigned{left}"
