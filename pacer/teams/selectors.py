"""Reads of the teams domain: teams with members, a team's scoreboard (target, actual,
trend and owner per metric), its weekly reviews, and the per-location scoreboard."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from pacer.core.models import Membership, Workspace
from pacer.core.permissions import members_holding
from pacer.leads import selectors as leads
from pacer.metrics.selectors import KpiFilter
from pacer.metrics.selectors import by_location as kpis_by_location
from pacer.people import selectors as people
from pacer.teams import cx
from pacer.teams.models import (
    AskStatus,
    KpiTarget,
    ReviewItem,
    ReviewItemKind,
    Survey,
    SurveyAsk,
    SurveyResponse,
    Team,
    TeamMember,
    WeeklyReview,
)
from pacer.teams.registry import (
    METRICS,
    Metric,
    _instant,
    attainment,
    met,
    monthly_actuals,
    shift_months,
)
from pacer.warehouse.sync import default_store
from pacer.web.formats import person

TREND_MONTHS = 6  # the month shown and the five before it


def teams(workspace: Workspace) -> list[Team]:
    members = Prefetch(
        "members", queryset=TeamMember.objects.select_related("membership__user").order_by("id")
    )
    return list(
        Team.objects.filter(workspace=workspace)
        .select_related("lead__user")
        .prefetch_related(members)
    )


def team(workspace: Workspace, key: str) -> Team | None:
    return Team.objects.filter(workspace=workspace, key=key).select_related("lead__user").first()


def teams_by_id(workspace: Workspace, ids=None) -> dict[int, Team]:
    """The workspace's teams by id (those of ``ids`` when given)."""
    found = Team.objects.filter(workspace=workspace)
    if ids is not None:
        found = found.filter(pk__in=[i for i in ids if i is not None])
    return {t.pk: t for t in found}


def team_by_key(workspace: Workspace, key: str) -> Team | None:
    """The team with ``key`` (case and surrounding spaces ignored), or None (a key with a
    NUL in it names no team: PostgreSQL cannot take it in a query)."""
    if "\x00" in key:
        return None
    return Team.objects.filter(workspace=workspace, key=key.strip().lower()).first()


def team_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """``(key, name)`` of every team, by name."""
    return list(Team.objects.filter(workspace=workspace).values_list("key", "name"))


def team_options(names: dict[str, str], current: str, blank: str) -> list[tuple[str, str]]:
    """A team select's options: ``("", blank)``, then the teams of ``names`` (key to
    name, as ``team_choices`` gives them) by name; ``current``, a stored key that is no
    team, stays, marked."""
    options = [("", blank), *sorted(names.items(), key=lambda pair: pair[1].lower())]
    if current and current not in names:
        options.append((current, f"{current} (no such team)"))
    return options


def team_ids_of(workspace: Workspace, user_id: int) -> set[int]:
    """The ids of the teams the user is a member of."""
    found = Team.objects.filter(workspace=workspace, members__membership__user_id=user_id)
    return set(found.values_list("pk", flat=True))


def team_members(team: Team) -> list[Membership]:
    return [
        m.membership
        for m in team.members.select_related("membership__user").order_by(
            "membership__user__username"
        )
    ]


def member_choices(workspace: Workspace) -> list[tuple[str, str]]:
    """The members who may be in a team, lead it or own its targets (not a partner's
    login)."""
    return [(str(m.pk), person(m.user)) for m in members_holding(workspace, "teams.view")]


def teams_of(workspace: Workspace, user_id: int) -> list[Team]:
    """The teams the user is a member of (their default view)."""
    return list(
        Team.objects.filter(workspace=workspace, members__membership__user_id=user_id).distinct()
    )


@dataclass
class ScoreRow:
    metric: Metric
    target: float | None  # for display
    target_exact: Decimal | None  # as stored: what attainment and met are computed from
    actual: float | None
    attainment: float | None
    met: bool | None
    owner: str
    trend: list[float | None]  # actuals, oldest month first, the shown month last
    targets: list[float | None]  # the targets of the same months
    business_target: bool = False  # at one location, a total's target: the business's


@dataclass
class Scoreboard:
    team: Team
    month: date
    months: list[date]  # oldest first, the shown month last
    rows: list[ScoreRow] = field(default_factory=list)


