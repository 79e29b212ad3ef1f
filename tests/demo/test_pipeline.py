"""The demo's team moves each lead through the stages in order (pacer.demo.pipeline):
no lead skips a stage, a buyer is won at its first order, a lead that goes nowhere is
disqualified with a reason once stale, and a lead is moved on only as far as ``now``."""

from datetime import UTC, datetime, timedelta

from pacer.demo.pipeline import (
    BY_ORDER,
    BY_STALE,
    BY_TEAM,
    QUIET_REASON,
    REASONS,
    STALE_AFTER,
    Move,
    next_moves,
    plan,
)

LADDER = ["mql", "sql", "opportunity"]
CREATED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ANSWERED = CREATED + timedelta(minutes=10)


def _plan(contact: int, *, answered=ANSWERED, converted_at=None, seed=7) -> list[Move]:
    return plan(
        seed=seed,
        contact=contact,
        created=CREATED,
        answered_at=answered,
        converted_at=converted_at,
        ladder=LADDER,
        won="customer",
        lost="disqualified",
    )


def test_a_buyer_climbs_every_stage_in_order_from_the_first_call_to_its_first_order():
    order = CREATED + timedelta(days=6, minutes=10)
    moves = _plan(3, converted_at=int(order.timestamp()))
    assert moves == [
        Move("mql", ANSWERED, BY_TEAM),
        Move("sql", ANSWERED + timedelta(days=2), BY_TEAM),
        Move("opportunity", ANSWERED + timedelta(days=4), BY_TEAM),
        Move("customer", order, BY_ORDER),
    ]
    # a buyer never answered climbs from its arrival
    unanswered = _plan(3, answered=None, converted_at=int(order.timestamp()))
    assert [m.at for m in unanswered] == [
        CREATED,
        CREATED + timedelta(days=2, minutes=10 / 3),
        CREATED + timedelta(days=4, minutes=20 / 3),
        order,
    ]


def test_a_lead_that_never_buys_climbs_part_way_then_is_disqualified_with_a_reason_once_stale():
    reached = {}
    for contact in range(400):
        moves = _plan(contact)
        *climb, last = moves
        assert [m.stage for m in climb] == LADDER[: len(climb)]  # in order, none skipped
        assert climb[0] == Move("mql", ANSWERED, BY_TEAM)  # the first call qualifies it
        times = [m.at for m in moves]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert last.stage == "disqualified" and last.by == BY_STALE
        assert last.at == CREATED + STALE_AFTER
        assert last.reason in REASONS[len(climb)]
        reached[len(climb)] = reached.get(len(climb), 0) + 1
        assert _plan(contact) == moves  # seeded: the same every load
    # most stop after the first call, some become opportunities (REACH: 50/30/20 %)
    assert set(reached) == {1, 2, 3} and reached[1] > reached[2] > reached[3] > 40
    assert [_plan(c, seed=8) for c in range(50)] != [_plan(c) for c in range(50)]


def test_a_lead_never_answered_is_disqualified_as_gone_quiet():
    assert _plan(5, answered=None) == [
        Move("disqualified", CREATED + STALE_AFTER, BY_STALE, QUIET_REASON)
    ]
    # answered after the stale mark: qualified at the call, closed a day later
    late = CREATED + STALE_AFTER + timedelta(hours=3)
    moves = _plan(5, answered=late)
    assert moves[0] == Move("mql", late, BY_TEAM)
    assert moves[-1].at == late + timedelta(days=1)


def test_only_the_moves_due_by_now_after_the_lead_s_stage_are_made():
    order = CREATED + timedelta(days=6, minutes=10)
    moves = _plan(3, converted_at=int(order.timestamp()))
    assert next_moves(moves, "lead", "lead", CREATED) == []
    assert next_moves(moves, "lead", "lead", ANSWERED + timedelta(days=3)) == moves[:2]
    assert next_moves(moves, "sql", "lead", ANSWERED + timedelta(days=3)) == []
    assert next_moves(moves, "sql", "lead", order) == moves[2:]
    assert next_moves(moves, "customer", "lead", order + timedelta(days=99)) == []
    # moved by hand to a stage the plan does not pass: left alone
    assert next_moves(moves, "subscriber", "lead", order) == []
