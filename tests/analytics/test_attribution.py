"""Attribution models against hand-computed cases and the brute-force definitions."""

import itertools
import math
from datetime import datetime, timedelta

import numpy as np
import polars as pl
import pytest

from pacer.analytics.attribution import AttributionConfig, attribute, compare
from pacer.analytics.journeys import JourneyError, Journeys


def credits(journeys, config):
    result = attribute(journeys, config)
    return dict(zip(result.channels, np.round(result.conversions, 12).tolist(), strict=True))


def test_rule_based_models_on_one_four_touch_journey():
    j = Journeys.from_paths([["a", "b", "c", "d"]], [True], [200.0])
    assert credits(j, "first_touch") == {"a": 1, "b": 0, "c": 0, "d": 0}
    assert credits(j, "last_touch") == {"a": 0, "b": 0, "c": 0, "d": 1}
    assert credits(j, "linear") == {"a": 0.25, "b": 0.25, "c": 0.25, "d": 0.25}
    assert credits(j, "position_based") == {"a": 0.4, "b": 0.1, "c": 0.1, "d": 0.4}
    assert attribute(j, "position_based").revenue.tolist() == pytest.approx([80, 20, 20, 80])


def test_position_based_short_journeys():
    j = Journeys.from_paths([["a"], ["a", "b"]], [True, True])
    assert credits(j, "position_based") == {"a": 1.5, "b": 0.5}


def _timed(ages_days, lead=None, opportunity=None, converted=True):
    end = datetime(2026, 3, 1)
    n = len(ages_days)
    touches = pl.DataFrame(
        {
            "journey_id": [1] * n,
            "channel": [f"c{i}" for i in range(n)],
            "timestamp": [end - timedelta(days=a) for a in ages_days],
            "lead": [i == lead for i in range(n)],
            "opportunity": [i == opportunity for i in range(n)],
        }
    )
    outcomes = pl.DataFrame(
        {"journey_id": [1], "converted": [converted], "value": [1.0], "converted_at": [end]}
    )
    return Journeys.from_frame(touches, outcomes)


def test_time_decay_halves_credit_per_half_life():
    j = _timed([14, 7, 0])
    weights = np.array([0.25, 0.5, 1.0]) / 1.75
    assert list(credits(j, "time_decay").values()) == pytest.approx(weights.tolist())
    faster = credits(j, AttributionConfig("time_decay", half_life_days=3.5))
    assert list(faster.values()) == pytest.approx(
        (np.array([1 / 16, 1 / 4, 1]) / (21 / 16)).tolist()
    )


def test_w_shaped_and_full_path_with_all_milestones():
    # five touches: first, lead at 1, opportunity at 3, last at 4, one other at 2
    j = _timed([10, 8, 6, 4, 0], lead=1, opportunity=3)
    assert list(credits(j, "w_shaped").values()) == pytest.approx([0.3, 0.3, 0.05, 0.3, 0.05])
    assert list(credits(j, "full_path").values()) == pytest.approx(
        [0.225, 0.225, 0.1, 0.225, 0.225]
    )


def test_milestone_models_redistribute_absent_and_coinciding_milestones():
    # no opportunity: its 30% is split over first and lead (45% each); 10% to the rest
    j = _timed([3, 2, 1], lead=1)
    assert list(credits(j, "w_shaped").values()) == pytest.approx([0.45, 0.45, 0.1])
    # lead on the first touch: first+lead milestones add up; no other touches -> remainder
    # (10%) is split over the milestone touches
    j2 = _timed([2, 0], lead=0, opportunity=1)
    assert list(credits(j2, "w_shaped").values()) == pytest.approx([0.65, 0.35])
    assert sum(credits(j2, "full_path").values()) == pytest.approx(1.0)


def test_markov_order_one_matches_the_hand_solved_chain():
    # start->A 2/3, start->B 1/3, A->B 1/2, A->null 1/2, B->conv 1: P(conv) = 2/3.
    # Without A: 1/3 (removal 0.5); without B: 0 (removal 1). Two conversions.
    j = Journeys.from_paths([["A", "B"], ["A"], ["B"]], [True, False, True], [30, 0, 60])
    result = attribute(j, "markov")
    assert result.conversions.tolist() == pytest.approx([2 / 3, 4 / 3])
    assert result.revenue.tolist() == pytest.approx([30, 60])


def test_markov_higher_orders_are_solved_and_conserve_conversions():
    rng = np.random.default_rng(0)
    paths = [list(rng.choice(list("abcd"), size=rng.integers(1, 6))) for _ in range(400)]
    converted = (rng.random(400) < 0.3).tolist()
    j = Journeys.from_paths(paths, converted)
    for order in (1, 2, 3):
        result = attribute(j, AttributionConfig("markov", markov_order=order))
        assert result.conversions.sum() == pytest.approx(sum(converted))
        assert (result.conversions >= 0).all()