def scoreboard(team: Team, month: date, *, location_id: int | None = None) -> Scoreboard:
    """Every metric the team has a target on in ``month`` or the five months before it:
    the month's target, actual and owner, and the actuals of all six months. At one
    location (``location_id``) a total's target (leads, revenue, spend...) is the whole
    business's, so it is not compared with the location's actual (no attainment)."""
    months = [shift_months(month, -back) for back in range(TREND_MONTHS - 1, -1, -1)]
    board = Scoreboard(team=team, month=month, months=months)
    targets = list(
        KpiTarget.objects.filter(team=team, month__in=months).select_related("owner__user")
    )
    if not targets:
        return board
    by_key = {(t.metric, t.month): t for t in targets}
    keys = {t.metric for t in targets}
    figures = monthly_actuals(team.workspace, months, keys, location_id=location_id)
    for key, metric in METRICS.items():
        if not any(t.metric == key for t in targets):
            continue
        current = by_key.get((key, month))
        goal = current.target if current else None
        actual = figures[-1][key]
        owner = person(current.owner.user) if current and current.owner else ""
        business = location_id is not None and metric.adds_up
        board.rows.append(
            ScoreRow(
                metric=metric,
                target=None if goal is None else float(goal),
                target_exact=goal,
                actual=actual,
                attainment=None if business else attainment(metric, goal, actual),
                met=None if business else met(metric, goal, actual),
                business_target=business and goal is not None,
                owner=owner,
                trend=[f[key] for f in figures],
                targets=[
                    float(by_key[(key, m)].target) if (key, m) in by_key else None for m in months
                ],
            )
        )
    return board


def targets(team: Team, *, start: date | None = None, end: date | None = None) -> list[KpiTarget]:
    """The team's targets of the months from ``start`` to ``end`` (first days; None: no
    bound), by month then metric."""
    found = KpiTarget.objects.filter(team=team)
    if start is not None:
        found = found.filter(month__gte=start)
    if end is not None:
        found = found.filter(month__lte=end)
    return list(found.order_by("month", "metric"))


def last_target_month(team: Team, until: date) -> date | None:
    """The latest month up to ``until`` the team has a target in (None: no such month)."""
    found = KpiTarget.objects.filter(team=team, month__lte=until).order_by("-month")
    return found.values_list("month", flat=True).first()


def review(team: Team, week: date) -> WeeklyReview | None:
    return WeeklyReview.objects.filter(team=team, week=week).first()


def review_items(team: Team, week: date) -> list[ReviewItem]:
    return list(
        ReviewItem.objects.filter(review__team=team, review__week=week).select_related(
            "owner__user"
        )
    )


def open_actions(team: Team, before: date) -> list[ReviewItem]:
    """Follow-up actions of earlier reviews that are not done yet, oldest due first."""
    return list(
        ReviewItem.objects.filter(
            review__team=team,
            review__week__lt=before,
            kind=ReviewItemKind.ACTION,
            done_at__isnull=True,
        )
        .select_related("owner__user", "review")
        .order_by("due_on", "id")
    )


def reviews(team: Team, *, week: date | None = None) -> QuerySet[WeeklyReview]:
    """The team's reviews, newest week first, each with its items (``items.all()``,
    their owners' users loaded); of one ``week`` (a Monday) when given."""
    found = WeeklyReview.objects.filter(team=team)
    if week is not None:
        found = found.filter(week=week)
    items = ReviewItem.objects.select_related("owner__user").order_by("id")
    return found.prefetch_related(Prefetch("items", queryset=items)).order_by("-week")


def review_weeks(team: Team, limit: int = 12) -> list[date]:
    return list(
        WeeklyReview.objects.filter(team=team)
        .order_by("-week")
        .values_list("week", flat=True)[:limit]
    )


def visible_locations(workspace: Workspace, user_id: int, role: str) -> set[int] | None:
    """The location ids a member sees on location scoreboards: staff only the locations
    they take leads for (None: every location; an agent of every location sees all)."""
    if role != "staff":
        return None
    mine = leads.agent_locations(workspace, user_id)
    return None if None in mine else {i for i in mine if i is not None}


def scoreboard_locations(workspace: Workspace, user_id: int, role: str) -> list:
    """The locations a member may see a team's scoreboard at (``visible_locations``)."""
    only = visible_locations(workspace, user_id, role)
    return [loc for loc in people.locations(workspace) if only is None or loc.pk in only]


