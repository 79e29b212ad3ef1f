"""Settings pages for who gets a lead: routing rules, agents with their shifts, opening
hours, and how a lead's location is found. Every write goes through the domain's
actions (``rules``, ``staff``, ``locating``); a refusal re-renders the form with each
reason under its field and nothing written."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import page
from pacer.core.selectors import members
from pacer.core.zones import known_zone
from pacer.leads import fallback, locating, rules, staff
from pacer.leads.hours import WEEKDAYS, local_time
from pacer.leads.models import SOURCES, Agent, LocationArea, LocationHours, PostalCentroid
from pacer.people.selectors import locations
from pacer.web import formats
from pacer.web.tables import Column, Table

FALLBACK = "Fallback queue (any location)"
AGENT_FIELDS = ("user", "location", "weight", "max_open", "team", "phone")
SHIFT_FIELDS = ("timezone", "weekly", "holidays")
RULE_FIELDS = ("name", "team", "territory", "products", "sources", "min_score", "place")
DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))


def _names(workspace) -> dict:
    return {loc.pk: loc.name for loc in locations(workspace)}


def _split(text: str) -> list[str]:
    return [part.strip() for part in str(text or "").replace("\n", ",").split(",") if part.strip()]


def _shift_text(shift: dict) -> str:
    if not shift:
        return "any time"
    return f"{staff.weekly_text(shift.get('weekly') or {}) or 'always'} ({shift.get('timezone')})"


def _hours_from_post(post) -> dict:
    """Hours typed on a page: a time zone, the week as text, holidays split by commas."""
    if not any(post.get(name, "").strip() for name in SHIFT_FIELDS):
        return {}
    return {
        "timezone": post.get("timezone", "").strip() or "UTC",
        "weekly": post.get("weekly", ""),
        "holidays": _split(post.get("holidays", "")),
    }


def _shift_errors(errors: dict, field: str) -> dict:
    """``shift.timezone`` → ``timezone``: the page's own field names."""
    out = {}
    for path, why in errors.items():
        rest = path.removeprefix(f"{field}.")
        if path.startswith(f"{field}."):
            key = rest if rest in SHIFT_FIELDS else "weekly"
            out[key] = why if key == rest else f"{rest}: {why}"
        else:
            out[path] = why
    return out


@page("leads.configure")
def routing_settings(request):
    return _routing_page(request)