def test_markov_order_two_distinguishes_what_order_one_cannot():
    # Order 2 sees that only "a then b" converts; order 1 also credits a's other paths.
    paths = [["a", "b"]] * 10 + [["c", "b"]] * 10
    converted = [True] * 10 + [False] * 10
    j = Journeys.from_paths(paths, converted)
    first = dict(zip(j.channels, attribute(j, "markov").conversions, strict=True))
    second = dict(
        zip(
            j.channels,
            attribute(j, AttributionConfig("markov", markov_order=2)).conversions,
            strict=True,
        )
    )
    assert first["c"] > 0  # order 1: removing c lowers P(b) -> conv
    assert second["c"] == pytest.approx(0)  # order 2: state (c,b) never converts
    assert second["a"] == pytest.approx(second["b"]) == pytest.approx(5)


def brute_force_shapley(paths, converted):
    channels = sorted({c for p in paths for c in p})

    def v(coalition):
        return sum(conv for p, conv in zip(paths, converted, strict=True) if set(p) <= coalition)

    n = len(channels)
    values = {}
    for channel in channels:
        others = [c for c in channels if c != channel]
        total = 0.0
        for size in range(n):
            for subset in itertools.combinations(others, size):
                s = set(subset)
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                total += weight * (v(s | {channel}) - v(s))
        values[channel] = total
    return values


def test_shapley_closed_form_equals_the_brute_force_definition():
    rng = np.random.default_rng(3)
    paths = [list(rng.choice(list("abcde"), size=rng.integers(1, 5))) for _ in range(60)]
    converted = (rng.random(60) < 0.5).astype(int).tolist()
    j = Journeys.from_paths(paths, [bool(c) for c in converted])
    expected = brute_force_shapley(paths, converted)
    assert credits(j, "shapley") == pytest.approx(expected)


def test_compare_reports_every_model_with_romi():
    j = Journeys.from_paths([["a", "b"], ["b"]], [True, True], [100, 50])
    table = compare(j, spend={"a": 25, "b": 100})
    assert set(table["model"]) == {
        "first_touch",
        "last_touch",
        "linear",
        "time_decay",
        "position_based",
        "w_shaped",
        "full_path",
        "markov",
        "markov_order_2",
        "shapley",
    }
    linear = table.filter(pl.col("model") == "linear").sort("channel")
    assert linear["revenue"].to_list() == [50, 100]
    assert linear["romi"].to_list() == [1.0, 0.0]  # (50-25)/25 and (100-100)/100
    for model in set(table["model"]):
        assert table.filter(pl.col("model") == model)["conversions"].sum() == pytest.approx(2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Journeys.from_paths([], []), "paths: no journeys given"),
        (lambda: Journeys.from_paths([["a"], []], [True, False]), "paths[1]: a journey needs"),
        (lambda: Journeys.from_paths([["a"]], [True], [-1]), "value: must be finite"),
        (lambda: AttributionConfig("magic"), "model: 'magic' is not one of"),
        (lambda: AttributionConfig("markov", markov_order=4), "markov_order: must be 1, 2 or 3"),
        (lambda: AttributionConfig("time_decay", half_life_days=0), "half_life_days"),
        (lambda: attribute(Journeys.from_paths([["a"]], [False]), "markov"), "no journey converts"),
        (
            lambda: attribute(Journeys.from_paths([["a"]], [True]), "linear").as_frame({"zz": 1}),
            "spend: unknown channel(s) zz",
        ),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(JourneyError) as error:
        call()
    assert message in str(error.value)


def test_from_frame_checks_its_tables():
    touches = pl.DataFrame(
        {
            "journey_id": [1, 2],
            "channel": ["a", "b"],
            "timestamp": [datetime(2026, 1, 1), datetime(2026, 1, 2)],
        }
    )
    with pytest.raises(JourneyError, match="touches.journey_id: 2 has no outcome"):
        Journeys.from_frame(touches, pl.DataFrame({"journey_id": [1], "converted": [True]}))
    with pytest.raises(JourneyError, match="outcomes.journey_id: journey 3 has no touches"):
        Journeys.from_frame(
            touches, pl.DataFrame({"journey_id": [1, 2, 3], "converted": [True, False, True]})
        )
    with pytest.raises(JourneyError, match="touches: missing column"):
        Journeys.from_frame(
            touches.drop("timestamp"), pl.DataFrame({"journey_id": [1], "converted": [True]})
        )
