"""Teams' weekly reviews and the location scoreboard over the REST API (under
``/api/teams/``, beside ``api``): read a team's reviews, record a decision or a
follow-up action in a week's review, mark an action done, as on the review page; the
per-location scoreboard of the locations the reader may see."""

from datetime import date, datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from pacer.core import clock
from pacer.core.api_schema import (
    BODY_ERRORS,
    ERRORS,
    MAX_OFFSET,
    NOT_FOUND,
    Day,
    Id,
    Number,
    check_order,
    text,
)
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.teams import actions, selectors
from pacer.teams.api import TeamKey, team_of
from pacer.teams.models import ReviewItemKind
from pacer.web.formats import person

router = Router(tags=["teams"])


class ReviewItemOut(Schema):
    id: int
    kind: Literal[tuple(ReviewItemKind.values)]
    text: str
    owner_id: int | None = Field(description="the membership id of an action's owner")
    owner: str = Field(description="the owner's name; empty for none")
    due_on: date | None
    done_at: datetime | None
    week: date = Field(description="the Monday of the review it was recorded in")


class ReviewOut(Schema):
    week: date = Field(description="the Monday the review's week starts on")
    notes: str
    items: list[ReviewItemOut] = Field(description="decisions and actions, in recorded order")


class ReviewDetailOut(ReviewOut):
    open_actions: list[ReviewItemOut] = Field(
        description="actions of earlier reviews not done yet, oldest due first"
    )


class TeamReviewsQuery(Schema):
    limit: int = Field(12, ge=1, le=100)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ReviewItemIn(Schema):
    kind: Literal[tuple(ReviewItemKind.values)] = Field(examples=["action"])
    text: text(actions.TEXT_LENGTH, min_length=1)
    owner_id: Id | None = Field(None, description="a membership id; an action needs one")
    due_on: Day | None = Field(None, description="an action needs one, not before the week")
    notes: text(20_000) | None = Field(None, description="the review's notes; none: kept")


def _item_out(item, week: date) -> dict:
    return {
        "id": item.pk,
        "kind": item.kind,
        "text": item.text,
        "owner_id": item.owner_id,
        "owner": person(item.owner.user) if item.owner else "",
        "due_on": item.due_on,
        "done_at": item.done_at,
        "week": week,
    }


def _review_out(review) -> dict:
    return {
        "week": review.week,
        "notes": review.notes,
        "items": [_item_out(item, review.week) for item in review.items.all()],
    }


def _monday(value: date) -> date:
    errors: dict[str, str] = {}
    found = actions.parse_week(value, "week", errors)
    if errors:
        raise ValidationFailed(errors)
    return found


@router.get("/{key}/reviews", response={200: list[ReviewOut], **ERRORS, **NOT_FOUND})
@endpoint("teams.view")
def list_reviews(request, key: TeamKey, query: Query[TeamReviewsQuery]):
    """A team's weekly reviews, newest week first, each with its decisions and actions."""
    found = selectors.reviews(team_of(request, key))
    return [_review_out(r) for r in found[query.offset : query.offset + query.limit]]


@router.get("/{key}/reviews/{week}", response={200: ReviewDetailOut, **ERRORS, **NOT_FOUND})
@endpoint("teams.view")
def get_review(request, key: TeamKey, week: Day):
    """The review of the week of ``week`` (any day of it) with the actions of earlier
    reviews still open; 404 naming ``week`` when nothing was recorded that week."""
    team, monday = team_of(request, key), _monday(week)
    found = selectors.reviews(team, week=monday).first()
    if found is None:
        raise NotFound("week", f"no review of the week of {monday} for this team")
    earlier = [_item_out(i, i.review.week) for i in selectors.open_actions(team, monday)]
    return {**_review_out(found), "open_actions": earlier}


@router.post(
    "/{key}/reviews/{week}/items",
    response={201: ReviewItemOut, **ERRORS, **NOT_FOUND, **BODY_ERRORS},
)
@endpoint("teams.manage")
def add_review_item(request, key: TeamKey, week: Day, payload: ReviewItemIn):
    """Record a decision, or a follow-up action (``owner_id`` and ``due_on`` required),
    in the review of the week of ``week`` (made with its first item); ``notes`` replaces
    the review's notes when sent. Audited; a refusal (422 naming the field) records
    nothing."""
    item = actions.add_review_item(
        team_of(request, key),
        week=week,
        kind=payload.kind,
        text=payload.text,
        owner_id=payload.owner_id,
        due_on=payload.due_on,
        notes=payload.notes,
        actor=request.user,
    )
    return Status(201, _item_out(item, item.review.week))


@router.post(
    "/{key}/reviews/actions/{item_id}/done",
    response={200: ReviewItemOut, **ERRORS, **NOT_FOUND},
)
@endpoint("teams.manage")
def complete_action(request, key: TeamKey, item_id: Id):
    """Mark a follow-up action of the team done (once: 422 naming ``item_id`` when it
    is done already or is no action of this team)."""
    item = actions.complete_action(team_of(request, key), item_id, actor=request.user)
    return _item_out(item, item.review.week)


class LocationScoreboardQuery(Schema):
    start: Day | None = Field(None, description="default: the first day of this month")
    end: Day | None = Field(None, description="inclusive; default: today")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end, info):
        return check_order(info.data.get("start"), end, "start")


class LocationScoreOut(Schema):
    location_id: int
    code: str
    name: str
    spend: Number
    leads: Number
    new_customers: Number
    revenue: Number
    cac: Number
    romi: Number
    repeat_rate: Number
    retention: Number
    speed_to_lead: Number = Field(description="median minutes to answer its leads")
    answered_leads: int
    nps: Number
    nps_answers: int
    nps_se: Number = Field(description="the standard error of the NPS")
    csat: Number
    rating: Number = Field(description="the mean imported review rating")
    ratings: int


@router.get("/scoreboard/locations", response={200: list[LocationScoreOut], **ERRORS})
@endpoint("locations.scoreboard")
def location_scoreboard(request, query: Query[LocationScoreboardQuery]):
    """Per location, by name: marketing results (spend, leads, new customers, revenue,
    CAC, ROMI, repeat rate, retention), speed to lead and the CX signals (NPS, CSAT,
    review rating) from ``start`` to ``end``; staff see only the locations they take
    leads for, as on the page."""
    today = timezone.localdate(clock.now())
    end = query.end or today
    start = query.start or end.replace(day=1)
    if end < start:
        raise ValidationFailed({"start": "must not be after end"})
    user_id = getattr(request.user, "pk", None)
    only = selectors.visible_locations(request.workspace, user_id, request.role)
    return selectors.location_scoreboard(request.workspace, start, end, only=only)
