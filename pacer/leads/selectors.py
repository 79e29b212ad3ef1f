"""Reads of the leads domain: lists, one lead with its history, and the stage funnel."""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from statistics import median

from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from pacer.core.models import Role, Workspace
from pacer.core.permissions import allows, members_holding
from pacer.leads.models import (
    Activity,
    Agent,
    FollowUpTask,
    Lead,
    Notice,
    StageChange,
    StageKind,
    Timer,
    TimerKind,
)
from pacer.leads.stages import open_stages, stages


def leads(workspace: Workspace, *, stage: str = "") -> QuerySet[Lead]:
    """The workspace's leads, newest first (optionally in one stage)."""
    found = Lead.objects.filter(workspace=workspace)
    if stage:
        found = found.filter(stage=stage)
    return found.order_by("-created_at", "-id")


# When a lead no SLA policy gives a deadline is due its follow-up: its round's reminder
# (``routing.start_clock``). Null for a lead with a deadline (its reminder comes before).
FOLLOW_UP_AT = Case(
    When(
        respond_by__isnull=True,
        then=Subquery(
            Timer.objects.filter(
                lead=OuterRef("pk"),
                kind=TimerKind.REMIND,
                assignment_round=OuterRef("assignment_round"),
            ).values("due_at")[:1]
        ),
    ),
    output_field=DateTimeField(),
)


# When an unowned lead is tried again: its round's pending assignment timer
# (``routing.wait_for_opening``); null when none is pending.
NEXT_TRY = Subquery(
    Timer.objects.filter(
        lead=OuterRef("pk"),
        kind=TimerKind.ASSIGN,
        assignment_round=OuterRef("assignment_round"),
        fired_at__isnull=True,
        cancelled_at__isnull=True,
    ).values("due_at")[:1],
    output_field=DateTimeField(),
)


# Unowned, unanswered leads whose managers were told that nobody can take them
# (``notices.alert_unowned``): a new lead or a re-assignment with nobody free.
NOBODY_FREE = Q(
    owner__isnull=True, unowned_alerted_at__isnull=False, first_response_at__isnull=True
)


def late(now: datetime) -> Q:
    """Unanswered leads past their SLA deadline, or, without a deadline, past their
    follow-up time (``follow_up_at``: annotate ``FOLLOW_UP_AT`` first), or unowned with
    their managers alerted that nobody can take them (``notices.alert_unowned``); and
    answered leads past their next touch (``touches``; an open lead's only)."""
    unanswered = Q(first_response_at__isnull=True) & (
        Q(respond_by__lt=now) | Q(respond_by__isnull=True, follow_up_at__lt=now) | NOBODY_FREE
    )
    return unanswered | Q(first_response_at__isnull=False, next_touch_by__lt=now)


def lead(workspace: Workspace, lead_id: int) -> Lead | None:
    """One lead, with its ``follow_up_at`` (``FOLLOW_UP_AT``)."""
    return (
        Lead.objects.filter(workspace=workspace, pk=lead_id)
        .annotate(follow_up_at=FOLLOW_UP_AT)
        .first()
    )


def person_name(first: str, last: str, email: str, phone: str, contact_id: int) -> str:
    """A lead's person as the pages name them: their name, else email, phone or contact."""
    return f"{first} {last}".strip() or email or phone or f"Contact {contact_id}"


PERSON = (
    "contact__first_name",
    "contact__last_name",
    "contact__email",
    "contact__phone",
    "contact",
)


def lead_name(workspace: Workspace, lead_id: int) -> str | None:
    """The name of the lead's person (``person_name``), or None for no such lead."""
    row = Lead.objects.filter(workspace=workspace, pk=lead_id).values_list(*PERSON).first()
    return None if row is None else person_name(*row)