def _routing_page(request, rule_errors: dict | None = None):
    """The routing page, saving the form posted to it; after a refused rule removal
    (``rule_errors``) the page with the reason above the rules, 422."""
    workspace = request.workspace
    posting = request.method == "POST" and not rule_errors
    names = _names(workspace)
    rule_rows = [
        {
            "pk": index,
            "place": index + 1,
            "name": row["name"],
            "team": row["team"],
            "conditions": _conditions(row),
        }
        for index, row in enumerate(rules.rule_rows(workspace))
    ]
    now = clock.now()
    agent_rows = [
        {
            "pk": agent.pk,
            "username": agent.user.username,
            "location": names.get(agent.location_id, FALLBACK),
            "team": agent.team or "—",
            "weight": agent.weight,
            "max_open": agent.max_open,
            "is_manager": "yes" if agent.is_manager else "",
            "shift": _shift_text(agent.shift),
            "phone": agent.phone,
            "away_until": agent.away_until if _away(agent, now) else None,
            "away_text": local_time(
                agent.away_until, staff.agent_zone(workspace, agent.location_id, agent.shift)
            )
            if _away(agent, now)
            else "",
        }
        for agent in Agent.objects.filter(workspace=workspace).select_related("user")
    ]
    hours_rows = [
        {
            "pk": row.pk,
            "location": names.get(row.location_id, "Every other location (default)"),
            "timezone": row.timezone,
            "weekly": staff.weekly_text(row.weekly) or "always open",
            "holidays": ", ".join(row.holidays),
        }
        for row in LocationHours.objects.filter(workspace=workspace).order_by("id")
    ]
    rule_table = Table(
        request,
        rule_rows,
        [
            Column("place", "#", format="count", sortable=True),
            Column(
                "name",
                "Rule",
                sortable=True,
                href=lambda row: reverse("lead-rule", args=[row["pk"]]),
            ),
            Column("conditions", "Matches leads"),
            Column("team", "Goes to team", sortable=True),
        ],
        default_sort="place",
        prefix="rules-",
        caption="Routing rules, tried in order",
        empty_title="No routing rules.",
        empty_hint="Every lead goes to its location's agents, else to the fallback queue.",
    )
    agent_table = Table(
        request,
        agent_rows,
        [
            Column(
                "username",
                "Agent",
                sortable=True,
                href=lambda row: reverse("lead-agent", args=[row["pk"]]),
            ),
            Column("location", "Location", sortable=True),
            Column("team", "Team", sortable=True),
            Column("weight", "Weight", format="decimal", sortable=True),
            Column("max_open", "Max open", format="count", sortable=True),
            Column("is_manager", "Manager"),
            Column("shift", "Shift"),
            Column(
                "away_until",
                "Away until",
                format="datetime",
                sortable=True,
                text=lambda row: row["away_text"] or "—",
            ),
            Column("phone", "Phone", visible=False),
        ],
        default_sort="location",
        prefix="agents-",
        caption="Agents",
        empty_title="No agents yet.",
        empty_hint="Add the members who answer leads; without agents leads wait unassigned.",
    )
    hours_table = Table(
        request,
        hours_rows,
        [
            Column("location", "Location", sortable=True),
            Column("timezone", "Time zone"),
            Column("weekly", "Opening hours"),
            Column("holidays", "Holidays"),
        ],
        default_sort="location",
        prefix="hours-",
        caption="Opening hours (response deadlines count only these)",
        empty_title="No opening hours.",
        empty_hint="Deadlines then count every minute of the day.",
    )
    fallback_table = Table(
        request,
        fallback.owner_rows(workspace),
        [
            Column("location_name", "Location", sortable=True),
            Column("user", "Fallback owner", text=lambda row: formats.person(row["member"])),
        ],
        default_sort="location_name",
        prefix="fallback-",
        caption="Fallback owners: who takes a lead nobody else can",
        empty_title="No fallback owners.",
        empty_hint="A lead nobody can take then waits unowned and the managers are alerted.",
    )
    context = {
        "rules": rule_table,
        "agents": agent_table,
        "hours": hours_table,
        "fallback": fallback_table,
        "errors": {},
        "form": {"timezone": "UTC"},
        "fallback_errors": {},
        "fallback_form": {},
        "location_options": [("", "Every other location (default)")]
        + [(loc.code, loc.name) for loc in locations(workspace)],
        "member_options": [("", "nobody (remove)")]
        + [(m.user.username, formats.person(m.user)) for m in members(workspace)],
    }
    context["rule_errors"], status = rule_errors or {}, 422 if rule_errors else 200
    if posting and request.POST.get("form") == "fallback":
        post = request.POST
        try:
            fallback.set_owner(
                workspace, post.get("location", ""), post.get("user", ""), actor=request.user
            )
        except ValidationFailed as error:
            context["fallback_errors"], context["fallback_form"] = error.errors, post
            status = 422
        else:
            messages.success(request, "Fallback owner saved.")
            return redirect("lead-routing")
    elif posting:
        hours = _hours_from_post(request.POST)
        try:
            staff.set_hours(workspace, request.POST.get("location", ""), hours, actor=request.user)
        except ValidationFailed as error:
            context["errors"] = _shift_errors(error.errors, "hours")
            context["form"] = request.POST
            status = 422
        else:
            messages.success(request, "Opening hours saved.")
            return redirect("lead-routing")
    return render(request, "leads/routing.html", context, status=status)


