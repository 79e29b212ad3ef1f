import itertools

import numpy as np
import polars as pl
import pytest

from pacer.analytics.rfm import DEFAULT_SEGMENTS, RFMError, SegmentRule, quantile_scores, rfm


def test_quintiles_are_equal_sized_without_ties():
    scores = quantile_scores(np.arange(100))
    assert np.bincount(scores)[1:].tolist() == [20] * 5
    assert quantile_scores(np.arange(10), higher_is_better=False).tolist() == [
        5,
        5,
        4,
        4,
        3,
        3,
        2,
        2,
        1,
        1,
    ]


def test_ties_share_the_score_of_their_average_rank():
    # ten customers, six with one order: average rank 3.5 -> score 1 + floor(5 * 2.5 / 10) = 2
    scores = quantile_scores([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])
    assert scores.tolist() == [2, 2, 2, 2, 2, 2, 4, 4, 5, 5]


def test_default_segments_cover_every_r_and_f_score():
    frame = pl.DataFrame({"recency_days": [0], "frequency": [1], "monetary": [1.0]})
    assert rfm(frame)["segment"][0] != "Other"
    for r, f in itertools.product(range(1, 6), repeat=2):
        assert any(
            rule.recency[0] <= r <= rule.recency[1] and rule.frequency[0] <= f <= rule.frequency[1]
            for rule in DEFAULT_SEGMENTS
        ), (r, f)


def test_named_segments_and_custom_rules():
    table = pl.DataFrame(
        {
            "recency_days": list(range(1, 11)),
            "frequency": [10, 9, 1, 1, 5, 5, 8, 9, 1, 2],
            "monetary": [100.0] * 10,
        }
    )
    result = rfm(table)
    assert result["r"].to_list() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert result["segment"].to_list()[:4] == ["Champions", "Champions", "Promising", "Promising"]
    assert result["segment"][8] == "Lost"
    custom = rfm(table, segments=(SegmentRule("Recent", (4, 5), (1, 5)),))
    assert custom["segment"].to_list() == ["Recent"] * 4 + ["Other"] * 6


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pl.DataFrame({"recency_days": [1], "frequency": [1]}), "missing column(s) monetary"),
        (
            pl.DataFrame({"recency_days": [-1], "frequency": [1], "monetary": [1.0]}),
            "recency_days: must be at least 0",
        ),
        (
            pl.DataFrame({"recency_days": [1], "frequency": [-2], "monetary": [1.0]}),
            "frequency: must be at least 0",
        ),
        (
            pl.DataFrame({"recency_days": [1], "frequency": [1], "monetary": [float("nan")]}),
            "monetary: must be finite numbers; item 0 is nan",
        ),
        (
            pl.DataFrame({"recency_days": [1.0, None], "frequency": [1, 1], "monetary": [1, 2]}),
            "recency_days: must be a number for every customer",
        ),
        (
            pl.DataFrame({"recency_days": ["1"], "frequency": [1], "monetary": [1.0]}),
            "recency_days: must be a number",
        ),
        (
            pl.DataFrame(
                {"recency_days": [], "frequency": [], "monetary": []},
                schema={"recency_days": pl.Float64, "frequency": pl.Int64, "monetary": pl.Float64},
            ),
            "customers: the table is empty",
        ),
        ("not a table", "customers: must be a Polars or pandas DataFrame"),
    ],
)
def test_bad_input_is_named(table, message):
    with pytest.raises(RFMError) as error:
        rfm(table)
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: quantile_scores([1.0, 2.0], bins=1), "bins: must be at least 2"),
        (lambda: quantile_scores([1.0, 2.0], bins=2.5), "bins: must be a whole number"),
        (lambda: quantile_scores([]), "values: must be a non-empty"),
        (lambda: quantile_scores([1.0, float("inf")]), "values: must be finite numbers; item 1"),
        (lambda: SegmentRule("x", (3, 1), (1, 5)), "x.recency: the lowest score is above"),
        (lambda: SegmentRule("x", (0, 1), (1, 5)), "x.recency: must be at least 1"),
        (lambda: SegmentRule("x", (1, 2), (1,)), "x.frequency: need a (lowest, highest)"),
        (lambda: SegmentRule("", (1, 2), (1, 2)), "name: a segment needs a name"),
        (
            lambda: rfm(
                pl.DataFrame({"recency_days": [1], "frequency": [1], "monetary": [1.0]}),
                segments=("Champions",),
            ),
            "segments: must be a list of SegmentRule",
        ),
    ],
)
def test_bad_arguments_are_named(call, message):
    with pytest.raises(RFMError) as error:
        call()
    assert message in str(error.value)
