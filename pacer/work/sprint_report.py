"""A sprint's burndown, burnup and velocity, day by day, from its cards' histories.

A card is in the sprint's scope at the end of a day when it was in the sprint then
(``SprintMembership``) and not archived. It joins the scope on the day it was planned into
the sprint and leaves it on the day it went to the backlog or another sprint, or was
archived (back on the day it was restored): Jira draws each as a scope change on that day,
the days before untouched. A card's points are done from the day it reached a done column.
A completed sprint is read from what it held when it was completed (``Sprint.outcome``)
and its cards' moves and archivings until then (a card reopened or archived later stays
done in it): its cards carried on count in its scope (unfinished then, never done in it),
and its charts stop on the day it was completed. Its velocity is what it finished
(``done_points``); a sprint that ended without being completed counts the points done on
its last day. A card's points on a day are the estimate that held at the end of that day
(``EstimateChange``): a re-estimate is a scope change on its day, as in Jira. Before any
change was recorded, a card's points are its estimate now (a completed sprint's: as it
held them when it was completed).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pacer.analytics import flow
from pacer.work.models import CardEvent, EstimateChange, EventKind, Sprint
from pacer.work.selectors import stages, timelines


@dataclass(frozen=True)
class SprintReport:
    sprint: Sprint
    days: list[date]
    scope: float  # the points in scope on the last day shown
    scope_by_day: list[float]  # the points in scope at the end of each day
    remaining: list[float | None]  # None for days not shown (still to come, or after closing)
    ideal: list[float]
    done: list[float | None]
    velocity: float | None
    past: list[tuple[Sprint, float]]  # earlier sprints and the points they finished


def _members(sprint: Sprint) -> dict[int, tuple[float, list[tuple[date, date | None]]]]:
    """Each card that was ever in the sprint: its points (as the sprint held them when it
    was completed, else its estimate now) and the days it was in (``SprintMembership``):
    ``(day it joined, day it left or None)`` each. In a completed sprint, leaving when it
    was completed (carried on) is not leaving: it counts in the scope to the end."""
    points: dict[int, float] = {}
    rows = sprint.memberships.order_by("joined_at", "id").values_list(
        "card_id", "card__estimate", "joined_at", "left_at"
    )
    stays: dict[int, list] = defaultdict(list)
    for card_id, estimate, joined, left in rows:
        if sprint.completed_at is not None and left is not None and left >= sprint.completed_at:
            left = None
        points.setdefault(card_id, float(estimate or 0))
        stays[card_id].append((joined.date(), left.date() if left else None))
    if sprint.completed_at is not None:
        points.update({pk: float(held) for pk, held, _ in sprint.outcome})
    return {pk: (points[pk], stays[pk]) for pk in stays}


def _in_on(stays: list[tuple[date, date | None]], day: date) -> bool:
    """Whether the card was in the sprint at the end of ``day`` (out from the day it left)."""
    return any(joined <= day and (left is None or left > day) for joined, left in stays)


def _archive_steps(card_ids: list[int], until=None) -> dict[int, list[tuple[date, bool]]]:
    """Each card's archivings and restorings (up to ``until`` when given): ``(day,
    archived afterwards)``, in order."""
    steps: dict[int, list] = defaultdict(list)
    events = CardEvent.objects.filter(
        card_id__in=card_ids, kind__in=[EventKind.ARCHIVED, EventKind.RESTORED]
    ).order_by("at", "id")
    if until is not None:
        events = events.filter(at__lte=until)
    for card_id, kind, at in events.values_list("card_id", "kind", "at"):
        steps[card_id].append((at.date(), kind == EventKind.ARCHIVED))
    return steps


def _archived_on(steps: list[tuple[date, bool]], day: date) -> bool:
    archived = False
    for when, gone in steps:
        if when > day:
            break
        archived = gone
    return archived


def _estimate_steps(card_ids: list[int], until=None) -> dict[int, list[tuple[date, int, int]]]:
    """Each card's estimate changes (up to ``until`` when given): ``(day, before, after)``,
    in order, no estimate counting 0."""
    steps: dict[int, list] = defaultdict(list)
    changes = EstimateChange.objects.filter(card_id__in=card_ids).order_by("at", "id")
    if until is not None:
        changes = changes.filter(at__lte=until)
    for card_id, before, after, at in changes.values_list("card_id", "before", "after", "at"):
        steps[card_id].append((at.date(), before or 0, after or 0))
    return steps


def _points_on(base: float, steps: list[tuple[date, int, int]], day: date) -> float:
    """A card's points at the end of ``day``: what its last change by then made them, else
    what its first later change replaced, else ``base`` (no change recorded)."""
    for when, _before, after in reversed(steps):
        if when <= day:
            return float(after)
    return float(steps[0][1]) if steps else base


def _by_day(sprint: Sprint, days: list[date]) -> tuple[list[float], list[float]]:
    """The points in scope and the points done at the end of each day."""
    members = _members(sprint)
    ids = list(members)
    lines = timelines(sprint.board, card_ids=ids)
    if sprint.completed_at is not None:  # as the cards stood when it was completed
        lines = {
            card: kept
            for card, line in lines.items()
            if (kept := [(at, col) for at, col in line if at <= sprint.completed_at])
        }
    finished = {
        f.card: f.finished.date()
        for f in flow.card_flows(lines, stages(sprint.board))
        if f.finished
    }
    steps = _archive_steps(ids, sprint.completed_at)
    estimates = _estimate_steps(ids, sprint.completed_at)
    scope, done = [], []
    for day in days:
        present = [
            (pk, _points_on(base, estimates[pk], day))
            for pk, (base, stays) in members.items()
            if _in_on(stays, day) and not _archived_on(steps[pk], day)
        ]
        scope.append(sum(pts for _, pts in present))
        done.append(sum(pts for pk, pts in present if pk in finished and finished[pk] <= day))
    return scope, done


def velocity_points(sprint: Sprint) -> float:
    """What a sprint finished: its ``done_points`` once completed, else the points done on
    its last day."""
    if sprint.done_points is not None:
        return float(sprint.done_points)
    return _by_day(sprint, [sprint.end])[1][0]


def sprint_report(sprint: Sprint, *, today: date) -> SprintReport:
    days = flow.sprint_days(sprint.start, sprint.end)
    scope, done = _by_day(sprint, days)
    last = today if sprint.completed_at is None else min(today, sprint.completed_at.date())
    shown = [day <= last for day in days]
    ideal = flow.burndown(scope[0], [], days)[1]
    past = [
        (earlier, velocity_points(earlier))
        for earlier in sprint.board.sprints.filter(end__lt=sprint.start).order_by("start")
    ]
    seen = [i for i, s in enumerate(shown) if s]
    return SprintReport(
        sprint=sprint,
        days=days,
        scope=scope[seen[-1] if seen else 0],
        scope_by_day=scope,
        remaining=[s - d if on else None for s, d, on in zip(scope, done, shown, strict=True)],
        ideal=ideal,
        done=[d if on else None for d, on in zip(done, shown, strict=True)],
        velocity=flow.velocity([points for _, points in past]),
        past=past,
    )
