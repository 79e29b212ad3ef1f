"""A sprint's burndown, burnup and velocity, day by day, from its cards' histories.

A card is in the sprint's scope on a day unless it is archived at the end of that day: an
archived card leaves the scope, the points left and the points done from the day it was
archived, and a restored one is back in from the day it was restored (Jira shows an issue
taken out of a sprint as a scope change on that day; the days before keep it). A card's
points are done from the day it reached a done column. A completed sprint is read from
what it held when it was completed (``Sprint.outcome``) and its cards' moves and
archivings until then (a card reopened or archived later stays done in it): its cards
carried on count in its scope (unfinished then, never done in it), and its charts stop on
the day it was completed. Its velocity is
what it finished (``done_points``); a sprint that ended without being completed counts the
points done on its last day.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from pacer.analytics import flow
from pacer.work.models import CardEvent, EventKind, Sprint
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


def _members(sprint: Sprint) -> list[tuple[int, float]]:
    """``(card id, points)`` of the sprint's cards: as it held them when it was completed,
    else those in it now."""
    if sprint.completed_at is not None:
        return [(pk, float(points)) for pk, points, _ in sprint.outcome]
    return [(pk, float(points or 0)) for pk, points in sprint.cards.values_list("pk", "estimate")]


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


def _by_day(sprint: Sprint, days: list[date]) -> tuple[list[float], list[float]]:
    """The points in scope and the points done at the end of each day."""
    members = _members(sprint)
    ids = [pk for pk, _ in members]
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
    scope, done = [], []
    for day in days:
        present = [(pk, pts) for pk, pts in members if not _archived_on(steps[pk], day)]
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