def lead_search(workspace: Workspace, text: str, limit: int) -> list[tuple[int, str]]:
    """``(id, person's name)`` of the first ``limit`` leads whose person's first name, last
    name, full name ("Ana Ruiz": first, a space, last; spaces in ``text`` taken as one),
    email or phone holds ``text`` (case ignored), newest first (a card's link picker)."""
    found = Q(full_name__icontains=" ".join(text.split()))
    for field in PERSON[:4]:
        found |= Q(**{f"{field}__icontains": text})
    rows = (
        Lead.objects.filter(workspace=workspace)
        .annotate(full_name=Concat(PERSON[0], Value(" "), PERSON[1]))
        .filter(found)
        .order_by("-created_at", "-id")
    )
    return [(row[0], person_name(*row[1:])) for row in rows.values_list("pk", *PERSON)[:limit]]


def history(workspace: Workspace, lead_id: int) -> list[StageChange]:
    return list(StageChange.objects.filter(workspace=workspace, lead_id=lead_id))


@dataclass(frozen=True)
class FunnelStep:
    stage: str
    reached: int  # leads created in the period that were ever in this stage or a later one
    conversion: float | None  # reached / reached of the step before (None for the first)
    median_hours_from_previous: float | None  # among leads that reached both


GROUPS = {
    "channel": "lead__channel",
    "campaign": "lead__campaign",
    "location": "lead__location_id",
    "cohort": "lead__created_at",
}


def funnel(
    workspace: Workspace,
    start: datetime,
    end: datetime,
    *,
    by: str = "",
    location_id: int | None = None,
) -> dict[object, list[FunnelStep]]:
    """Each open or won stage in order: how many leads created in ``[start, end)`` reached
    it, the conversion from the stage before, and the median time from the stage before;
    for all leads (key ``None``) or per ``by``: channel, campaign, location or cohort
    (the month the lead arrived, as ``YYYY-MM``); ``location_id``: only that location's
    leads.

    A lead that skipped a stage (moved straight from lead to SQL) counts as having reached
    the stages it skipped, at the time it passed them; lost stages are not steps.
    """
    if by and by not in GROUPS:
        raise ValueError(f"by: must be one of {', '.join(GROUPS)}")
    steps = [s.key for s in stages(workspace) if s.kind != "lost"]
    order = {key: index for index, key in enumerate(steps)}
    reached_at: dict[int, dict[int, datetime]] = {}
    group_of: dict[int, object] = {}
    changes = StageChange.objects.filter(
        workspace=workspace, lead__created_at__gte=start, lead__created_at__lt=end
    )
    if location_id is not None:
        changes = changes.filter(lead__location_id=location_id)
    changes = changes.values_list("lead_id", "to_stage", "at", GROUPS[by] if by else "lead_id")
    for lead_id, to_stage, at, group in changes.order_by("at", "id"):
        group_of[lead_id] = None if not by else f"{group:%Y-%m}" if by == "cohort" else group
        if to_stage not in order:
            continue
        times = reached_at.setdefault(lead_id, {})
        for index in range(order[to_stage] + 1):
            times.setdefault(index, at)
    grouped: dict[object, list[dict[int, datetime]]] = {}
    for lead_id, times in reached_at.items():
        grouped.setdefault(group_of[lead_id], []).append(times)
    return {
        group: _steps(steps, leads)
        for group, leads in sorted(
            grouped.items(), key=lambda item: (item[0] is None, str(item[0]))
        )
    }


def _steps(steps: list[str], leads: list[dict[int, datetime]]) -> list[FunnelStep]:
    result = []
    for index, key in enumerate(steps):
        reached = [times for times in leads if index in times]
        before = [times for times in leads if index - 1 in times]
        gaps = [
            (times[index] - times[index - 1]).total_seconds() / 3600
            for times in reached
            if index > 0 and index - 1 in times
        ]
        result.append(
            FunnelStep(
                stage=key,
                reached=len(reached),
                conversion=len(reached) / len(before) if index and before else None,
                median_hours_from_previous=median(gaps) if gaps else None,
            )
        )
    return result


# The owner's full name, or their username when they gave no name; null without an owner.
OWNER_NAME = Coalesce(
    NullIf(
        Trim(Concat(F("owner__first_name"), Value(" "), F("owner__last_name"))),
        Value(""),
    ),
    F("owner__username"),
    output_field=CharField(),
)