def _away(agent: Agent, now: datetime) -> bool:
    return agent.away_until is not None and agent.away_until > now


def _zone(workspace, post, agent: Agent | None) -> str:
    """The time zone the page's "away until" is typed in: the shift's typed on the form,
    else the chosen location's opening hours'."""
    zone = post.get("timezone", "").strip()
    if zone and not known_zone(zone):
        zone = ""  # refused with the shift; the location's zone meanwhile
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    location = post.get("location", "") if "location" in post else None
    location_id = (
        codes.get(location) if location is not None else getattr(agent, "location_id", None)
    )
    return zone or staff.agent_zone(workspace, location_id, None)


def _away_from_post(text: str, zone: str):
    """The typed "away until" (a local date and time in ``zone``) as an aware datetime,
    None when empty, or the text itself when it is no date (``staff`` refuses it)."""
    text = text.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        return text


def _conditions(row: dict) -> str:
    parts = []
    if row["territory"]:
        parts.append("in " + ", ".join(row["territory"]))
    if row["products"]:
        parts.append("asking about " + ", ".join(row["products"]))
    if row["sources"]:
        parts.append("from " + ", ".join(row["sources"]))
    if row["min_score"] is not None:
        parts.append(f"score ≥ {row['min_score']:g}")
    if row["weekdays"]:
        parts.append("arriving " + ", ".join(DAY_NAMES[day] for day in row["weekdays"]))
    if row["hour_from"] is not None:
        parts.append(f"between {row['hour_from']:02d}:00 and {row['hour_to']:02d}:00")
    if row["arrived"]:
        parts.append("arriving " + rules.ARRIVED[row["arrived"]])
    return "; ".join(parts) or "every lead"


def _teams(workspace) -> list[tuple[str, str]]:
    teams = sorted(
        set(Agent.objects.filter(workspace=workspace).values_list("team", flat=True)) - {""}
    )
    return [("", "choose a team")] + [(team, team) for team in teams]


def _rule_page(request, position, form, errors, status=200):
    context = {
        "position": position,
        "form": form,
        "errors": errors,
        "teams": _teams(request.workspace),
        "sources": SOURCES,
        "chosen_sources": form.get("sources") or [],
        "days": list(DAY_NAMES.items()),
        "chosen_days": form.get("weekdays") or [],
        "arrivals": [("", "any time"), *((k, f"arriving {v}") for k, v in rules.ARRIVED.items())],
    }
    return render(request, "leads/rule_form.html", context, status=status)


def _rule_edit(request, position: int | None):
    workspace = request.workspace
    listed = rules.rule_rows(workspace)
    if position is not None and not 0 <= position < len(listed):
        raise Http404("no such routing rule")
    if request.method == "POST":
        post = request.POST
        data = {
            "name": post.get("name", ""),
            "team": post.get("team", ""),
            "territory": _split(post.get("territory", "")),
            "products": _split(post.get("products", "")),
            "sources": post.getlist("sources"),
            "min_score": post.get("min_score", ""),
            "weekdays": post.getlist("weekdays"),
            "hour_from": post.get("hour_from", ""),
            "hour_to": post.get("hour_to", ""),
            "arrived": post.get("arrived", ""),
            "place": post.get("place", ""),
        }
        try:
            saved = rules.save_rule(workspace, data, position=position, actor=request.user)
        except ValidationFailed as error:
            form = {
                **data,
                "territory": post.get("territory", ""),
                "products": post.get("products", ""),
            }
            return _rule_page(request, position, form, error.errors, status=422)
        messages.success(request, f"Routing rule '{saved.name}' saved.")
        return redirect("lead-routing")
    if position is None:
        form = {"place": ""}
    else:
        row = listed[position]
        form = {
            **row,
            "territory": ", ".join(row["territory"]),
            "products": ", ".join(row["products"]),
            "min_score": "" if row["min_score"] is None else f"{row['min_score']:g}",
            "hour_from": "" if row["hour_from"] is None else row["hour_from"],
            "hour_to": "" if row["hour_to"] is None else row["hour_to"],
            "place": position + 1,
        }
    return _rule_page(request, position, form, {})


