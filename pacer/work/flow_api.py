"""A board's flow metrics and stand-up, and "who works on what", over the REST API: the
figures the pages draw (``selectors.flow_report``, ``standup``, ``who_works_on_what``),
read only. A label of another board is 422 at ``label``; another workspace's board 404."""

from datetime import date, datetime

from ninja import Field, Query, Router, Schema

from pacer.core import clock
from pacer.core.api_schema import ERRORS, NOT_FOUND, Id
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import endpoint
from pacer.web import formats
from pacer.work import selectors
from pacer.work.api import Slug, _board

router = Router(tags=["work"])


class FlowQuery(Schema):
    weeks: int = Field(8, ge=1, le=52, description="whole weeks to the week of today")
    label: Id | None = Field(None, description="only the cards that carry this label")


class Spread(Schema):
    count: int
    median: float | None = Field(description="days; none when no card finished")
    p85: float | None = Field(description="85th percentile, days")


class ColumnCount(Schema):
    column: int
    name: str
    cards: list[int] = Field(description="cards in the column at the end of each day")


class CardDays(Schema):
    card: int
    title: str
    days: float


class AgeingCard(CardDays):
    older_than_most: bool = Field(
        description="in progress longer than the 85th percentile of the cycle times"
    )


class FlowOut(Schema):
    days: list[date]
    cumulative: list[ColumnCount] = Field(description="the cumulative flow, by column in order")
    lead: Spread
    cycle: Spread
    lead_times: list[float] = Field(description="each finished card's lead time, days")
    cycle_times: list[float] = Field(description="each finished card's cycle time, days")
    weeks: list[date] = Field(description="the Mondays of the weeks counted")
    throughput: list[int] = Field(description="cards finished each week (the last: so far)")
    blocked: list[CardDays] = Field(description="days each card was blocked, most first")
    ageing: list[AgeingCard] = Field(description="started, unfinished cards, oldest first")


class Person(Schema):
    id: int
    name: str


class StandupCard(Schema):
    card: int
    title: str
    column: str
    blocked_reason: str


class StandupOut(Schema):
    person: Person
    done: list[StandupCard] = Field(description="finished since the last working day began")
    doing: list[StandupCard]
    blocked: list[StandupCard]


class StandupDayOut(Schema):
    since: datetime = Field(description="the start of the last working day (Friday's, Mondays)")
    people: list[StandupOut]


class WhoCard(Schema):
    card: int
    title: str
    team: str
    board: str
    column: str
    due: date | None
    blocked: bool


class WhoOut(Schema):
    person: Person | None = Field(description="none: the cards nobody holds")
    cards: list[WhoCard]


def _person(user) -> dict:
    return {"id": user.pk, "name": formats.person(user)}


@router.get("/boards/{slug}/flow", response={200: FlowOut, **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def board_flow(request, slug: Slug, query: Query[FlowQuery]):
    """The board's cumulative flow, lead and cycle times, throughput, blocked time and
    ageing work over the last ``weeks`` (the flow metrics page's figures)."""
    board = _board(request, slug)
    label = None
    if query.label is not None:
        label = board.labels.filter(pk=query.label).first()
        if label is None:
            raise ValidationFailed({"label": f"is not a label of board '{board.slug}'"})
    report = selectors.flow_report(board, now=clock.now(), weeks=query.weeks, label=label)
    titles = dict(selectors.cards(board).filter(pk__in=report.blocked).values_list("pk", "title"))
    return {
        "days": report.days,
        "cumulative": [
            {"column": c.pk, "name": c.name, "cards": report.cumulative[c.pk]}
            for c in board.columns.all()
        ],
        "lead": vars(report.lead),
        "cycle": vars(report.cycle),
        "lead_times": report.lead_times,
        "cycle_times": report.cycle_times,
        "weeks": report.weeks,
        "throughput": report.throughput,
        "blocked": [
            {"card": pk, "title": titles[pk], "days": days}
            for pk, days in sorted(report.blocked.items(), key=lambda pair: -pair[1])
            if pk in titles
        ],
        "ageing": [
            {
                "card": card.pk,
                "title": card.title,
                "days": days,
                "older_than_most": report.cycle.p85 is not None and days > report.cycle.p85,
            }
            for card, days in report.ageing
        ],
    }


def _standup_card(card) -> dict:
    return {
        "card": card.pk,
        "title": card.title,
        "column": card.column.name,
        "blocked_reason": card.blocked_reason,
    }


@router.get("/boards/{slug}/standup", response={200: StandupDayOut, **ERRORS, **NOT_FOUND})
@endpoint("work.view")
def board_standup(request, slug: Slug):
    """Per person holding a card on the board: what they finished since the last working
    day began, what they are doing, and what blocks them (the stand-up page)."""
    now = clock.now()
    people = selectors.standup(_board(request, slug), now=now)
    return {
        "since": selectors.standup_since(now),
        "people": [
            {
                "person": _person(entry.person),
                **{
                    part: [_standup_card(card) for card in getattr(entry, part)]
                    for part in ("done", "doing", "blocked")
                },
            }
            for entry in people
        ],
    }


@router.get("/who", response={200: list[WhoOut], **ERRORS})
@endpoint("work.view")
def who_works_on_what(request):
    """Every card in progress on every board of the workspace, by person (the cards nobody
    holds last), each with its team, board, column and due day."""
    return [
        {
            "person": _person(person) if person else None,
            "cards": [
                {
                    "card": card.pk,
                    "title": card.title,
                    "team": card.board.team,
                    "board": card.board.slug,
                    "column": card.column.name,
                    "due": card.due,
                    "blocked": bool(card.blocked_reason),
                }
                for card in held
            ],
        }
        for person, held in selectors.who_works_on_what(request.workspace)
    ]
