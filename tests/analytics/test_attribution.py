"""Attribution models against hand-computed cases and the brute-force definitions."""

import itertools
import math
from datetime import datetime, timedelta
from fractions import Fraction

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


def exactly(result, expected: dict[str, Fraction]) -> None:
    """Credits equal to hand-computed fractions (to floating-point rounding)."""
    got = dict(zip(result.channels, result.conversions.tolist(), strict=True))
    assert got == pytest.approx({c: float(v) for c, v in expected.items()}, abs=1e-12)


def test_markov_order_two_matches_the_hand_solved_chain():
    # Paths: A B -> conv (value 30), C B -> null, A -> null, B -> conv (60),
    # A A B -> conv (90). Order-2 states (newest first, "." = no earlier touch):
    #   start -> (A.) 3/5, (C.) 1/5, (B.) 1/5
    #   (A.) -> (BA) 1/3, null 1/3, (AA) 1/3;  (AA) -> (BA) 1
    #   (BA) -> conv 1;  (C.) -> (BC) 1;  (BC) -> null 1;  (B.) -> conv 1
    # P(conv) = 3/5 (1/3 + 1/3) + 1/5 = 3/5.
    # Without A ((A.), (AA), (BA) gone): 1/5, removal 1 - (1/5)/(3/5) = 2/3.
    # Without B: 0, removal 1. Without C: 3/5, removal 0 (order 1 gives C 1/4: it cannot
    # see that B converts only after A). Shares 2/3 : 1 : 0 of 3 conversions and 180.
    j = Journeys.from_paths(
        [["A", "B"], ["C", "B"], ["A"], ["B"], ["A", "A", "B"]],
        [True, False, False, True, True],
        [30, 0, 0, 60, 90],
    )
    second = attribute(j, AttributionConfig("markov", markov_order=2))
    assert second.model == "markov_order_2"
    exactly(second, {"A": Fraction(6, 5), "B": Fraction(9, 5), "C": Fraction(0)})
    assert second.revenue.tolist() == pytest.approx([72, 108, 0], abs=1e-9)
    # order 1 on the same paths: A -> B 1/2, A 1/4, null 1/4; B -> conv 3/4, so
    # P(conv | A) = 1/2 and P = 3/5 again; removals A 1/2 (P falls to 3/10), B 1,
    # C 1/4 (P falls to 9/20): shares 1/2 : 1 : 1/4 of 3 conversions
    exactly(
        attribute(j, "markov"),
        {"A": Fraction(6, 7), "B": Fraction(12, 7), "C": Fraction(3, 7)},
    )


def test_markov_order_three_matches_the_hand_solved_chain():
    # Paths: A C B -> conv (twice, 10 each), D C B -> null, C B -> conv (40).
    # Order-3 states (newest first):
    #   start -> (A..) 2/4, (D..) 1/4, (C..) 1/4
    #   (A..) -> (CA.) -> (BCA) -> conv;  (D..) -> (CD.) -> (BCD) -> null;
    #   (C..) -> (BC.) -> conv.   P(conv) = 2/4 + 1/4 = 3/4.
    # Removals: A 1 - (1/4)/(3/4) = 2/3; B 1; C 1; D 0 (order 2 merges (BCA) and (BCD)
    # into (BC), which converts 3/4, and gives D a removal effect of 1/4).
    # Shares 2/3 : 1 : 1 : 0 (sum 8/3) of 3 conversions and of 60.
    j = Journeys.from_paths(
        [["A", "C", "B"], ["A", "C", "B"], ["D", "C", "B"], ["C", "B"]],
        [True, True, False, True],
        [10, 10, 0, 40],
    )
    third = attribute(j, AttributionConfig("markov", markov_order=3))
    assert third.model == "markov_order_3"
    exactly(
        third,
        {"A": Fraction(3, 4), "B": Fraction(9, 8), "C": Fraction(9, 8), "D": Fraction(0)},
    )
    assert third.revenue.tolist() == pytest.approx([15, 22.5, 22.5, 0], abs=1e-9)
    # order 2 on the same paths: without A, the paths through (D.) and (C.) still reach
    # (BC), which converts 3/4: P = 2/4 * 3/4 = 3/8, removal 1/2; without D,
    # P = 3/4 * 3/4 = 9/16, removal 1/4; B and C 1. Shares 1/2 : 1 : 1 : 1/4 of 3.
    exactly(
        attribute(j, AttributionConfig("markov", markov_order=2)),
        {"A": Fraction(6, 11), "B": Fraction(12, 11), "C": Fraction(12, 11), "D": Fraction(3, 11)},
    )


def test_markov_higher_orders_conserve_conversions_on_random_paths():
    rng = np.random.default_rng(0)
    paths = [list(rng.choice(list("abcd"), size=rng.integers(1, 6))) for _ in range(400)]
    converted = (rng.random(400) < 0.3).tolist()
    j = Journeys.from_paths(paths, converted)
    for order in (1, 2, 3):
        result = attribute(j, AttributionConfig("markov", markov_order=order))
        assert result.conversions.sum() == pytest.approx(sum(converted))
        assert (result.conversions >= 0).all()


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
    # no spend, or too little for a finite ratio: return on spend is undefined (null)
    tiny = compare(j, ["linear"], spend={"a": 0.0, "b": 1e-308}).sort("channel")
    assert tiny["roas"].to_list() == [None, None] and tiny["romi"].to_list() == [None, None]
    for model in set(table["model"]):
        assert table.filter(pl.col("model") == model)["conversions"].sum() == pytest.approx(2)