@page("leads.configure")
def rule_new(request):
    return _rule_edit(request, None)


@page("leads.configure")
def rule_edit(request, position: int):
    return _rule_edit(request, position)


@require_POST
@page("leads.configure")
def rule_delete(request, position: int):
    try:
        rules.remove_rule(request.workspace, position, actor=request.user)
    except ValidationFailed as error:
        return _routing_page(request, error.errors)
    messages.success(request, "Routing rule removed.")
    return redirect("lead-routing")


def _agent_page(request, agent, form, errors, status=200):
    context = {
        "agent": agent,
        "zone": form.get("zone")
        or staff.agent_zone(
            request.workspace, getattr(agent, "location_id", None), getattr(agent, "shift", None)
        ),
        "form": form,
        "errors": errors,
        "members": [("", "choose a member")]
        + [(m.user.username, m.user.username) for m in members(request.workspace)],
        "location_options": [("", FALLBACK)]
        + [(loc.code, loc.name) for loc in locations(request.workspace)],
    }
    return render(request, "leads/agent_form.html", context, status=status)


def _agent_edit(request, agent: Agent | None):
    workspace = request.workspace
    if request.method == "POST":
        post = request.POST
        data = {name: post.get(name, "") for name in AGENT_FIELDS}
        data["is_manager"] = post.get("is_manager") == "on"
        data["shift"] = _hours_from_post(post)
        zone = _zone(workspace, post, agent)
        data["away_until"] = _away_from_post(post.get("away_until", ""), zone)
        if agent is not None:
            data.pop("user")
        try:
            saved = staff.save_agent(
                workspace, data, agent_id=agent.pk if agent else None, actor=request.user
            )
        except ValidationFailed as error:
            form = {
                name: post.get(name, "") for name in (*AGENT_FIELDS, *SHIFT_FIELDS, "away_until")
            }
            form["is_manager"], form["zone"] = data["is_manager"], zone
            errors = _shift_errors(error.errors, "shift")
            if "away_until" in errors:
                errors["away_until"] = "must be a date and time (2026-12-24 09:00), or empty"
            return _agent_page(request, agent, form, errors, status=422)
        messages.success(request, f"Agent '{saved.user.username}' saved.")
        return redirect("lead-routing")
    if agent is None:
        form = {"weight": "1", "max_open": "25", "timezone": ""}
    else:
        codes = {loc.pk: loc.code for loc in locations(workspace)}
        shift = agent.shift or {}
        form = {
            "location": codes.get(agent.location_id, ""),
            "weight": f"{agent.weight:g}",
            "max_open": agent.max_open,
            "team": agent.team,
            "phone": agent.phone,
            "is_manager": agent.is_manager,
            "timezone": shift.get("timezone", ""),
            "weekly": staff.weekly_text(shift.get("weekly") or {}),
            "holidays": ", ".join(shift.get("holidays") or []),
            "away_until": "",
        }
        if _away(agent, clock.now()):
            zone = staff.agent_zone(workspace, agent.location_id, agent.shift)
            local = agent.away_until.astimezone(ZoneInfo(zone))
            form["away_until"] = f"{local:%Y-%m-%dT%H:%M}"
    return _agent_page(request, agent, form, {})


def _agent(request, agent_id: int) -> Agent:
    agent = (
        Agent.objects.filter(workspace=request.workspace, pk=agent_id)
        .select_related("user")
        .first()
    )
    if agent is None:
        raise Http404("no such agent")
    return agent


@page("leads.configure")
def agent_new(request):
    return _agent_edit(request, None)


@page("leads.configure")
def agent_edit(request, agent_id: int):
    return _agent_edit(request, _agent(request, agent_id))


