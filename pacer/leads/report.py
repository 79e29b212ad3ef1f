"""The speed-to-lead report: response times, SLA attainment, conversion by response-time
bucket, the fitted decay curve and what answering every lead within 15 minutes is worth.

A lead *converted* when it reached a won stage, or its contact became a customer (first
order) within ``CONVERSION_DAYS`` after the lead arrived.

A lead *disqualified before response* is in a lost stage (spam, duplicate, wrong
number...) that it reached before its first-response deadline, and was never answered:
nobody missed it, so it is left out of SLA attainment (the report's, each owner's and
each team's) and of the leads never answered, and counted apart.

The leads *never answered* (the rest of the unanswered) are the slowest response-time
bucket, and count in the impact estimate: answered at 15 minutes, each would have
converted with the fitted curve's chance there instead of the rate the never-answered
leads converted at anyway (``ExponentialDecayFit.impact``'s ``unanswered``).

A lead *still waiting* is unanswered and younger than the slowest bucket's bound
(``WAITING_MINUTES``, 240): answered now it would still land in a faster bucket, so it is
not yet "never answered" and is left out of that bucket and of the impact estimate
(counted apart). The bound is the bucket's, not the lead's deadline: a lead arriving at
night has a deadline the next morning but is already past every faster bucket by then.
An unanswered lead whose deadline is still ahead is neither met nor missed yet: left out
of SLA attainment until it passes.
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from pacer.analytics.speed_to_lead import (
    ExponentialDecayFit,
    Impact,
    ResponseSummary,
    SpeedToLeadError,
    fit_exponential_decay,
    response_summary,
    wilson,
)
from pacer.core import clock
from pacer.core.models import Workspace
from pacer.leads.models import Agent, Lead, StageKind
from pacer.leads.stages import stages

CONVERSION_DAYS = 90
BUCKETS = ((0, 5), (5, 15), (15, 60), (60, 240), (240, None))  # minutes
WAITING_MINUTES = BUCKETS[-1][0]  # younger and unanswered: not yet "never answered"


@dataclass(frozen=True)
class Bucket:
    label: str
    leads: int
    converted: int
    rate: float | None
    interval: tuple[float, float] | None
    mean_minutes: float | None = None  # the answered leads' mean response time (None: none)


@dataclass(frozen=True)
class GroupFigures:
    """One owner's or team's leads: how fast they were answered and how many converted."""

    leads: int
    answered: int
    median_minutes: float | None  # to the first response, among answered leads
    within_sla: float | None  # of leads with a deadline, the share answered by it
    conversion: float | None  # converted / leads

    @classmethod
    def of(cls, rows: list[tuple[float | None, bool | None, bool]]) -> "GroupFigures":
        """From ``(minutes to the first response or None, on time or None when there was
        no deadline, converted)`` per lead."""
        times = sorted(t for t, _, _ in rows if t is not None)
        timed = [on_time for _, on_time, _ in rows if on_time is not None]
        return cls(
            leads=len(rows),
            answered=len(times),
            median_minutes=float(median(times)) if times else None,
            within_sla=sum(timed) / len(timed) if timed else None,
            conversion=sum(c for _, _, c in rows) / len(rows) if rows else None,
        )


@dataclass(frozen=True)
class SpeedReport:
    leads: int
    unanswered: int  # never answered, less those disqualified before their deadline
    waiting: int  # unanswered, younger than WAITING_MINUTES: not yet never answered
    deadline_ahead: int  # unanswered, their deadline still ahead: out of SLA attainment
    summary: ResponseSummary | None
    with_deadline: int  # SLA denominator: leads with a deadline, less those below
    on_time: int
    disqualified_early: int  # disqualified before the deadline, never answered
    buckets: list[Bucket]  # by response time, the never answered last
    by_location: dict[int | None, ResponseSummary]  # answered leads' response times
    location_figures: dict[int | None, GroupFigures]  # every lead of the location
    fit: ExponentialDecayFit | None
    fit_problem: str
    gain: Impact | None
    revenue_per_conversion: float | None
    by_owner: dict[int | None, GroupFigures]  # owner's user id (None: unassigned)
    by_team: dict[str, GroupFigures]  # the owner's team ("" : no team)


def _bucket(label: str, leads: int, converted: int, minutes: list[float] | None = None) -> Bucket:
    return Bucket(
        label,
        leads,
        converted,
        converted / leads if leads else None,
        wilson(converted, leads) if leads else None,
        sum(minutes) / len(minutes) if minutes else None,
    )


def _label(low: int, high: int | None) -> str:
    return f"over {low} min" if high is None else f"{low}–{high} min"


def speed_report(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    locations: Collection[int] | None = None,
    now: datetime | None = None,
) -> SpeedReport:
    """Leads that arrived in ``[start, end)`` (at one of ``locations`` when given; None:
    every lead, those without a location too), as they stand at ``now`` (Pacer's clock)."""
    now = now or clock.now()
    listed = stages(workspace)
    won = {s.key for s in listed if s.kind == StageKind.WON}
    lost = {s.key for s in listed if s.kind == StageKind.LOST}
    found = Lead.objects.filter(workspace=workspace, created_at__gte=start, created_at__lt=end)
    if locations is not None:
        found = found.filter(location_id__in=list(locations))
    rows = list(
        found.values_list(
            "created_at",
            "first_response_at",
            "respond_by",
            "stage",
            "location_id",
            "contact__customer_at",
            "contact__revenue",
            "owner_id",
            "stage_changed_at",
        )
    )
    teams = _teams(workspace)
    per_owner: dict[int | None, list] = {}
    per_team: dict[str, list] = {}
    per_location: dict[int | None, list] = {}
    answered, outcomes, locations, revenue = [], [], {}, []
    with_deadline = on_time = disqualified_early = never_converted = waiting = ahead = 0
    for created, responded, due, stage, location, customer_at, spent, owner, moved in rows:
        converted = stage in won or (
            customer_at is not None
            and created <= customer_at <= created + timedelta(days=CONVERSION_DAYS)
        )
        disqualified = due is not None and responded is None and stage in lost and moved <= due
        if disqualified:
            disqualified_early += 1
            due = None  # not a miss: out of every SLA denominator
        elif responded is None and due is not None and due > now:
            ahead += 1
            due = None  # neither met nor missed yet: out of every SLA denominator
        figures = (
            max((responded - created).total_seconds() / 60, 0.0) if responded else None,
            None if due is None else responded is not None and responded <= due,
            converted,
        )
        per_owner.setdefault(owner, []).append(figures)
        per_team.setdefault(teams.get(owner, ""), []).append(figures)
        per_location.setdefault(location, []).append(figures)
        if due is not None:
            with_deadline += 1
            on_time += responded is not None and responded <= due
        if responded is None:
            if not disqualified and now - created < timedelta(minutes=WAITING_MINUTES):
                waiting += 1  # may still be answered in a faster bucket
            else:
                never_converted += converted and not disqualified
            continue
        minutes = max((responded - created).total_seconds() / 60, 0.0)
        answered.append(minutes)
        outcomes.append(1.0 if converted else 0.0)
        locations.setdefault(location, []).append(minutes)
        if converted:
            revenue.append(float(spent or 0))
    unanswered = len(rows) - len(answered) - disqualified_early - waiting
    buckets = []
    for low, high in BUCKETS:
        inside = [
            (t, y)
            for t, y in zip(answered, outcomes, strict=True)
            if t >= low and (high is None or t < high)
        ]
        buckets.append(
            _bucket(
                _label(low, high),
                len(inside),
                int(sum(y for _, y in inside)),
                [t for t, _ in inside],
            )
        )
    buckets.append(_bucket("never answered", unanswered, never_converted))
    fit, problem, gain = None, "", None
    try:
        fit = fit_exponential_decay(answered, outcomes) if answered else None
        problem = "" if answered else "no answered leads in the period"
    except SpeedToLeadError as error:
        problem = str(error)
    if fit is not None:
        gain = fit.impact(
            answered, within=15, unanswered=unanswered, unanswered_converted=never_converted
        )
    return SpeedReport(
        leads=len(rows),
        unanswered=unanswered,
        waiting=waiting,
        deadline_ahead=ahead,
        summary=response_summary(answered) if answered else None,
        with_deadline=with_deadline,
        on_time=on_time,
        disqualified_early=disqualified_early,
        buckets=buckets,
        by_location={loc: response_summary(times) for loc, times in locations.items()},
        location_figures={loc: GroupFigures.of(rows) for loc, rows in per_location.items()},
        fit=fit,
        fit_problem=problem,
        gain=gain,
        revenue_per_conversion=sum(revenue) / len(revenue) if revenue else None,
        by_owner={owner: GroupFigures.of(rows) for owner, rows in per_owner.items()},
        by_team={team: GroupFigures.of(rows) for team, rows in per_team.items()},
    )


def _teams(workspace: Workspace) -> dict[int, str]:
    """Each agent's team (an agent in several locations: the first row with a team)."""
    teams: dict[int, str] = {}
    for user_id, team in (
        Agent.objects.filter(workspace=workspace).order_by("id").values_list("user_id", "team")
    ):
        if team and user_id not in teams:
            teams[user_id] = team
    return teams
