"""A board's sprints over the REST API: list, make, read (with its burndown and burnup
figures), edit and complete one, and plan a card into one or back to the backlog
(``pacer.work.sprints``). Bad input is 422 naming the
field; a sprint of another workspace is 404."""

from datetime import date, datetime

from ninja import Field, Router, Schema, Status

from pacer.core import clock
from pacer.core.api_schema import ERRORS, NOT_FOUND, Day, Id, text
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.work import selectors, sprint_report, sprints
from pacer.work.api import WRITE, CardOut, Slug, _board, _card, _card_out
from pacer.work.models import Sprint

router = Router(tags=["work"])
Weeks = int | None


class SprintIn(Schema):
    name: text(100, min_length=1)
    start: Day = Field(description="its first day")
    weeks: int = Field(ge=1, le=4, description="1 to 4 whole weeks")
    capacity: int = Field(ge=1, le=100_000, description="the points the team can take on")
    goal: text(300) = ""


class SprintPatchIn(Schema):
    """Only the fields sent change (under the rules of a new sprint)."""

    name: text(100, min_length=1) | None = None
    start: Day | None = Field(None, description="its first day (its length kept)")
    weeks: Weeks = Field(None, ge=1, le=4, description="1 to 4 whole weeks from its start")
    capacity: int | None = Field(None, ge=1, le=100_000, description="not below the points planned")
    goal: text(300) | None = None


class SprintCompleteIn(Schema):
    to: text(20, min_length=1) = Field(
        description="where its unfinished cards go: 'backlog' or another open sprint's id",
        examples=["backlog", "12"],
    )
    override_reason: text(300) = Field(
        "", description="why carrying them may take that sprint over its capacity"
    )


class PlanIn(Schema):
    sprint: Id | None = Field(
        description="an open sprint of the card's board; null: back to the backlog"
    )


class SprintOut(Schema):
    id: int
    board: str
    name: str
    goal: str
    start: date
    end: date = Field(description="its last day")
    capacity: int
    planned: int = Field(description="the estimate points of its cards (not archived)")
    completed_at: datetime | None
    done_points: int | None = Field(description="once completed: what it finished")
    carried: list[int] = Field(description="once completed: the cards carried on")
    carried_to: int | None = Field(description="the sprint they went to; none: the backlog")


class SprintDetailOut(SprintOut):
    days: list[date]
    scope: list[float] = Field(description="the points in scope at the end of each day")
    remaining: list[float | None] = Field(description="points left each day (none: not yet)")
    done: list[float | None] = Field(description="points done each day (none: not yet)")
    velocity: float | None = Field(description="mean points finished by the 3 sprints before")


def _sprint_out(sprint: Sprint) -> dict:
    return {
        "id": sprint.pk,
        "board": sprint.board.slug,
        "name": sprint.name,
        "goal": sprint.goal,
        "start": sprint.start,
        "end": sprint.end,
        "capacity": sprint.capacity,
        "planned": sprints.planned_points(sprint),
        "completed_at": sprint.completed_at,
        "done_points": sprint.done_points,
        "carried": [pk for pk, _, result in sprint.outcome if result == sprints.CARRIED],
        "carried_to": sprint.carried_to_id,
    }


def _sprint(request, sprint_id: int) -> Sprint:
    found = selectors.sprint(request.workspace, sprint_id)
    if found is None:
        raise NotFound("sprint_id", f"no sprint {sprint_id} in this workspace")
    return found


@router.get("/boards/{slug}/sprints", response={200: list[SprintOut], **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def list_sprints(request, slug: Slug):
    """The board's sprints, latest first."""
    return [_sprint_out(s) for s in selectors.sprints(_board(request, slug))]


@router.post("/boards/{slug}/sprints", response={201: SprintOut, **WRITE})
@endpoint("work.manage")
def create_sprint(request, slug: Slug, payload: SprintIn):
    """A sprint of 1 to 4 weeks, not overlapping another of the board (422 ``start``)."""
    sprint = sprints.create_sprint(_board(request, slug), actor=request.user, **payload.dict())
    return Status(201, _sprint_out(sprint))


@router.get("/sprints/{sprint_id}", response={200: SprintDetailOut, **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def get_sprint(request, sprint_id: Id):
    """The sprint with its burndown and burnup by day (archived cards out of its scope
    from the day they were archived)."""
    sprint = _sprint(request, sprint_id)
    report = sprint_report.sprint_report(sprint, today=clock.now().date())
    return {
        **_sprint_out(sprint),
        "days": report.days,
        "scope": report.scope_by_day,
        "remaining": report.remaining,
        "done": report.done,
        "velocity": report.velocity,
    }


@router.patch("/sprints/{sprint_id}", response={200: SprintOut, **WRITE})
@endpoint("work.manage")
def patch_sprint(request, sprint_id: Id, payload: SprintPatchIn):
    """Change an open sprint's name, goal, dates or capacity, all or nothing: a completed
    sprint is refused at ``sprint``, an overlap at ``start``, a capacity below the points
    planned at ``capacity``; ``null`` is refused (the goal: send "")."""
    changes = payload.dict(exclude_unset=True)
    nulls = sorted(f for f, v in changes.items() if v is None)
    if nulls:
        raise ValidationFailed(dict.fromkeys(nulls, "cannot be emptied"))
    if not changes:
        raise ValidationFailed({"body": "send at least one field to change"})
    sprint = sprints.update_sprint(_sprint(request, sprint_id), actor=request.user, **changes)
    return _sprint_out(sprint)


@router.post("/sprints/{sprint_id}/complete", response={200: SprintOut, **WRITE})
@endpoint("work.manage")
def complete_sprint(request, sprint_id: Id, payload: SprintCompleteIn):
    """Close the sprint: its done cards are its velocity, its unfinished ones go ``to`` the
    backlog or another open sprint (over that sprint's capacity: 422 ``to`` unless
    ``override_reason``). Completed already, or not begun: 422 ``sprint``; nothing
    written."""
    sprint = sprints.complete_sprint(
        _sprint(request, sprint_id),
        to=payload.to,
        now=clock.now(),
        override_reason=payload.override_reason,
        actor=request.user,
    )
    return _sprint_out(sprint)


@router.post("/cards/{card_id}/plan", response={200: CardOut, **WRITE})
@endpoint("work.edit")
def plan_card(request, card_id: Id, payload: PlanIn):
    """Put a card into a sprint of its board, or back in the backlog (``null``), as the
    sprint page's Add and To backlog do: a card with no estimate is refused at
    ``estimate``, one that would take the sprint over its capacity, or into or out of a
    completed sprint, at ``sprint``; another workspace's sprint is 404."""
    card = _card(request, card_id)
    target = None if payload.sprint is None else _sprint(request, payload.sprint)
    return _card_out(sprints.plan(card, target, actor=request.user))