def location_scoreboard(
    workspace: Workspace, start: date, end: date, *, only: set[int] | None = None
) -> list[dict]:
    """Per location (by name): marketing results from the KPI cube (spend, leads, new
    customers, revenue, CAC, ROMI, repeat rate, retention), speed to lead (median minutes
    of its answered leads) and the CX signals (NPS, CSAT, review rating); ``only``: the
    location ids to keep (None: all)."""
    kpis = {
        row["location_id"]: row
        for row in kpis_by_location(
            default_store(), workspace.pk, KpiFilter(start=start, end=end, grain="month")
        )
    }
    speed = leads.response_times_by_location(workspace, _instant(start), _instant(shift_day(end)))
    signals = cx.by_location(workspace, start, end)
    rows = []
    for location in people.locations(workspace):
        if only is not None and location.pk not in only:
            continue
        kpi = kpis.get(location.pk, {})
        answered, median_minutes = speed.get(location.pk, (0, None))
        signal = signals.get(location.pk, {})
        rows.append(
            {
                "location_id": location.pk,
                "code": location.code,
                "name": location.name,
                **{
                    key: kpi.get(key)
                    for key in (
                        "spend",
                        "leads",
                        "new_customers",
                        "revenue",
                        "cac",
                        "romi",
                        "repeat_rate",
                        "retention",
                    )
                },
                "speed_to_lead": median_minutes,
                "answered_leads": answered,
                "nps": signal.get("nps"),
                "nps_answers": signal.get("nps_answers", 0),
                "nps_se": signal.get("nps_se"),
                "csat": signal.get("csat"),
                "rating": signal.get("rating"),
                "ratings": signal.get("ratings", 0),
            }
        )
    return rows


def shift_day(day: date) -> date:
    return date.fromordinal(day.toordinal() + 1)


def surveys(workspace: Workspace) -> list[Survey]:
    """The workspace's surveys, newest first, each with ``answers`` (its count)."""
    return list(Survey.objects.filter(workspace=workspace).annotate(answers=Count("responses")))


def survey(workspace: Workspace, survey_id: int) -> Survey | None:
    return Survey.objects.filter(workspace=workspace, pk=survey_id).first()


def sent_after_orders(survey: Survey) -> dict[int, int | None]:
    """Contact id -> the order's location, of the people the survey's trigger sent it to
    (the latest ask of each)."""
    asks = SurveyAsk.objects.filter(survey=survey, status=AskStatus.SENT, order_id__isnull=False)
    return dict(asks.order_by("asked_at", "id").values_list("contact_id", "location_id"))


def trigger_by_location(survey: Survey) -> list[dict]:
    """Per location of the orders and visits the survey's trigger asked about (by name;
    those without a location last): ``sent``, ``skipped``, ``answered`` (answers of people
    it sent to, counted for the order's or visit's location) and ``response_rate``
    (answered ÷ sent, None when none was sent)."""
    counts: dict[int | None, dict] = {}
    asks = SurveyAsk.objects.filter(  # not those sent by hand
        Q(order_id__isnull=False) | Q(event_id__isnull=False), survey=survey
    )
    asks = asks.filter(status__in=[AskStatus.SENT, AskStatus.SKIPPED])
    for location_id, status, n in (
        asks.values_list("location_id", "status").annotate(n=Count("id")).order_by()
    ):
        counts.setdefault(location_id, {"sent": 0, "skipped": 0, "answered": 0})[status] = n
    sent_to = asks.filter(status=AskStatus.SENT).values("contact_id")
    answers = (
        SurveyResponse.objects.filter(survey=survey, contact_id__in=sent_to)
        .values_list("location_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    for location_id, n in answers:
        counts.setdefault(location_id, {"sent": 0, "skipped": 0, "answered": 0})["answered"] = n
    names = {location.pk: location.name for location in people.locations(survey.workspace)}
    rows = [
        {
            "location": names.get(location_id, "No location") if location_id else "No location",
            **found,
            "response_rate": found["answered"] / found["sent"] if found["sent"] else None,
        }
        for location_id, found in counts.items()
    ]
    return sorted(rows, key=lambda row: (row["location"] == "No location", row["location"]))
