"""Who gets a lead, over the REST API (``/api/leads/settings/...``): routing rules,
agents with their shifts, opening hours, the locating rule and the follow-up SLAs.
Every write goes through the same actions as the settings pages."""

from datetime import date, datetime
from typing import Annotated, Literal

from ninja import Field, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id, finite, text
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.leads import escalation, fallback, locating, rules, sla, staff
from pacer.leads.models import (
    SOURCES,
    Agent,
    EscalateTo,
    FormEscalation,
    LeadForm,
    LocationHours,
    SlaPolicy,
)
from pacer.people.selectors import locations

router = Router(tags=["leads"])

Name = text(200, min_length=1)
LocationCode = text(60, min_length=1)
Team = text(40, pattern=r"^[a-z0-9_-]*$")
Clock = text(5, min_length=4, pattern=r"^\d{1,2}:\d{2}$")
Interval = Annotated[list[Clock], Field(min_length=2, max_length=2, description="opens, closes")]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class HoursIO(Schema):
    timezone: text(60, min_length=1, examples=["Europe/London"])
    weekly: dict[Weekday, Annotated[list[Interval], Field(max_length=10)]] = Field(
        {}, description='opening intervals per weekday, e.g. {"mon": [["09:00", "17:00"]]}'
    )
    holidays: list[date] = Field([], max_length=366)


class RuleIO(Schema):
    name: text(100, min_length=1)
    team: text(40, min_length=1, pattern=r"^[a-z0-9_-]+$")
    territory: list[Name] = Field([], max_length=rules.MAX_LISTED, description="codes or regions")
    products: list[Name] = Field([], max_length=rules.MAX_LISTED)
    sources: list[Literal[SOURCES]] = Field([], max_length=len(SOURCES))
    min_score: finite(ge=-1e9, le=1e9) | None = None
    weekdays: list[Weekday] = Field(
        [], max_length=7, description="days of arrival in the location's zone; empty: any"
    )
    hour_from: int | None = Field(
        None, ge=0, le=23, description="arrived from this hour (location's zone)"
    )
    hour_to: int | None = Field(
        None, ge=1, le=24, description="... to before this hour; 22 to 6 crosses midnight"
    )
    arrived: Literal["", "open", "closed"] = Field(
        "", description="inside (open) or outside (closed) the location's opening hours"
    )


class RulesIO(Schema):
    rules: list[RuleIO] = Field(max_length=rules.MAX_RULES, description="tried in this order")


class AgentChange(Schema):
    location: text(40) = Field("", description="a location code; empty: the fallback queue")
    weight: finite(ge=0, le=staff.MAX_WEIGHT) = 1.0
    max_open: int = Field(25, ge=1, le=staff.MAX_OPEN)
    is_manager: bool = False
    team: Team = ""
    phone: text(40) = ""
    shift: HoursIO | None = Field(None, description="none: takes leads at any time")
    away_until: datetime | None = Field(
        None,
        description="time off: no new leads until then (ISO 8601 with its offset), at every "
        "location the member serves, their unanswered leads handed to someone available; "
        "none: not away",
        examples=["2026-12-24T09:00:00+00:00"],
    )


class AgentIn(AgentChange):
    user: text(150, min_length=1, description="a member's username")


class AgentOut(Schema):
    id: int
    user: str
    location: str
    weight: float
    max_open: int
    is_manager: bool
    team: str
    phone: str
    shift: HoursIO | None
    away_until: datetime | None


class SlaIn(Schema):
    stage: text(40, min_length=1, examples=["lead"]) = Field(description="an open stage")
    location: text(40) = Field("", description="a location code; empty: every other location")
    respond_minutes: int = Field(ge=1, le=sla.MAX_MINUTES, description="working minutes")
    remind_minutes: int = Field(
        5, ge=0, le=sla.MAX_MINUTES, description="before the deadline; less than respond"
    )
    reassign_minutes: int = Field(
        30, ge=1, le=sla.MAX_MINUTES, description="after the deadline: to someone else"
    )
    next_touch_minutes: int | None = Field(
        None,
        ge=1,
        le=sla.MAX_MINUTES,
        description="after each response, the next touch within these working minutes "
        "(more than remind_minutes); null: no next-touch deadline",
    )
    touch_reassign_minutes: int | None = Field(
        None,
        ge=1,
        le=sla.MAX_MINUTES,
        description="working minutes after a missed next touch at which the lead goes to "
        "the next available agent (its owner left out); needs next_touch_minutes; "
        "null: kept by its owner",
    )


class SlaOut(SlaIn):
    id: int