def test_time_decay_weights_cannot_underflow():
    # three years old, one-hour half-life: 2**-26280 is 0 in floating point, yet the
    # weights are relative to the journey's latest touch, so they stay 0 and 1, not NaN
    j = _timed([1095 + 1 / 24, 1095])
    weights = credits(j, AttributionConfig("time_decay", half_life_days=1 / 24))
    assert list(weights.values()) == pytest.approx([1 / 3, 2 / 3])
    tiny = credits(j, AttributionConfig("time_decay", half_life_days=1e-6))
    assert list(tiny.values()) == [0.0, 1.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Journeys.from_paths([], []), "paths: no journeys given"),
        (lambda: Journeys.from_paths([["a"], []], [True, False]), "paths[1]: a journey needs"),
        (lambda: Journeys.from_paths(["ab"], [True]), "paths[0]: a journey needs a list"),
        (lambda: Journeys.from_paths([["a", 3]], [True]), "paths[0]: channels must be names"),
        (lambda: Journeys.from_paths([["a"]], [True], [-1]), "value: must be at least 0"),
        (lambda: Journeys.from_paths([["a"]], [True], [math.nan]), "value: must be finite"),
        (lambda: Journeys.from_paths([["a"]], [1]), "converted: must be True or False"),
        (lambda: Journeys.from_paths([["a"]], [True, False]), "converted: needs one entry"),
        (lambda: AttributionConfig("magic"), "model: 'magic' is not one of"),
        (lambda: AttributionConfig("markov", markov_order=4), "markov_order: must be 1, 2 or 3"),
        (lambda: AttributionConfig("markov", markov_order=True), "markov_order: must be 1, 2"),
        (lambda: AttributionConfig("time_decay", half_life_days=0), "half_life_days: must be gr"),
        (
            lambda: AttributionConfig("time_decay", half_life_days=math.inf),
            "half_life_days: must be a finite number",
        ),
        (lambda: attribute(Journeys.from_paths([["a"]], [False]), "markov"), "no journey converts"),
        (lambda: attribute([["a"]], "linear"), "journeys: must be a Journeys"),
        (lambda: attribute(Journeys.from_paths([["a"]], [True]), 3), "config: must be a model"),
        (
            lambda: attribute(Journeys.from_paths([["a"]], [True]), "linear").as_frame({"zz": 1}),
            "spend: unknown channel(s) zz",
        ),
        (
            lambda: attribute(Journeys.from_paths([["a"]], [True]), "linear").as_frame(
                {"a": math.nan}
            ),
            "spend['a']: must be a finite number",
        ),
        (
            lambda: attribute(Journeys.from_paths([["a"]], [True]), "linear").as_frame({"a": -5}),
            "spend['a']: must be at least 0",
        ),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(JourneyError) as error:
        call()
    assert message in str(error.value)


def _direct(**changes):
    fields = {
        "channels": ["a", "b"],
        "offsets": np.array([0, 2, 3]),
        "touch_channel": np.array([0, 1, 1]),
        "touch_age_days": np.zeros(3),
        "lead_position": np.array([-1, -1]),
        "opportunity_position": np.array([-1, -1]),
        "converted": np.array([True, False]),
        "value": np.array([10.0, 0.0]),
    }
    return Journeys(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"channels": ["a", "a"]}, "channels: names must be distinct"),
        ({"offsets": np.array([0, 2, 2])}, "offsets: must start at 0 and increase"),
        ({"offsets": np.array([0, 2, 4])}, "touch_channel: need a 1-D list of 4"),
        ({"touch_channel": np.array([0, 1, 2])}, "touch_channel: must index into channels"),
        ({"touch_channel": np.array([0, 1, 0.5])}, "touch_channel: must be whole numbers"),
        ({"touch_age_days": np.array([0, -1.0, 0])}, "touch_age_days: must be at least 0"),
        ({"touch_age_days": np.array([0, np.nan, 0])}, "touch_age_days: must be finite"),
        ({"lead_position": np.array([2, -1])}, "lead_position: must be -1 or a touch"),
        ({"converted": np.array([1, 0])}, "converted: need one True/False per journey"),
        ({"value": np.array([10.0, 5.0])}, "value: must be 0 for journeys that did not convert"),
        ({"value": np.array([np.inf, 0.0])}, "value: must be finite numbers"),
        ({"value": np.array([1e308, 1e308]), "converted": np.array([True, True])}, "value: the"),
    ],
)
def test_journeys_built_directly_are_checked(changes, message):
    with pytest.raises(JourneyError) as error:
        _direct(**changes)
    assert message in str(error.value)
    assert _direct().lengths.tolist() == [2, 1]


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
    outcomes = pl.DataFrame({"journey_id": [1, 2], "converted": [True, False]})
    for value, message in (
        ([math.nan, 0.0], "outcomes.value: must be a finite number"),
        ([-1.0, 0.0], "outcomes.value: must be a finite number of at least 0"),
        ([None, 0.0], "outcomes.value: must be a number of at least 0"),
        (["x", "y"], "outcomes.value: must be a number"),
    ):
        with pytest.raises(JourneyError, match=message):
            Journeys.from_frame(touches, outcomes.with_columns(value=pl.Series(value)))
    with pytest.raises(JourneyError, match="outcomes.converted: must be True or False"):
        Journeys.from_frame(touches, outcomes.with_columns(converted=pl.Series([1, None])))
    with pytest.raises(JourneyError, match="touches.timestamp: must be dates or times"):
        Journeys.from_frame(touches.with_columns(timestamp=pl.lit("monday")), outcomes)
