"""Flow metrics and sprint charts from card timelines: exact values worked by hand, and
refusals naming the argument."""

from datetime import UTC, date, datetime

import pytest

from pacer.analytics import flow

STAGES = {"todo": "todo", "doing": "doing", "review": "doing", "done": "done"}


def t(day: int, hour: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


TIMELINES = {
    # created Mon 2, started Tue 3, finished Thu 5 noon: lead 3.5, cycle 2.5
    "a": [(t(2), "todo"), (t(3), "doing"), (t(4), "review"), (t(5, 12), "done")],
    # straight to done on Wed 4: lead 2, cycle 0
    "b": [(t(2), "todo"), (t(4), "done")],
    # finished, then reopened: not finished
    "c": [(t(2), "todo"), (t(3), "doing"), (t(4), "done"), (t(5), "doing")],
    # never started
    "d": [(t(3), "todo")],
}


def test_lead_and_cycle_times_per_card():
    flows = {f.card: f for f in flow.card_flows(TIMELINES, STAGES)}
    assert [(k, f.lead_time, f.cycle_time) for k, f in flows.items()] == [
        ("a", 3.5, 2.5),
        ("b", 2.0, 0.0),
        ("c", None, None),
        ("d", None, None),
    ]
    assert flows["c"].started == t(3) and flows["d"].started is None


def test_distribution_median_and_85th_percentile():
    # sorted 1, 2, 4, 8, 10: median 4; p85 at rank 0.85 * 4 = 3.4 -> 8 + 0.4 * 2 = 8.8
    assert flow.distribution([8, 1, 10, 2, 4]) == flow.Distribution(5, 4.0, 8.8)


def test_cumulative_flow_counts_cards_by_column_at_each_days_end():
    days = [date(2026, 3, d) for d in (2, 3, 4, 5)]
    found = flow.cumulative_flow(TIMELINES, list(STAGES), days)
    assert found == {
        "todo": [3, 2, 1, 1],
        "doing": [0, 2, 0, 1],
        "review": [0, 0, 1, 0],
        "done": [0, 0, 2, 2],
    }
    # every card that exists is counted once on every day
    assert [sum(col[i] for col in found.values()) for i in range(4)] == [3, 4, 4, 4]


def test_throughput_per_week_and_blocked_time_and_ageing():
    finished = [t(2), t(8, 23), t(9), t(20)]
    assert flow.throughput(finished, [date(2026, 3, 2), date(2026, 3, 9)]) == [2, 1]
    spells = [(t(2), t(2, 6)), (t(3), None)]
    assert flow.blocked_days(spells, now=t(4, 12)) == 0.25 + 1.5
    ages = flow.ageing(flow.card_flows(TIMELINES, STAGES), now=t(6))
    assert ages == {"c": 3.0}


def test_burndown_burnup_and_velocity():
    days = flow.sprint_days(date(2026, 3, 2), date(2026, 3, 6))
    finished = [(date(2026, 3, 3), 3), (date(2026, 3, 5), 5), (date(2026, 3, 5), 2)]
    assert flow.burnup(finished, days) == [0.0, 3.0, 3.0, 10.0, 10.0]
    remaining, ideal = flow.burndown(12, finished, days)
    assert remaining == [12.0, 9.0, 9.0, 2.0, 2.0]
    assert ideal == [12.0, 9.0, 6.0, 3.0, 0.0]
    assert flow.velocity([10, 20, 30, 40], last=2) == 35.0
    assert flow.velocity([]) is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: flow.card_flows({"x": []}, STAGES), "card x has no steps"),
        (lambda: flow.card_flows({"x": [(t(3), "todo"), (t(2), "done")]}, STAGES), "time order"),
        (lambda: flow.card_flows({"x": [(t(3), "lost")]}, STAGES), "no stage"),
        (lambda: flow.card_flows({}, {"todo": "waiting"}), "not one of"),
        (lambda: flow.distribution([1.0, float("nan")]), "days: every duration"),
        (lambda: flow.distribution([-1.0]), "days: every duration"),
        (lambda: flow.throughput([], [date(2026, 3, 3)]), "weeks: every week"),
        (lambda: flow.blocked_days([(t(3), t(2))], now=t(4)), "spells"),
        (lambda: flow.sprint_days(date(2026, 3, 3), date(2026, 3, 2)), "end"),
        (lambda: flow.burndown(float("inf"), [], []), "scope"),
        (lambda: flow.burnup([(date(2026, 3, 2), -1)], []), "points_finished"),
        (lambda: flow.velocity([1], last=0), "last"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(call, message):
    with pytest.raises(flow.FlowError, match=message):
        call()
