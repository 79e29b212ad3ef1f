"""Where the simulated business's locations are: their cities and those cities' time
zones.

With ``SimConfig.local_time`` each location keeps its city's clock: its leads arrive by
the hour of the day there and its staff answer on its shift there (``local_seconds``).
Without it every location's local time is UTC, as the simulator had it before."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

DAY = 86_400
# The ambiguous names as Georgetown, Texas and Kent, Ohio; Yuma's Arizona keeps no DST.
CITY_ZONES = {
    "Austin": "America/Chicago",
    "Boston": "America/New_York",
    "Chicago": "America/Chicago",
    "Denver": "America/Denver",
    "El Paso": "America/Denver",
    "Fresno": "America/Los_Angeles",
    "Georgetown": "America/Chicago",
    "Houston": "America/Chicago",
    "Irvine": "America/Los_Angeles",
    "Jackson": "America/Chicago",
    "Kent": "America/New_York",
    "Lansing": "America/Detroit",
    "Madison": "America/Chicago",
    "Naples": "America/New_York",
    "Omaha": "America/Chicago",
    "Portland": "America/Los_Angeles",
    "Quincy": "America/New_York",
    "Raleigh": "America/New_York",
    "Salem": "America/Los_Angeles",
    "Tampa": "America/New_York",
    "Urbana": "America/Chicago",
    "Vail": "America/Denver",
    "Wichita": "America/Chicago",
    "Yuma": "America/Phoenix",
}
CITIES = tuple(CITY_ZONES)


def location_name(index: int) -> str:
    """The ``index``-th location's name: its city, numbered past the list's end."""
    city = CITIES[index % len(CITIES)]
    return city if index < len(CITIES) else f"{city} {index // len(CITIES) + 1}"


def location_zone(config, index: int) -> str:
    """The IANA zone the ``index``-th location keeps: its city's with
    ``config.local_time``, else UTC."""
    return CITY_ZONES[CITIES[index % len(CITIES)]] if config.local_time else "UTC"


def utc_offsets(config, seconds: np.ndarray, location: np.ndarray) -> np.ndarray:
    """Each moment's offset of its location's clock from UTC, in seconds (that day's,
    at noon UTC: a change to or from summer time takes effect at the next day)."""
    seconds = np.asarray(seconds, dtype=np.int64)
    offsets = np.zeros(seconds.shape, dtype=np.int64)
    if not config.local_time:
        return offsets
    days = seconds // DAY
    for index in np.unique(location).tolist():
        zone = ZoneInfo(location_zone(config, index))
        rows = location == index
        unique_days, back = np.unique(days[rows], return_inverse=True)
        noon = [datetime.fromtimestamp(int(d) * DAY + DAY // 2, UTC) for d in unique_days]
        by_day = np.array([zone.utcoffset(t).total_seconds() for t in noon], dtype=np.int64)
        offsets[rows] = by_day[back].reshape(-1)
    return offsets


def local_seconds(config, seconds: np.ndarray, location: np.ndarray) -> np.ndarray:
    """The moments as their locations' wall-clock time, counted as seconds since the
    epoch (what the shifts and the hour of the day are read against)."""
    return np.asarray(seconds, dtype=np.int64) + utc_offsets(config, seconds, location)
