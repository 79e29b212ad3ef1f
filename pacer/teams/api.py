"""Teams over the REST API: list and create teams, set members and lead, set a KPI
target, read a team's scoreboard; review ratings; a survey's "send after an order"
trigger."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    NOT_FOUND,
    Day,
    Id,
    Number,
    check_order,
    finite,
    text,
)
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.people import selectors as people
from pacer.teams import actions, selectors, surveys, triggers
from pacer.teams.models import Team
from pacer.teams.registry import METRICS, exact_text, month_start

router = Router(tags=["teams"])

TeamKey = text(40, min_length=1, pattern=actions.KEY.pattern, examples=["performance"])
EXACT_TARGET = r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$"
MetricKey = text(40, min_length=1, pattern="^(" + "|".join(METRICS) + ")$", examples=["cac"])


class TeamIn(Schema):
    key: TeamKey
    name: text(100, min_length=1)
    purpose: text(300) = ""


class TeamUpdateIn(Schema):
    name: text(100, min_length=1)
    purpose: text(300) = ""
    member_ids: list[Id] = Field(default=[], max_length=1000, description="membership ids")
    lead_id: Id | None = Field(default=None, description="a membership id among member_ids")


class TeamOut(Schema):
    key: str
    name: str
    purpose: str
    lead_id: int | None
    member_ids: list[int]


ExactTarget = text(
    18,
    min_length=1,
    pattern=EXACT_TARGET,
    description="the target exactly, as a decimal string of at most 4 places (money to "
    "the cent, say '1234.56') and 15 significant digits; a count metric's (leads, new "
    "customers, content published) must be whole. Send this or `target`; sent with "
    "`target`, both must be the same number",
    examples=["1234.56"],
)
TARGET_EXACT_OUT = (
    "the stored target as a decimal string: a money metric's with at least 2 places "
    "('150.00'), others without trailing zeros ('0.25', '40')"
)


class TargetIn(Schema):
    metric: MetricKey
    month: Day = Field(description="any day of the month (its first day is kept)")
    target: finite(ge=-1e12, le=1e12) | None = Field(
        default=None,
        description="the target as a JSON number, rounded to 4 places (a float cannot "
        "carry every amount exactly: send `target_exact` for money); a count metric's "
        "must be whole",
    )
    target_exact: ExactTarget | None = None
    owner_id: Id | None = Field(default=None, description="the membership id of its owner")


class TargetOut(Schema):
    metric: str
    month: date
    target: float = Field(description="the stored target as a float (see `target_exact`)")
    target_exact: str = Field(description=TARGET_EXACT_OUT, examples=["1234.56"])
    owner_id: int | None


class ScoreOut(Schema):
    metric: str
    label: str
    target: Number
    target_exact: str | None = Field(description=TARGET_EXACT_OUT + "; null without one")
    actual: Number
    attainment: Number
    met: bool | None
    owner: str
    trend: list[Number] = Field(description="actuals of the months in `months`")
    business_target: bool = Field(
        False, description="at one location: the target is the business's total, not compared"
    )


class ScoreboardOut(Schema):
    team: str
    location: str | None = Field(description="the location's code; null: the whole business")
    month: date
    months: list[date]
    rows: list[ScoreOut]


def _out(team: Team) -> dict:
    return {
        "key": team.key,
        "name": team.name,
        "purpose": team.purpose,
        "lead_id": team.lead_id,
        "member_ids": sorted(team.members.values_list("membership_id", flat=True)),
    }


def team_of(request, key: str) -> Team:
    found = selectors.team(request.workspace, key)
    if found is None:
        raise NotFound("key", f"no team '{key}' in this workspace")
    return found


@router.get("", response={200: list[TeamOut], **ERRORS})
@endpoint("teams.view")
def list_teams(request):
    return [_out(team) for team in selectors.teams(request.workspace)]


@router.post("", response={201: TeamOut, **ERRORS, **BODY_ERRORS})
@endpoint("teams.manage")
def create(request, payload: TeamIn):
    team = actions.create_team(
        request.workspace,
        key=payload.key,
        name=payload.name,
        purpose=payload.purpose,
        actor=request.user,
    )
    return Status(201, _out(team))


class RatingIn(Schema):
    location: str = Field(description="the location's code")
    source: str = Field(description="where the review is from, e.g. google")
    external_id: str = Field(description="the review's id at its source")
    rating: float = Field(description="stars, 1 to 5")
    date: Day


class RatingsIn(Schema):
    rows: list[RatingIn]


class RatingsOut(Schema):
    created: int
    updated: int


@router.post("/ratings", response={200: RatingsOut, **ERRORS, **BODY_ERRORS})
@endpoint("cx.manage")
def import_ratings(request, payload: RatingsIn):
    """Review ratings per location, all or nothing (as the CSV import): a review sent
    again (same source and external_id) is updated, not counted twice. (Declared before
    the ``/{key}`` routes, which would take the path.)"""
    rows = [
        {**row.dict(), "rating": str(row.rating), "date": row.date.isoformat()}
        for row in payload.rows
    ]
    return surveys.record_ratings(request.workspace, rows, actor=request.user)


ClockTime = text(5, min_length=5, pattern=r"^[0-2][0-9]:[0-5][0-9]$", examples=["09:00"])


class SurveyTriggerIn(Schema):
    sender_id: Id = Field(description="the messaging sender the survey is emailed from")
    enabled: bool = Field(
        default=True,
        description="false: nothing new is asked about; switched on again, the trigger asks "
        "about orders and visits from that moment on, not those while it was off",
    )
    delay_days: int = Field(default=2, ge=0, le=triggers.MAX_DELAY_DAYS)
    send_from: ClockTime = Field(
        default="09:00",
        description="daytime start, in the order's location's zone (else the contact's)",
    )
    send_until: ClockTime = Field(
        default="18:00",
        description="daytime end, in the order's location's zone (else the contact's)",
    )
    locations: list[text(40, min_length=1)] = Field(
        default=[], max_length=1000, description="location codes; empty: every location"
    )
    ask_again_after_days: int = Field(default=90, ge=0, le=triggers.MAX_ASK_AGAIN_DAYS)
    purpose: text(60, min_length=1) = Field(default="marketing", description="consent purpose")
    visit_event: text(200) = Field(
        default="",
        description="also ask after each track event of this name (a store visit, an "
        "appointment), at the location its `location` property names, else the person's; "
        "empty: after orders only",
        examples=["Store Visited"],
    )


class TriggerLocationOut(Schema):
    location: str
    sent: int
    skipped: int
    answered: int
    response_rate: float | None


class SurveyTriggerOut(Schema):
    survey_id: int
    enabled: bool
    delay_days: int
    send_from: str
    send_until: str
    locations: list[str]
    ask_again_after_days: int
    sender_id: int
    purpose: str
    since: datetime = Field(
        description="orders placed from then on are asked about (set "
        "when the trigger was made or last switched on)"
    )
    visit_event: str
    visits_since: datetime | None = Field(
        description="visits from then on are asked about (set when the event was named or "
        "the trigger last switched on)"
    )
    sent: int
    answered: int
    response_rate: float | None
    by_location: list[TriggerLocationOut]


def _survey(request, survey_id: int):
    survey = selectors.survey(request.workspace, survey_id)
    if survey is None:
        raise NotFound("survey_id", "no such survey in this workspace")
    return survey


def _trigger_out(survey) -> dict:
    trigger = survey.trigger
    codes = {location.pk: location.code for location in people.locations(survey.workspace)}
    by_location = selectors.trigger_by_location(survey)
    sent = sum(row["sent"] for row in by_location)
    answered = sum(row["answered"] for row in by_location)
    return {
        "survey_id": survey.pk,
        "enabled": trigger.enabled,
        "delay_days": trigger.delay_days,
        "send_from": f"{trigger.send_from:%H:%M}",
        "send_until": f"{trigger.send_until:%H:%M}",
        "locations": [codes[pk] for pk in trigger.location_ids if pk in codes],
        "ask_again_after_days": trigger.ask_again_after_days,
        "sender_id": trigger.sender_id,
        "purpose": trigger.purpose,
        "since": trigger.since,
        "visit_event": trigger.visit_event,
        "visits_since": trigger.visits_since,
        "sent": sent,
        "answered": answered,
        "response_rate": answered / sent if sent else None,
        "by_location": by_location,
    }


@router.get("/surveys/{survey_id}/trigger", response={200: SurveyTriggerOut, **ERRORS, **NOT_FOUND})
@endpoint("cx.view")
def survey_trigger(request, survey_id: Id):
    """The survey's "send after an order or visit" trigger and what it sent and got
    answered, by the order's or visit's location (404 naming ``trigger`` without one)."""
    survey = _survey(request, survey_id)
    if not hasattr(survey, "trigger"):
        raise NotFound("trigger", "this survey has no trigger")
    return _trigger_out(survey)


@router.put(
    "/surveys/{survey_id}/trigger",
    response={200: SurveyTriggerOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("cx.manage")
def set_survey_trigger(request, survey_id: Id, payload: SurveyTriggerIn):
    """Set or change the trigger; a new one, or one switched on again, asks about orders
    placed from now on (not those while it was off), and a newly named ``visit_event``
    about those visits from now on."""
    survey = _survey(request, survey_id)
    triggers.save_trigger(survey, **payload.dict(), actor=request.user)
    survey.refresh_from_db()
    return _trigger_out(selectors.survey(request.workspace, survey.pk))


@router.get("/{key}", response={200: TeamOut, **ERRORS, **NOT_FOUND})
@endpoint("teams.view")
def get_team(request, key: TeamKey):
    """One team: name, purpose, lead and members (membership ids)."""
    return _out(team_of(request, key))


@router.put("/{key}", response={200: TeamOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("teams.manage")
def update(request, key: TeamKey, payload: TeamUpdateIn):
    team = actions.update_team(
        team_of(request, key),
        name=payload.name,
        purpose=payload.purpose,
        member_ids=list(payload.member_ids),
        lead_id=payload.lead_id,
        actor=request.user,
    )
    return _out(team)


class TargetsQuery(Schema):
    start: Day | None = Field(default=None, description="from this day's month (default: all)")
    end: Day | None = Field(default=None, description="to this day's month, inclusive")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end, info):
        return check_order(info.data.get("start"), end, "start")


def _target_out(target) -> dict:
    return {
        "metric": target.metric,
        "month": target.month,
        "target": float(target.target),
        "target_exact": exact_text(METRICS[target.metric], target.target),
        "owner_id": target.owner_id,
    }


@router.get("/{key}/targets", response={200: list[TargetOut], **ERRORS, **NOT_FOUND})
@endpoint("teams.view")
def list_targets(request, key: TeamKey, query: Query[TargetsQuery]):
    """A team's KPI targets, by month then metric: every one, or those of the months
    from ``start``'s to ``end``'s."""
    team = team_of(request, key)
    found = selectors.targets(
        team,
        start=month_start(query.start) if query.start else None,
        end=month_start(query.end) if query.end else None,
    )
    return [_target_out(target) for target in found]


@router.put("/{key}/targets", response={200: TargetOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND})
@endpoint("teams.manage")
def set_target(request, key: TeamKey, payload: TargetIn):
    """Set a team's target on a metric for a month: exactly from `target_exact` (a
    decimal string), or from the float `target` rounded to 4 places; 422 naming
    `target_exact` or `target` for a fractional count, more than 4 places, or the two
    disagreeing (nothing written)."""
    team = team_of(request, key)
    if payload.target_exact is None and payload.target is None:
        raise ValidationFailed({"target": "send target or target_exact"})
    both = payload.target_exact is not None and payload.target is not None
    if both and float(Decimal(payload.target_exact)) != payload.target:
        raise ValidationFailed(
            {"target": f"is not the same number as target_exact ({payload.target_exact})"}
        )
    exact = payload.target_exact is not None
    saved = actions.set_target(
        team,
        metric=payload.metric,
        month=payload.month,
        target=payload.target_exact if exact else payload.target,
        owner_id=payload.owner_id,
        actor=request.user,
        target_field="target_exact" if exact else "target",
    )
    return _target_out(saved)


@router.delete("/{key}/targets/{metric}/{month}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("teams.manage")
def remove_target(request, key: TeamKey, metric: MetricKey, month: Day):
    """Remove a team's target on a metric for the month of ``month`` (any day of it):
    the scoreboard no longer shows it; 404 naming ``metric`` when there is none."""
    if not actions.remove_target(
        team_of(request, key), metric=metric, month=month, actor=request.user
    ):
        raise NotFound("metric", f"no target on '{metric}' in {month:%Y-%m} for this team")
    return Status(204, None)


@router.get("/{key}/scoreboard", response={200: ScoreboardOut, **ERRORS, **NOT_FOUND})
@endpoint("teams.view")
def scoreboard(request, key: TeamKey, month: Day | None = None, location: text(40) | None = None):
    """Target, actual, attainment and owner per metric for the month (this month by
    default), with the actuals of the five months before; with ``location`` (a code of a
    location the caller may see: staff only those they take leads for) at that location."""
    team = team_of(request, key)
    place = None
    if location is not None:
        places = selectors.scoreboard_locations(request.workspace, request.user.pk, request.role)
        place = next((p for p in places if p.code == location), None)
        if place is None:
            raise ValidationFailed({"location": f"no location '{location}' you may see"})
    board = selectors.scoreboard(
        team, month_start(month or timezone.localdate()), location_id=place and place.pk
    )
    return {
        "team": team.key,
        "location": place and place.code,
        "month": board.month,
        "months": board.months,
        "rows": [
            {
                "metric": row.metric.key,
                "label": row.metric.label,
                "target": row.target,
                "target_exact": exact_text(row.metric, row.target_exact),
                "actual": row.actual,
                "attainment": row.attainment,
                "met": row.met,
                "owner": row.owner,
                "trend": row.trend,
                "business_target": row.business_target,
            }
            for row in board.rows
        ],
    }