class FollowUpIO(Schema):
    follow_up_minutes: int = Field(
        ge=sla.MIN_FOLLOW_UP_MINUTES,
        le=sla.MAX_MINUTES,
        description="working minutes from a lead's arrival to its follow-up (its owner's "
        f"task and reminder) when no SLA policy gives it a deadline; "
        f"{sla.MIN_FOLLOW_UP_MINUTES} to {sla.MAX_MINUTES}",
        examples=[sla.DEFAULT_FOLLOW_UP_MINUTES],
    )


class LocationFollowUpIn(Schema):
    follow_up_minutes: int | None = Field(
        description="the location's own follow-up time (working minutes, "
        f"{sla.MIN_FOLLOW_UP_MINUTES} to {sla.MAX_MINUTES}); null: the workspace's",
        examples=[60],
    )


class LocationFollowUpOut(Schema):
    location: str = Field(description="the location's code")
    follow_up_minutes: int | None = Field(description="its own; null: the workspace's")
    applies_minutes: int = Field(
        description="what its new leads get: its own, else the workspace's"
    )


class StepIO(Schema):
    delay_minutes: int = Field(
        ge=0, le=sla.MAX_MINUTES, description="working minutes after the missed deadline"
    )
    to: Literal[tuple(EscalateTo.values)]
    user: text(150) = Field("", description='a member\'s username (to "user")')
    address: text(254) = Field("", description='a team inbox (to "email")')


class ChainIO(Schema):
    location: text(40) = Field("", description="a location code; empty: every other location")
    steps: list[StepIO] = Field(
        min_length=1, max_length=escalation.MAX_STEPS, description="in order of delay"
    )


class FormChainIn(Schema):
    mode: Literal[tuple(FormEscalation.values)] = Field(
        description="default: the location's or workspace's chain; none: no escalation; "
        "own: the steps given"
    )
    steps: list[StepIO] = Field(
        [], max_length=escalation.MAX_STEPS, description='only with mode "own", in order of delay'
    )


class FormChainOut(FormChainIn):
    form: str = Field(description="the form's key")


class LocationHoursIO(HoursIO):
    location: text(40) = Field("", description="a location code; empty: the default")


class FallbackOwnerIO(Schema):
    location: text(40) = Field("", description="a location code; empty: every other location")
    user: text(150, min_length=1) = Field(
        description="a member's username: takes the location's leads nobody else can"
    )


class AreaIO(Schema):
    code: text(40, min_length=1)
    postal_codes: list[text(20, min_length=1)] = Field([], max_length=locating.MAX_CODES)
    latitude: finite(ge=-90, le=90) | None = None
    longitude: finite(ge=-180, le=180) | None = None


class CentroidIn(Schema):
    postal_code: text(20, min_length=1)
    latitude: finite(ge=-90, le=90)
    longitude: finite(ge=-180, le=180)


class LocatingIn(Schema):
    steps: list[Literal[locating.STEPS]] = Field(min_length=1, max_length=len(locating.STEPS))
    areas: list[AreaIO] = Field([], max_length=5000, description="replaces every area")
    centroids: list[CentroidIn] = Field([], max_length=10_000, description="added or updated")


class LocatingOut(Schema):
    steps: list[str]
    areas: list[AreaIO]
    centroids: int = Field(description="how many postal centroids the workspace has")


def _hours_json(hours: HoursIO | None) -> dict:
    if hours is None:
        return {}
    data = hours.dict()
    data["holidays"] = [day.isoformat() for day in hours.holidays]
    return data


def _agents(workspace, agent_id: int | None = None) -> list[dict]:
    codes = {loc.pk: loc.code for loc in locations(workspace)}
    found = Agent.objects.filter(workspace=workspace).select_related("user").order_by("id")
    if agent_id is not None:
        found = found.filter(pk=agent_id)
    return [
        {
            "id": agent.pk,
            "user": agent.user.username,
            "location": codes.get(agent.location_id, ""),
            "weight": agent.weight,
            "max_open": agent.max_open,
            "is_manager": agent.is_manager,
            "team": agent.team,
            "phone": agent.phone,
            "shift": agent.shift or None,
            "away_until": agent.away_until,
        }
        for agent in found
    ]


@router.get("/settings/routing", response={200: RulesIO, **ERRORS})
@endpoint("leads.configure")
def get_rules(request):
    return {"rules": rules.rule_rows(request.workspace)}