# Pushes answered leads behind every unanswered one in the inbox's queue order.
ANSWERED_LAST = timedelta(days=1000 * 365)


def inbox(
    workspace: Workspace,
    *,
    view: str,
    user_id: int,
    now: datetime,
    location: int | None | str = "",
) -> QuerySet[Lead]:
    """Open leads for the staff inbox: ``mine``, ``unassigned``, ``overdue`` (``late``:
    past their response deadline without a response, or without a deadline past their
    follow-up time), ``unowned`` (``NOBODY_FREE``) or ``open`` (all); of one location
    (``location``: its id, None for the leads without one; "" for every location). Each
    carries ``queue_at``, its place in the queue: the unanswered first, soonest deadline
    first (a lead without a deadline at its follow-up time, else at its arrival), then the
    answered ones still open, by their next touch (``touches``) else their deadline;
    ``follow_up_at`` (``FOLLOW_UP_AT``);
    ``next_try``, when an unowned one is tried again (``NEXT_TRY``); and ``owner_name``,
    the owner's name (their username when they have none)."""
    open_ones = open_stages(workspace)
    found = Lead.objects.filter(workspace=workspace, stage__in=open_ones).annotate(
        follow_up_at=FOLLOW_UP_AT
    )
    if view == "mine":
        found = found.filter(owner_id=user_id)
    elif view == "unassigned":
        found = found.filter(owner__isnull=True)
    elif view == "overdue":
        found = found.filter(late(now))
    elif view == "unowned":
        found = found.filter(NOBODY_FREE)
    if location is None:
        found = found.filter(location_id__isnull=True)
    elif location != "":
        found = found.filter(location_id=location)
    deadline = Coalesce("respond_by", "follow_up_at", "created_at", output_field=DateTimeField())
    answered = Coalesce("next_touch_by", deadline, output_field=DateTimeField())
    queue_at = Case(
        When(first_response_at__isnull=True, then=deadline),
        default=ExpressionWrapper(answered + ANSWERED_LAST, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )
    return found.annotate(
        queue_at=queue_at, owner_name=OWNER_NAME, next_try=NEXT_TRY
    ).select_related("contact", "owner")


@dataclass(frozen=True)
class Late:
    breached: int  # unanswered past their SLA deadline
    missed_follow_up: int  # without a deadline, unanswered past their follow-up time
    unowned: int  # neither (yet), but nobody can take them: their managers were alerted
    missed_touch: int = 0  # answered, past their next touch

    @property
    def total(self) -> int:
        """Every lead of the Overdue view (each counted once: the kinds do not overlap)."""
        return self.breached + self.missed_follow_up + self.unowned + self.missed_touch


def late_counts(workspace: Workspace, now: datetime, *, location: int | None | str = "") -> Late:
    """The open leads of the inbox's "Overdue" view (of ``location``, as ``inbox``),
    counted apart: SLA breaches, missed follow-ups, missed next touches and the others,
    unowned with their managers alerted."""
    unanswered = Q(first_response_at__isnull=True)
    counts = inbox(workspace, view="overdue", user_id=0, now=now, location=location).aggregate(
        every=Count("id"),
        breached=Count("id", filter=unanswered & Q(respond_by__lt=now)),
        missed=Count("id", filter=unanswered & Q(respond_by__isnull=True, follow_up_at__lt=now)),
        touch=Count("id", filter=Q(first_response_at__isnull=False)),
    )
    return Late(
        breached=counts["breached"],
        missed_follow_up=counts["missed"],
        unowned=counts["every"] - counts["breached"] - counts["missed"] - counts["touch"],
        missed_touch=counts["touch"],
    )


def unread_notices(workspace: Workspace, user_id: int, lead_id: int | None = None) -> list:
    """The member's unread reminders and escalations (of one lead, or all), newest first."""
    found = Notice.objects.filter(workspace=workspace, to_user_id=user_id, read_at__isnull=True)
    if lead_id is not None:
        found = found.filter(lead_id=lead_id)
    return list(found.exclude(key="auto-reply").order_by("-created_at")[:20])


def activities(workspace: Workspace, lead_id: int) -> list:
    return list(Activity.objects.filter(workspace=workspace, lead_id=lead_id))


@dataclass(frozen=True)
class LocationQueue:
    location_id: int | None
    open: int
    unassigned: int
    nobody_free: int  # open, unowned, unanswered, their managers told nobody can take them
    unattended: int  # open, unanswered, their owner away (nobody could take them over)
    no_deadline: int  # open, owned, unanswered, no SLA deadline (a follow-up task only)
    overdue: int  # unanswered past the SLA deadline
    missed_follow_up: int  # unanswered, no SLA deadline, past the follow-up time
    answered: int  # leads created in the window with a first response
    median_response_minutes: float | None
    within_15_minutes: float | None  # share of answered leads


def queues(workspace: Workspace, since: datetime, now: datetime) -> list[LocationQueue]:
    """Per location: open, unassigned, nobody free (unowned and unanswered, the managers
    alerted: ``NOBODY_FREE``), unattended (unanswered, the owner away), without
    a deadline (owned, unanswered, no SLA policy gave one), overdue (past the deadline)
    and missed follow-ups (without a deadline, past the follow-up time) now;
    answered leads since ``since`` with their median first-response time and the share
    within 15 minutes."""
    open_ones = open_stages(workspace)
    away = set(
        Agent.objects.filter(workspace=workspace, away_until__gt=now).values_list(
            "user_id", flat=True
        )
    )
    rows: dict[int | None, dict] = {}
    found = Lead.objects.filter(workspace=workspace).filter(
        Q(stage__in=open_ones) | Q(created_at__gte=since)
    )
    for lead in found.annotate(follow_up_at=FOLLOW_UP_AT):
        row = rows.setdefault(
            lead.location_id,
            {"open": 0, "unassigned": 0, "nobody_free": 0, "unattended": 0, "no_deadline": 0}
            | {"overdue": 0}
            | {"missed_follow_up": 0, "times": []},
        )
        if lead.stage in open_ones:
            row["open"] += 1
            row["unassigned"] += lead.owner_id is None
            row["nobody_free"] += bool(
                lead.owner_id is None
                and lead.unowned_alerted_at is not None
                and lead.first_response_at is None
            )
            row["unattended"] += lead.owner_id in away and lead.first_response_at is None
            row["no_deadline"] += bool(
                lead.owner_id and lead.first_response_at is None and lead.respond_by is None
            )
            row["overdue"] += bool(
                lead.first_response_at is None and lead.respond_by and lead.respond_by < now
            )
            row["missed_follow_up"] += bool(
                lead.first_response_at is None
                and lead.respond_by is None
                and lead.follow_up_at
                and lead.follow_up_at < now
            )
        if lead.created_at >= since and lead.first_response_at is not None:
            row["times"].append((lead.first_response_at - lead.created_at).total_seconds() / 60)
    return [
        LocationQueue(
            location_id=location,
            open=row["open"],
            unassigned=row["unassigned"],
            nobody_free=row["nobody_free"],
            unattended=row["unattended"],
            no_deadline=row["no_deadline"],
            overdue=row["overdue"],
            missed_follow_up=row["missed_follow_up"],
            answered=len(row["times"]),
            median_response_minutes=median(row["times"]) if row["times"] else None,
            within_15_minutes=(
                sum(t <= 15 for t in row["times"]) / len(row["times"]) if row["times"] else None
            ),
        )
        for location, row in sorted(rows.items(), key=lambda item: (item[0] is None, item[0]))
    ]


def tasks(workspace: Workspace, lead_id: int) -> list[FollowUpTask]:
    """A lead's tasks: open ones first, soonest due first."""
    return sorted(
        FollowUpTask.objects.filter(workspace=workspace, lead_id=lead_id).select_related(
            "assignee", "done_by"
        ),
        key=lambda task: (task.done_at is not None, task.due_at, task.pk),
    )


def open_tasks(workspace: Workspace, user_id: int, limit: int = 20) -> list[FollowUpTask]:
    """The member's open tasks on leads, soonest due first."""
    return list(
        FollowUpTask.objects.filter(workspace=workspace, assignee_id=user_id, done_at__isnull=True)
        .select_related("lead", "lead__contact")
        .order_by("due_at", "id")[:limit]
    )


def agent_locations(workspace: Workspace, user_id: int) -> set[int | None]:
    """The locations a member takes leads for (None: the fallback queue of every location)."""
    return set(
        Agent.objects.filter(workspace=workspace, user_id=user_id).values_list(
            "location_id", flat=True
        )
    )


@dataclass(frozen=True)
class ResponseFigures:
    """The first responses to the leads that arrived in a period, as the speed-to-lead
    report counts them (``pacer.leads.report``): a lead disqualified before its deadline
    and never answered is neither on time nor missed."""

    answered: int
    median_minutes: float | None  # from arrival to the first response, of answered leads
    on_time: int  # leads with a deadline answered by it
    missed: int  # leads with a deadline not answered by it


def response_figures(
    workspace: Workspace, edges: list[datetime], *, location_id: int | None = None
) -> list[ResponseFigures]:
    """Per period ``[edges[i], edges[i + 1])``: the median first response and the SLA's
    on-time and missed counts of the leads that arrived in it (at ``location_id`` when
    given). Two queries whatever the number of periods: a scoreboard needs no more, where
    the full report also fits its decay model."""
    if len(edges) < 2:
        return []
    lost = {s.key for s in stages(workspace) if s.kind == StageKind.LOST}
    found = Lead.objects.filter(
        workspace=workspace, created_at__gte=edges[0], created_at__lt=edges[-1]
    )
    if location_id is not None:
        found = found.filter(location_id=location_id)
    periods = len(edges) - 1
    minutes: list[list[float]] = [[] for _ in range(periods)]
    on_time, missed = [0] * periods, [0] * periods
    for created, responded, due, stage, moved in found.values_list(
        "created_at", "first_response_at", "respond_by", "stage", "stage_changed_at"
    ):
        index = bisect_right(edges, created) - 1
        if responded is not None:
            minutes[index].append(max((responded - created).total_seconds() / 60, 0.0))
        if due is None or (responded is None and stage in lost and moved <= due):
            continue
        if responded is not None and responded <= due:
            on_time[index] += 1
        else:
            missed[index] += 1
    return [
        ResponseFigures(len(times), median(times) if times else None, hit, miss)
        for times, hit, miss in zip(minutes, on_time, missed, strict=True)
    ]


def response_times_by_location(
    workspace: Workspace, start: datetime, end: datetime
) -> dict[int | None, tuple[int, float]]:
    """Per location (None: leads without one) of the leads that arrived in ``[start,
    end)`` and were answered: how many, and the median minutes to the first response.
    One query: what a location scoreboard shows of speed to lead, without the full
    report's decay fit (``pacer.leads.report.speed_report``, whose ``by_location`` it
    equals)."""
    minutes: dict[int | None, list[float]] = {}
    answered = Lead.objects.filter(
        workspace=workspace,
        created_at__gte=start,
        created_at__lt=end,
        first_response_at__isnull=False,
    )
    for location, created, responded in answered.values_list(
        "location_id", "created_at", "first_response_at"
    ):
        waited = max((responded - created).total_seconds() / 60, 0.0)
        minutes.setdefault(location, []).append(waited)
    return {location: (len(times), median(times)) for location, times in minutes.items()}


def not_a_worker(username: str, role: str) -> str:
    """Why a member may not be given leads (an agent, a fallback owner, an escalation
    step's person), or "": their role does not work leads (a partner's login sees only
    the partner portal, so it could neither open the leads nor be shown their contacts)."""
    if allows(role, "leads.work"):
        return ""
    return f"'{username}' may not work leads (role: {Role(role).label})"


def workers(workspace: Workspace) -> list:
    """The members who may be given leads and their tasks (``not_a_worker``), by
    username."""
    return members_holding(workspace, "leads.work")
