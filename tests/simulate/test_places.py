"""Each simulated location on its city's clock (``SimConfig.local_time``): its leads arrive
by the hour of the day there and its staff answer on its shift there; off, every
location's clock is UTC, as before."""

from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from pacer.simulate.business import DAY, generate
from pacer.simulate.config import SimConfig
from pacer.simulate.leads import _open_minutes, shifts
from pacer.simulate.places import CITIES, location_name, location_zone, utc_offsets

SIGMAS = 4
CONFIG = SimConfig(seed=3, contacts=30_000, months=12, local_time=True)


@pytest.fixture(scope="module")
def local():
    return generate(CONFIG)


def _local(business, seconds: np.ndarray, location: np.ndarray) -> list[datetime]:
    """The moments in their locations' zones."""
    return [
        datetime.fromtimestamp(int(t), UTC).astimezone(
            ZoneInfo(location_zone(business.config, int(loc)))
        )
        for t, loc in zip(seconds, location, strict=True)
    ]


def test_the_locations_are_named_and_zoned_by_their_cities():
    assert [location_name(i) for i in (0, 1, 23, 24, 25)] == [
        "Austin",
        "Boston",
        "Yuma",
        "Austin 2",
        "Boston 2",
    ]
    assert len(CITIES) == 24
    zones = [location_zone(CONFIG, i) for i in range(5)]
    assert zones == [
        "America/Chicago",
        "America/New_York",
        "America/Chicago",
        "America/Denver",
        "America/Denver",
    ]
    assert {location_zone(replace(CONFIG, local_time=False), i) for i in range(30)} == {"UTC"}
    # Chicago keeps summer time, Yuma (Arizona) does not; UTC has no offset at all
    january, july = 20_100 * DAY, 20_280 * DAY  # 2025-01-12, 2025-07-11
    days = np.array([january, july, january, july])
    assert utc_offsets(CONFIG, days, np.array([0, 0, 23, 23])).tolist() == [
        -6 * 3600,
        -5 * 3600,
        -7 * 3600,
        -7 * 3600,
    ]
    assert not utc_offsets(replace(CONFIG, local_time=False), days, np.zeros(4, int)).any()


def test_leads_arrive_by_the_hour_weights_of_their_locations_day(local):
    rows = np.flatnonzero(local.lead_at >= 0)
    hours = np.array(
        [t.hour for t in _local(local, local.lead_at[rows], local.contact_location[rows])]
    )
    share = np.bincount(hours, minlength=24) / hours.size
    chosen = np.asarray(CONFIG.lead_hour_weights) / sum(CONFIG.lead_hour_weights)
    se = np.sqrt(chosen * (1 - chosen) / hours.size)
    assert np.all(np.abs(share - chosen) < SIGMAS * se)
    # read in UTC the hours shift: 03:00-06:00 UTC is the American evening, and busy
    utc_hours = (local.lead_at[rows] % DAY) // 3600
    night_utc = np.bincount(utc_hours, minlength=24)[3:6].sum() / len(rows)
    assert night_utc > 3 * chosen[3:6].sum()
    assert local.truth["leads"]["zones"]["LOC01"] == "America/Chicago"


def test_staff_answer_on_their_locations_shift_in_its_local_time(local):
    minutes = local.response_hours * 60
    rows = np.flatnonzero((local.lead_at >= 0) & np.isfinite(minutes))
    answered = local.lead_at[rows] + np.round(minutes[rows] * 60).astype(np.int64)
    open_week = [_open_minutes(hours) for hours in shifts(CONFIG)]
    outside = 0
    for at, loc in zip(
        _local(local, answered, local.contact_location[rows]),
        local.contact_location[rows].tolist(),
        strict=True,
    ):
        minute = at.weekday() * 1440 + at.hour * 60 + at.minute
        # on shift, or the minute its shift closes (an answer in the last working minute)
        outside += not (open_week[loc][minute] or open_week[loc][minute - 1])
    # only a lead whose wait spans a change of summer time may be an hour off
    assert outside < 0.01 * len(rows), outside