@router.put("/settings/routing", response={200: RulesIO, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_rules(request, payload: RulesIO):
    """Replace the routing rules (each team must have an agent)."""
    rules.set_rules(request.workspace, [r.dict() for r in payload.rules], actor=request.user)
    return {"rules": rules.rule_rows(request.workspace)}


@router.get("/settings/agents", response={200: list[AgentOut], **ERRORS})
@endpoint("leads.configure")
def list_agents(request):
    return _agents(request.workspace)


@router.post("/settings/agents", response={201: AgentOut, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def add_agent(request, payload: AgentIn):
    """Make a member an agent of a location (or of the fallback queue)."""
    data = {**payload.dict(), "shift": _hours_json(payload.shift)}
    agent = staff.save_agent(request.workspace, data, actor=request.user)
    return Status(201, _agents(request.workspace, agent.pk)[0])


def _agent_id(request, agent_id: int) -> int:
    if not Agent.objects.filter(workspace=request.workspace, pk=agent_id).exists():
        raise NotFound("agent_id", "no such agent in this workspace")
    return agent_id


@router.put(
    "/settings/agents/{agent_id}",
    response={200: AgentOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("leads.configure")
def change_agent(request, agent_id: Id, payload: AgentChange):
    """Replace an agent's location, share, cap, team, phone, shift and time off (left
    out: not away). Time off is the member's: it applies at every location they serve."""
    data = {**payload.dict(), "shift": _hours_json(payload.shift)}
    staff.save_agent(
        request.workspace, data, agent_id=_agent_id(request, agent_id), actor=request.user
    )
    return _agents(request.workspace, agent_id)[0]


@router.delete("/settings/agents/{agent_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def remove_agent(request, agent_id: Id):
    """Take an agent off the rotation (their open leads stay theirs)."""
    staff.remove_agent(request.workspace, _agent_id(request, agent_id), actor=request.user)
    return Status(204, None)


@router.get("/settings/hours", response={200: list[LocationHoursIO], **ERRORS})
@endpoint("leads.configure")
def list_hours(request):
    codes = {loc.pk: loc.code for loc in locations(request.workspace)}
    return [
        {
            "location": codes.get(row.location_id, ""),
            "timezone": row.timezone,
            "weekly": row.weekly,
            "holidays": row.holidays,
        }
        for row in LocationHours.objects.filter(workspace=request.workspace).order_by("id")
    ]


@router.put("/settings/hours", response={200: LocationHoursIO, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_hours(request, payload: LocationHoursIO):
    """Set one location's opening hours (or the default's)."""
    staff.set_hours(request.workspace, payload.location, _hours_json(payload), actor=request.user)
    return payload


@router.get("/settings/locating", response={200: LocatingOut, **ERRORS})
@endpoint("leads.configure")
def get_locating(request):
    return locating.setup(request.workspace)


@router.put("/settings/locating", response={200: LocatingOut, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_locating(request, payload: LocatingIn):
    """Set the steps, replace the areas and add the centroids."""
    locating.configure(
        request.workspace,
        steps=list(payload.steps),
        areas=[area.dict() for area in payload.areas],
        centroids=[c.dict() for c in payload.centroids],
        actor=request.user,
    )
    return locating.setup(request.workspace)


@router.get("/settings/sla", response={200: list[SlaOut], **ERRORS})
@endpoint("leads.configure")
def list_sla(request):
    return sla.policy_rows(request.workspace)


@router.put("/settings/sla", response={200: SlaOut, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_sla(request, payload: SlaIn):
    """Set the SLA of a stage at a location (replacing the one it has)."""
    policy = sla.save_policy(request.workspace, payload.dict(), actor=request.user)
    return next(row for row in sla.policy_rows(request.workspace) if row["id"] == policy.pk)


@router.delete("/settings/sla/{policy_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def remove_sla(request, policy_id: Id):
    """Remove an SLA policy (its leads then follow the every-location one, if any)."""
    if not SlaPolicy.objects.filter(workspace=request.workspace, pk=policy_id).exists():
        raise NotFound("policy_id", "no such SLA policy in this workspace")
    sla.remove_policy(request.workspace, policy_id, actor=request.user)
    return Status(204, None)


@router.get("/settings/follow-up", response={200: FollowUpIO, **ERRORS})
@endpoint("leads.configure")
def get_follow_up(request):
    """The follow-up time of leads without an SLA deadline."""
    return {"follow_up_minutes": sla.follow_up_minutes(request.workspace)}


@router.put("/settings/follow-up", response={200: FollowUpIO, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_follow_up(request, payload: FollowUpIO):
    """Set the follow-up time of leads without an SLA deadline; applies to leads whose
    clock starts after it (open leads keep theirs)."""
    minutes = sla.save_follow_up(request.workspace, payload.dict(), actor=request.user)
    return {"follow_up_minutes": minutes}


@router.get("/settings/follow-up/locations", response={200: list[LocationFollowUpOut], **ERRORS})
@endpoint("leads.configure")
def list_location_follow_ups(request):
    """The locations with their own follow-up time (the others use the workspace's)."""
    return [
        {**row, "applies_minutes": row["follow_up_minutes"]}
        for row in sla.follow_up_rows(request.workspace)
    ]


@router.put(
    "/settings/follow-up/locations/{location}",
    response={200: LocationFollowUpOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("leads.configure")
def put_location_follow_up(request, location: LocationCode, payload: LocationFollowUpIn):
    """Set a location's own follow-up time, or (null) remove it: its leads then use the
    workspace's. Applies to leads whose clock starts after it."""
    if location not in {loc.code for loc in locations(request.workspace)}:
        raise NotFound("location", f"no location '{location}' in this workspace")
    minutes = sla.save_follow_up(
        request.workspace,
        {"location": location, "follow_up_minutes": payload.follow_up_minutes},
        actor=request.user,
    )
    return {
        "location": location,
        "follow_up_minutes": minutes,
        "applies_minutes": sla.follow_up_minutes(request.workspace) if minutes is None else minutes,
    }


@router.get("/settings/escalation", response={200: list[ChainIO], **ERRORS})
@endpoint("leads.configure")
def list_escalation(request):
    """Every escalation chain: the location's own, and "" for every other location."""
    return escalation.chain_rows(request.workspace)


@router.put("/settings/escalation", response={200: ChainIO, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_escalation(request, payload: ChainIO):
    """Set a location's escalation chain (replacing the one it has); applies to leads
    assigned after it."""
    escalation.save_chain(request.workspace, payload.dict(), actor=request.user)
    return next(
        row
        for row in escalation.chain_rows(request.workspace)
        if row["location"] == payload.location
    )


@router.delete("/settings/escalation", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def remove_escalation(request, location: text(40) = ""):
    """Remove a location's own chain (its leads then follow the every-location one, else
    the location's managers at the deadline)."""
    try:
        escalation.remove_chain(request.workspace, location, actor=request.user)
    except ValidationFailed as refused:
        raise NotFound("location", refused.errors["location"]) from None
    return Status(204, None)


@router.get("/settings/fallback-owners", response={200: list[FallbackOwnerIO], **ERRORS})
@endpoint("leads.configure")
def list_fallback_owners(request):
    """Who takes the leads nobody else can: each location's own, "" for every other."""
    return fallback.owner_rows(request.workspace)


@router.put("/settings/fallback-owners", response={200: FallbackOwnerIO, **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_fallback_owner(request, payload: FallbackOwnerIO):
    """Set a location's fallback owner (or every other location's): the member who takes
    a lead when every agent is away, off shift or at their cap (else the managers are
    alerted)."""
    fallback.set_owner(request.workspace, payload.location, payload.user, actor=request.user)
    return payload


@router.delete("/settings/fallback-owners", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("leads.configure")
def remove_fallback_owner(request, location: text(40) = ""):
    """Remove a location's fallback owner (its leads then fall back to every other
    location's, else alert the managers)."""
    try:
        fallback.set_owner(request.workspace, location, "", actor=request.user)
    except ValidationFailed as refused:
        raise NotFound("location", refused.errors["location"]) from None
    return Status(204, None)


def _form_key(request, key: str) -> str:
    if not LeadForm.objects.filter(workspace=request.workspace, key=key).exists():
        raise NotFound("form", "no such form in this workspace")
    return key


@router.get("/settings/escalation/forms", response={200: list[FormChainOut], **ERRORS})
@endpoint("leads.configure")
def list_form_escalation(request):
    """How each form's leads escalate, by form key."""
    keys = LeadForm.objects.filter(workspace=request.workspace).order_by("key")
    return [
        escalation.form_chain(request.workspace, key) for key in keys.values_list("key", flat=True)
    ]


@router.get(
    "/settings/escalation/forms/{form}", response={200: FormChainOut, **ERRORS, **NOT_FOUND}
)
@endpoint("leads.configure")
def get_form_escalation(request, form: text(100, min_length=1)):
    """How one form's leads escalate."""
    return escalation.form_chain(request.workspace, _form_key(request, form))


@router.put(
    "/settings/escalation/forms/{form}",
    response={200: FormChainOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("leads.configure")
def put_form_escalation(request, form: text(100, min_length=1), payload: FormChainIn):
    """Set how one form's leads escalate (its own chain, none, or the default); applies to
    leads assigned after it."""
    return escalation.save_form_chain(
        request.workspace, _form_key(request, form), payload.dict(), actor=request.user
    )
