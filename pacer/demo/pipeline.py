"""The demo's front desk works its leads through the stages in order, as a real team does.

A lead arrives in the workspace's first open stage ("lead"). The first call makes it a
marketing qualified lead; a lead that will buy then becomes sales qualified and an
opportunity on its way to its first order, when it is won (the stages spaced evenly
between the call and the order). A lead that never buys gets as far as a draw of its
own seeded stream says (``REACH``: most stop after the first call) and is disqualified,
with the reason the team would give at that stage (``REASONS``), once it has been
stale for ``STALE_AFTER``; one never answered is disqualified as gone quiet then.

``plan`` is one lead's moves from the simulator's truth (whether and when it bought,
when it was answered); ``next_moves`` those due by ``now`` after the stage the lead is
in, so the loader makes each move once and a second load makes none.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

# a lead that goes nowhere is closed this long after it came, as a front desk clears its
# inbox (the demo showed open leads 44 days old when it waited 45)
STALE_AFTER = timedelta(days=14)
QUIET_REASON = "Went quiet: no reply in 14 days"
# how far a lead that never buys gets past its first call: 1 = marketing qualified only,
# 2 = sales qualified, 3 = an opportunity (a visit booked or a quote sent)
REACH = {1: 0.5, 2: 0.3, 3: 0.2}
REASONS = {
    0: (QUIET_REASON,),
    1: ("Not ready to buy yet", "Only asking about prices", "Went quiet after the first call"),
    2: ("Outside our service area", "Chose another provider", "No budget this year"),
    3: ("Chose another provider", "Price too high for them", "Put it off until next year"),
}
BY_TEAM, BY_ORDER, BY_STALE = "demo: front desk", "demo: first order", "demo: stale"


@dataclass(frozen=True)
class Move:
    stage: str
    at: datetime
    by: str
    reason: str = ""


def _moment(seconds: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def plan(
    *,
    seed: int,
    contact: int,
    created: datetime,
    answered_at: datetime | None,
    converted_at: int | None,
    ladder: list[str],
    won: str,
    lost: str,
) -> list[Move]:
    """The moves of one lead, in time order: up ``ladder`` (the open stages after the one a
    lead starts in), then to ``won`` at its first order (``converted_at``, seconds since
    the epoch; None: it never bought) or to ``lost`` once stale. Deterministic in
    ``seed`` and ``contact``."""
    if converted_at is not None:
        end = _moment(converted_at)
        start = min(answered_at or created, end)
        steps = [(stage, start + (end - start) * i / len(ladder)) for i, stage in enumerate(ladder)]
        return [Move(stage, at, BY_TEAM) for stage, at in steps] + [Move(won, end, BY_ORDER)]
    draw = np.random.default_rng([seed, 41, contact])
    reach = 0
    if answered_at is not None and ladder:
        reach = min(int(draw.choice(list(REACH), p=list(REACH.values()))), len(ladder))
    end = max(created + STALE_AFTER, (answered_at or created) + timedelta(days=1))
    start = answered_at or created
    moves = [
        Move(stage, start + (end - start) * i / (reach + 1), BY_TEAM)
        for i, stage in enumerate(ladder[:reach])
    ]
    reasons = REASONS[min(reach, max(REASONS))]
    reason = reasons[int(draw.integers(len(reasons)))]
    return [*moves, Move(lost, end, BY_STALE, reason)]


def next_moves(planned: list[Move], stage: str, first: str, now: datetime) -> list[Move]:
    """The planned moves after ``stage`` (where the lead is; ``first``: the stage every
    lead starts in) that are due by ``now``; none when the lead is in a stage the plan
    does not pass (someone moved it by hand)."""
    passed = [first, *(move.stage for move in planned)]
    if stage not in passed:
        return []
    position = len(passed) - 1 - passed[::-1].index(stage)
    return [move for move in planned[position:] if move.at <= now]