@require_POST
@page("leads.configure")
def agent_delete(request, agent_id: int):
    agent = _agent(request, agent_id)
    try:
        staff.remove_agent(request.workspace, agent.pk, actor=request.user)
    except ValidationFailed as error:
        messages.error(request, str(error))
        return redirect("lead-agent", agent.pk)
    messages.success(request, f"Agent '{agent.user.username}' removed.")
    return redirect("lead-routing")


@page("leads.configure")
def locating_settings(request):
    """The order of the locating steps, each location's area, and postal centroids."""
    workspace = request.workspace
    setup = locating.setup(workspace)
    codes = {loc.pk: loc.code for loc in locations(workspace)}
    names = _names(workspace)
    form: dict = {f"step_{i}": step for i, step in enumerate(setup["steps"])}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        post, form = request.POST, request.POST
        steps = [post.get(f"step_{i}") for i in range(len(locating.STEPS))]
        areas = setup["areas"]
        centroids = []
        what = post.get("form")
        try:
            if what == "area":
                code = post.get("code", "")
                area = {"code": code, "postal_codes": _split(post.get("postal_codes", ""))}
                for key in ("latitude", "longitude"):
                    area[key] = post.get(key, "").strip() or None
                areas = [a for a in areas if a["code"] != code] + [area]
            elif what == "area-remove":
                areas = [a for a in areas if a["code"] != post.get("code")]
            elif what == "centroid":
                centroids = [
                    {
                        "postal_code": post.get("postal_code", "").strip(),
                        "latitude": post.get("centroid_latitude", "").strip(),
                        "longitude": post.get("centroid_longitude", "").strip(),
                    }
                ]
            steps = [s for s in steps if s] if what == "steps" else setup["steps"]
            locating.configure(
                workspace, steps=steps, areas=areas, centroids=centroids, actor=request.user
            )
        except ValidationFailed as error:
            errors = {_locating_field(path): why for path, why in error.errors.items()}
            status = 422
        else:
            messages.success(request, "How leads are located is saved.")
            return redirect("lead-locating")
    area_rows = [
        {
            "pk": area.pk,
            "code": codes.get(area.location_id, ""),
            "location": names.get(area.location_id, ""),
            "postal_codes": ", ".join(area.postal_codes) or "—",
            "latitude": area.latitude,
            "longitude": area.longitude,
        }
        for area in LocationArea.objects.filter(workspace=workspace).order_by("location_id")
    ]
    area_table = Table(
        request,
        area_rows,
        [
            Column("location", "Location", sortable=True),
            Column("postal_codes", "Postal codes (or prefixes)"),
            Column("latitude", "Latitude", format="decimal"),
            Column("longitude", "Longitude", format="decimal"),
        ],
        default_sort="location",
        caption="Where each location serves",
        empty_title="No areas yet.",
        empty_hint="Give a location its postal codes or its place (postal and nearest steps).",
    )
    context = {
        "form": form,
        "errors": errors,
        "areas": area_table,
        "area_codes": [row["code"] for row in area_rows],
        "centroids": PostalCentroid.objects.filter(workspace=workspace).count(),
        "step_options": [("", "—")] + [(s, locating.STEP_NAMES[s]) for s in locating.STEPS],
        "step_fields": [(i, form.get(f"step_{i}", "")) for i in range(len(locating.STEPS))],
        "location_options": [(loc.code, loc.name) for loc in locations(workspace)],
    }
    return render(request, "leads/locating.html", context, status=status)


def _locating_field(path: str) -> str:
    """``areas[2].postal_codes`` → ``postal_codes``, ``centroids[0].latitude`` →
    ``centroid_latitude``, ``steps[1]`` → ``steps``: the page's field names."""
    if path.startswith("centroids["):
        rest = path.split("].", 1)[-1]
        return rest if rest == "postal_code" else f"centroid_{rest}"
    if path.startswith("areas["):
        rest = path.split("].", 1)[-1] if "]." in path else "code"
        return rest
    return "steps" if path.startswith("steps") else path
