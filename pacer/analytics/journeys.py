"""Customer journeys in a compact columnar form, built from a touch table and outcomes.

A journey is the ordered list of marketing touches of one person (or one deal) and its
outcome: converted or not, and the value of the conversion. Touches are stored flat
(``touch_channel``, ``touch_age_days``) with ``offsets`` marking where each journey starts,
so every model works on NumPy arrays, not Python objects.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl

from pacer.analytics import _checks as checks


class JourneyError(ValueError):
    """Bad journey input; the message names the column or journey and the reason."""


def _integers(values, name: str, size: int | None = None) -> np.ndarray:
    """``values`` as a 1-D int64 array of whole numbers (of length ``size``)."""
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError):
        raise JourneyError(f"{name}: must be a list of whole numbers") from None
    if raw.ndim != 1 or (size is not None and len(raw) != size):
        raise JourneyError(f"{name}: need a 1-D list of {size} whole numbers")
    if raw.dtype.kind in "iu":
        return raw.astype(np.int64, copy=False)
    if raw.dtype.kind != "f" or not np.isfinite(raw).all() or (raw != np.floor(raw)).any():
        raise JourneyError(f"{name}: must be whole numbers")
    if (np.abs(raw) > 2**62).any():
        raise JourneyError(f"{name}: too large")
    return raw.astype(np.int64)


@dataclass(frozen=True)
class Journeys:
    """Journeys in columnar form (build them with ``from_frame`` or ``from_paths``; direct
    construction is checked the same way: every array's length, range and type).

    Example
    -------
    >>> j = Journeys(["ads", "email"], np.array([0, 2, 3]), np.array([0, 1, 1]),
    ...              np.zeros(3), np.array([-1, -1]), np.array([-1, -1]),
    ...              np.array([True, False]), np.array([10.0, 0.0]))
    >>> j.lengths.tolist()
    [2, 1]
    """

    channels: list[str]
    offsets: np.ndarray  # int64, len = n_journeys + 1
    touch_channel: np.ndarray  # int64 index into channels
    touch_age_days: np.ndarray  # float64, days from the touch to the journey's outcome
    lead_position: np.ndarray  # int64 per journey, position of the lead-creation touch, -1 none
    opportunity_position: np.ndarray  # int64 per journey, -1 none
    converted: np.ndarray  # bool per journey
    value: np.ndarray  # float64 per journey (0 when not converted)

    def __post_init__(self) -> None:
        channels = self.channels
        if not isinstance(channels, list | tuple) or not all(isinstance(c, str) for c in channels):
            raise JourneyError("channels: must be a list of channel names")
        if len(set(channels)) != len(channels):
            raise JourneyError("channels: names must be distinct")
        offsets = _integers(self.offsets, "offsets")
        lengths = np.diff(offsets)
        if len(offsets) < 2 or offsets[0] != 0 or lengths.min() < 1:
            raise JourneyError("offsets: must start at 0 and increase (every journey has a touch)")
        n, touches = len(offsets) - 1, int(offsets[-1])
        channel = _integers(self.touch_channel, "touch_channel", touches)
        if len(channel) and (channel.min() < 0 or channel.max() >= len(channels)):
            raise JourneyError("touch_channel: must index into channels")
        age = checks.array(self.touch_age_days, "touch_age_days", JourneyError, low=0.0)
        if len(age) != touches:
            raise JourneyError(f"touch_age_days: need one age per touch ({touches})")
        for name in ("lead_position", "opportunity_position"):
            position = _integers(getattr(self, name), name, n)
            if ((position < -1) | (position >= lengths)).any():
                raise JourneyError(f"{name}: must be -1 or a touch of the journey")
            object.__setattr__(self, name, position)
        converted = np.asarray(self.converted)
        if converted.dtype != bool or converted.shape != (n,):
            raise JourneyError(f"converted: need one True/False per journey ({n})")
        value = checks.array(self.value, "value", JourneyError, low=0.0)
        if len(value) != n:
            raise JourneyError(f"value: need one value per journey ({n})")
        if (value[~converted] != 0).any():
            raise JourneyError("value: must be 0 for journeys that did not convert")
        if not np.isfinite(value.sum()):
            raise JourneyError("value: the total is too large to compute with")
        for name, array in (
            ("channels", list(channels)),
            ("offsets", offsets),
            ("touch_channel", channel),
            ("touch_age_days", age),
            ("converted", converted),
            ("value", value),
        ):
            object.__setattr__(self, name, array)

    @property
    def n_journeys(self) -> int:
        return len(self.offsets) - 1

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @cached_property
    def journey_of_touch(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_journeys), self.lengths)

    @cached_property
    def position(self) -> np.ndarray:
        """Each touch's position within its journey (0 = first)."""
        return np.arange(len(self.touch_channel)) - np.repeat(self.offsets[:-1], self.lengths)

    @classmethod
    def from_frame(cls, touches, outcomes) -> "Journeys":
        """Build journeys from two tables (Polars or pandas).

        ``touches``: ``journey_id``, ``channel``, ``timestamp`` and optionally boolean
        ``lead`` and ``opportunity`` marking the touch that created the lead or the
        opportunity. ``outcomes``: ``journey_id``, ``converted`` (bool), optionally
        ``value`` and ``converted_at`` (default: the journey's last touch).

        Example
        -------
        >>> import polars as pl
        >>> from datetime import datetime
        >>> t = pl.DataFrame({"journey_id": [1, 1, 2], "channel": ["ads", "email", "ads"],
        ...                   "timestamp": [datetime(2026, 1, 1), datetime(2026, 1, 3),
        ...                                 datetime(2026, 1, 2)]})
        >>> o = pl.DataFrame({"journey_id": [1, 2], "converted": [True, False],
        ...                   "value": [100.0, 0.0]})
        >>> Journeys.from_frame(t, o).lengths.tolist()
        [2, 1]
        """
        touches = _polars(touches, "touches")
        outcomes = _polars(outcomes, "outcomes")
        _require_columns(touches, "touches", ["journey_id", "channel", "timestamp"])
        _require_columns(outcomes, "outcomes", ["journey_id", "converted"])
        if touches.height == 0:
            raise JourneyError("touches: no touches given; attribution needs at least one journey")
        if touches["channel"].null_count():
            raise JourneyError("touches.channel: contains nulls")
        if touches["timestamp"].null_count():
            raise JourneyError("touches.timestamp: contains nulls")
        if not touches["timestamp"].dtype.is_temporal():
            raise JourneyError("touches.timestamp: must be dates or times")
        if touches["journey_id"].null_count() or outcomes["journey_id"].null_count():
            raise JourneyError("journey_id: contains nulls")
        if outcomes["converted"].null_count() or outcomes["converted"].dtype != pl.Boolean:
            raise JourneyError("outcomes.converted: must be True or False for every journey")
        if outcomes["journey_id"].is_duplicated().any():
            raise JourneyError("outcomes.journey_id: each journey needs exactly one outcome")
        for flag in ("lead", "opportunity"):
            if flag not in touches.columns:
                touches = touches.with_columns(pl.lit(False).alias(flag))
        if "value" not in outcomes.columns:
            outcomes = outcomes.with_columns(pl.lit(0.0).alias("value"))
        value = outcomes["value"]
        if not value.dtype.is_numeric() or value.null_count():
            raise JourneyError("outcomes.value: must be a number of at least 0 for every journey")
        value = value.cast(pl.Float64)
        if value.is_nan().any() or value.is_infinite().any() or (value < 0).any():
            raise JourneyError("outcomes.value: must be a finite number of at least 0")
        known = set(outcomes["journey_id"].to_list())
        missing = touches.filter(~pl.col("journey_id").is_in(list(known)))["journey_id"]
        if missing.len():
            raise JourneyError(f"touches.journey_id: {missing[0]!r} has no outcome")
        empty = outcomes.join(touches.select("journey_id").unique(), on="journey_id", how="anti")
        if empty.height:
            raise JourneyError(
                f"outcomes.journey_id: journey {empty['journey_id'][0]!r} has no touches"
            )
        touches = touches.sort(["journey_id", "timestamp"], maintain_order=True)
        outcomes = outcomes.sort("journey_id")
        channels = sorted(touches["channel"].cast(pl.Utf8).unique().to_list())
        lookup = {name: i for i, name in enumerate(channels)}
        counts = touches.group_by("journey_id", maintain_order=True).len()["len"].to_numpy()
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        if "converted_at" in outcomes.columns:
            end = outcomes["converted_at"]
            if end.null_count() or not end.dtype.is_temporal():
                raise JourneyError("outcomes.converted_at: must be a time for every journey")
        else:
            end = touches.group_by("journey_id", maintain_order=True).agg(
                pl.col("timestamp").max()
            )["timestamp"]
        ends = np.repeat(end.cast(pl.Datetime("us")).cast(pl.Int64).to_numpy(), counts)
        stamps = touches["timestamp"].cast(pl.Datetime("us")).cast(pl.Int64).to_numpy()
        age = (ends - stamps) / 86_400e6
        if (age < 0).any():
            raise JourneyError("outcomes.converted_at: a touch happens after its conversion")
        converted = outcomes["converted"].cast(pl.Boolean).to_numpy()
        return cls(
            channels=channels,
            offsets=offsets,
            touch_channel=np.array(
                [lookup[c] for c in touches["channel"].cast(pl.Utf8).to_list()], dtype=np.int64
            ),
            touch_age_days=age.astype(np.float64),
            lead_position=_first_flag(touches["lead"].to_numpy(), offsets),
            opportunity_position=_first_flag(touches["opportunity"].to_numpy(), offsets),
            converted=converted,
            value=np.where(converted, outcomes["value"].cast(pl.Float64).to_numpy(), 0.0),
        )

    @classmethod
    def from_paths(
        cls, paths: list[list[str]], converted: list[bool], value: list[float] | None = None
    ) -> "Journeys":
        """Journeys from channel paths alone (no times or milestones).

        Example
        -------
        >>> j = Journeys.from_paths([["ads", "email"], ["ads"]], [True, False])
        >>> j.channels
        ['ads', 'email']
        """
        if not paths:
            raise JourneyError("paths: no journeys given")
        if not isinstance(paths, list | tuple):
            raise JourneyError("paths: must be a list of channel lists")
        if len(converted) != len(paths) or (value is not None and len(value) != len(paths)):
            raise JourneyError("converted: needs one entry per path (and value too, if given)")
        for index, path in enumerate(paths):
            if isinstance(path, str) or not path:
                raise JourneyError(f"paths[{index}]: a journey needs a list of at least one touch")
            if not all(isinstance(c, str) for c in path):
                raise JourneyError(f"paths[{index}]: channels must be names (strings)")
        channels = sorted({c for path in paths for c in path})
        lookup = {name: i for i, name in enumerate(channels)}
        lengths = np.array([len(p) for p in paths])
        flat = np.array([lookup[c] for path in paths for c in path], dtype=np.int64)
        if value is None:
            values = np.zeros(len(paths))
        else:
            values = checks.array(value, "value", JourneyError, low=0.0)
        if not all(isinstance(c, bool | np.bool_) for c in converted):
            raise JourneyError("converted: must be True or False for every path")
        conv = np.asarray(converted, dtype=bool)
        return cls(
            channels=channels,
            offsets=np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            touch_channel=flat,
            touch_age_days=np.zeros(len(flat)),
            lead_position=np.full(len(paths), -1),
            opportunity_position=np.full(len(paths), -1),
            converted=conv,
            value=np.where(conv, values, 0.0),
        )


def _polars(frame, name: str) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame
    try:
        return pl.from_pandas(frame)
    except (TypeError, ValueError, ImportError):
        raise JourneyError(f"{name}: must be a Polars or pandas DataFrame") from None


def _require_columns(frame: pl.DataFrame, name: str, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise JourneyError(f"{name}: missing column(s) {', '.join(missing)}")


def _first_flag(flags: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Per journey, the position of its first flagged touch, or -1."""
    flags = np.asarray(flags, dtype=bool)
    result = np.full(len(offsets) - 1, -1, dtype=np.int64)
    where = np.flatnonzero(flags)
    journey = np.searchsorted(offsets, where, side="right") - 1
    first = np.unique(journey, return_index=True)[1]
    result[journey[first]] = where[first] - offsets[journey[first]]
    return result
