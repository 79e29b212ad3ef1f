"""Flow metrics of a Kanban board and the charts of a sprint, from the cards' histories.

A card's history is its *timeline*: ``[(moment, column), ...]`` in time order, one step for
its creation in a column and one for each move. ``stages`` maps each column to what it
means for the flow: ``"todo"`` (waiting), ``"doing"`` (started) or ``"done"`` (finished).

- **Lead time**: creation to finish; **cycle time**: first start to finish (a card moved
  straight from to-do to done starts and finishes at once). A card is finished when its
  last step is into a done column, at the moment of that step (moved back out of done, it
  is not finished).
- **Cumulative flow**: cards in each column at the end of each day.
- **Throughput**: cards finished per week (weeks start on the given Mondays).
- **Ageing**: days since an unfinished, started card first started.
- **Burndown / burnup**: a sprint's estimate points left and done at the end of each day.

Times are in days (float). Nothing here reads a database: the selectors of
``pacer.work`` turn the card events into timelines.

Example
-------
>>> from datetime import datetime as t
>>> stages = {"To do": "todo", "Doing": "doing", "Done": "done"}
>>> timelines = {
...     1: [(t(2026, 3, 2), "To do"), (t(2026, 3, 3), "Doing"), (t(2026, 3, 5), "Done")],
...     2: [(t(2026, 3, 2), "To do"), (t(2026, 3, 4), "Doing")],
... }
>>> [(f.card, f.lead_time, f.cycle_time) for f in card_flows(timelines, stages)]
[(1, 3.0, 2.0), (2, None, None)]
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np

STAGES = ("todo", "doing", "done")
DAY_SECONDS = 86_400.0


class FlowError(ValueError):
    """Refused input: names the argument and the reason."""


Timeline = Sequence[tuple[datetime, object]]


@dataclass(frozen=True)
class CardFlow:
    """One card's passage: when it was created, first started and finished (``None``
    while it has not), and its lead and cycle times in days."""

    card: object
    created: datetime
    started: datetime | None
    finished: datetime | None

    @property
    def lead_time(self) -> float | None:
        return _days(self.finished - self.created) if self.finished else None

    @property
    def cycle_time(self) -> float | None:
        if self.finished is None or self.started is None:
            return None
        return _days(self.finished - self.started)


@dataclass(frozen=True)
class Distribution:
    """Count, median and 85th percentile (linear interpolation) of some durations in
    days; ``median`` and ``p85`` are ``None`` when there are none."""

    count: int
    median: float | None
    p85: float | None


def _days(delta: timedelta) -> float:
    return delta.total_seconds() / DAY_SECONDS


def _checked(timelines: Mapping, stages: Mapping) -> None:
    for column, stage in stages.items():
        if stage not in STAGES:
            raise FlowError(f"stages: '{column}' is '{stage}', not one of {', '.join(STAGES)}")
    for card, timeline in timelines.items():
        if not timeline:
            raise FlowError(f"timelines: card {card} has no steps")
        moments = [moment for moment, _ in timeline]
        if any(later < earlier for earlier, later in zip(moments, moments[1:], strict=False)):
            raise FlowError(f"timelines: card {card}'s steps are not in time order")
        unknown = {column for _, column in timeline} - set(stages)
        if unknown:
            raise FlowError(f"timelines: card {card} is in columns with no stage: {unknown}")


def card_flows(timelines: Mapping[object, Timeline], stages: Mapping) -> list[CardFlow]:
    """Each card's creation, first start and finish, in the order of ``timelines``.

    >>> from datetime import datetime as t
    >>> stages = {"todo": "todo", "done": "done"}
    >>> flow = card_flows({7: [(t(2026, 1, 1), "todo"), (t(2026, 1, 2, 12), "done")]}, stages)
    >>> flow[0].lead_time, flow[0].cycle_time
    (1.5, 0.0)
    """
    _checked(timelines, stages)
    flows = []
    for card, timeline in timelines.items():
        started = next((m for m, c in timeline if stages[c] != "todo"), None)
        last_moment, last_column = timeline[-1]
        finished = last_moment if stages[last_column] == "done" else None
        flows.append(CardFlow(card, timeline[0][0], started, finished))
    return flows


def distribution(days: Iterable[float | None]) -> Distribution:
    """Median and 85th percentile of the durations given (``None`` ones are skipped).

    >>> distribution([1.0, 2.0, 3.0, 4.0, None])
    Distribution(count=4, median=2.5, p85=3.55)
    >>> distribution([])
    Distribution(count=0, median=None, p85=None)
    """
    values = np.array([d for d in days if d is not None], dtype=float)
    if values.size == 0:
        return Distribution(0, None, None)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise FlowError("days: every duration must be a finite number of at least 0")
    median, p85 = np.quantile(values, [0.5, 0.85])
    return Distribution(int(values.size), round(float(median), 6), round(float(p85), 6))


def cumulative_flow(
    timelines: Mapping[object, Timeline], columns: Sequence, days: Sequence[date]
) -> dict[object, list[int]]:
    """For each column, how many cards were in it at the end of each day.

    >>> from datetime import date, datetime as t
    >>> timelines = {1: [(t(2026, 3, 2, 9), "a"), (t(2026, 3, 3, 9), "b")],
    ...              2: [(t(2026, 3, 3, 10), "a")]}
    >>> cumulative_flow(timelines, ["a", "b"], [date(2026, 3, 2), date(2026, 3, 3)])
    {'a': [1, 1], 'b': [0, 1]}
    """
    _checked(timelines, dict.fromkeys(columns, "todo"))
    counts = {column: [0] * len(days) for column in columns}
    ends = [datetime.combine(day + timedelta(days=1), datetime.min.time()) for day in days]
    for timeline in timelines.values():
        for index, end in enumerate(ends):
            column = None
            for moment, step_column in timeline:
                if moment.replace(tzinfo=None) >= end:
                    break
                column = step_column
            if column is not None:
                counts[column][index] += 1
    return counts


def throughput(finished: Iterable[datetime | date], weeks: Sequence[date]) -> list[int]:
    """Cards finished in each week starting on the given Mondays.

    >>> from datetime import date
    >>> throughput([date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 9)],
    ...            [date(2026, 3, 2), date(2026, 3, 9)])
    [2, 1]
    """
    if any(week.weekday() != 0 for week in weeks):
        raise FlowError("weeks: every week must start on a Monday")
    index = {week: i for i, week in enumerate(weeks)}
    counts = [0] * len(weeks)
    for moment in finished:
        day = moment.date() if isinstance(moment, datetime) else moment
        week = index.get(day - timedelta(days=day.weekday()))
        if week is not None:
            counts[week] += 1
    return counts


def blocked_days(spells: Iterable[tuple[datetime, datetime | None]], now: datetime) -> float:
    """Days blocked over the spells ``(blocked at, unblocked at or None while blocked)``.

    >>> from datetime import datetime as t
    >>> blocked_days([(t(2026, 3, 2), t(2026, 3, 3, 12)), (t(2026, 3, 5), None)],
    ...              now=t(2026, 3, 6))
    2.5
    """
    total = 0.0
    for start, end in spells:
        stop = end or now
        if stop < start:
            raise FlowError("spells: a spell must not end before it starts")
        total += _days(stop - start)
    return total


def ageing(flows: Iterable[CardFlow], now: datetime) -> dict[object, float]:
    """Days since each started, unfinished card first started.

    >>> from datetime import datetime as t
    >>> ageing([CardFlow(1, t(2026, 3, 1), t(2026, 3, 2), None),
    ...         CardFlow(2, t(2026, 3, 1), None, None)], now=t(2026, 3, 4, 12))
    {1: 2.5}
    """
    return {
        flow.card: _days(now - flow.started)
        for flow in flows
        if flow.started is not None and flow.finished is None
    }


def sprint_days(start: date, end: date) -> list[date]:
    """The days of a sprint, first to last.

    >>> [d.day for d in sprint_days(date(2026, 3, 2), date(2026, 3, 4))]
    [2, 3, 4]
    """
    if end < start:
        raise FlowError("end: must not be before start")
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def burnup(points_finished: Iterable[tuple[date, float]], days: Sequence[date]) -> list[float]:
    """Points done by the end of each day, from ``(day finished, points)`` pairs.

    >>> from datetime import date
    >>> days = sprint_days(date(2026, 3, 2), date(2026, 3, 4))
    >>> burnup([(date(2026, 3, 3), 5), (date(2026, 3, 4), 3), (date(2026, 3, 1), 2)], days)
    [2.0, 7.0, 10.0]
    """
    pairs = [(day, float(points)) for day, points in points_finished]
    if any(points < 0 or not np.isfinite(points) for _, points in pairs):
        raise FlowError("points_finished: points must be finite and at least 0")
    return [sum(points for finished, points in pairs if finished <= day) for day in days]


def burndown(
    scope: float, points_finished: Iterable[tuple[date, float]], days: Sequence[date]
) -> tuple[list[float], list[float]]:
    """Points left at the end of each day, and the ideal line from ``scope`` to 0.

    >>> from datetime import date
    >>> days = sprint_days(date(2026, 3, 2), date(2026, 3, 4))
    >>> burndown(10, [(date(2026, 3, 3), 4)], days)
    ([10.0, 6.0, 6.0], [10.0, 5.0, 0.0])
    """
    if scope < 0 or not np.isfinite(scope):
        raise FlowError("scope: must be a finite number of at least 0")
    done = burnup(points_finished, days)
    steps = max(len(days) - 1, 1)
    ideal = [round(float(scope) * (1 - i / steps), 6) for i in range(len(days))]
    return [float(scope) - d for d in done], ideal


def velocity(completed: Sequence[float], last: int = 3) -> float | None:
    """Mean points completed over the last ``last`` finished sprints (``None`` with none).

    >>> velocity([20, 30, 25, 35])
    30.0
    """
    if last < 1:
        raise FlowError("last: must be at least 1")
    recent = [float(points) for points in completed][-last:]
    return float(np.mean(recent)) if recent else None
