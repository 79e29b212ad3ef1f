"""When a message may go: the recipient's time zone, a broadcast's send time for them,
and quiet hours in their local time.

Wall-clock times are turned into instants with ``zoneinfo``: a time that does not exist
on a spring-forward day (02:30 in New York on 2026-03-08) moves forward by the gap
(03:30 local); a time that happens twice on a fall-back day is its first occurrence.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pacer.core.zones import known_zone


def zone_of(name, default: str) -> str:
    """The recipient's zone ``name`` when it is a known one, else ``default``."""
    return name if known_zone(name) else default


FIRST_YEAR, LAST_YEAR = 1900, 2199


def parse_wall_time(text) -> datetime | None:
    """A local wall-clock time ``YYYY-MM-DDTHH:MM`` (no zone) from 1900 to 2199, or None
    if it is not one."""
    if not isinstance(text, str) or len(text) != 16:
        return None
    try:
        parsed = datetime.strptime(text, "%Y-%m-%dT%H:%M")
    except ValueError:
        return None
    return parsed if FIRST_YEAR <= parsed.year <= LAST_YEAR else None


def within_range(at) -> bool:
    """Whether ``at`` is an aware time from 1900 to 2199 (what a schedule accepts)."""
    if not isinstance(at, datetime) or at.tzinfo is None or at.utcoffset() is None:
        return False
    return FIRST_YEAR < at.year < LAST_YEAR


def _instant(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time in ``zone``. ``fold=0`` reads a time in a
    spring-forward gap with the offset before the change (so it lands the gap later)
    and a repeated time as its first occurrence."""
    return datetime.combine(day, clock_time, tzinfo=zone).astimezone(UTC)


def local_send_instant(wall: datetime, zone_name: str) -> datetime:
    """The instant a broadcast scheduled for the naive ``wall`` time goes to a recipient
    in ``zone_name``.

    >>> local_send_instant(datetime(2026, 3, 29, 9, 0), "Europe/London").isoformat()
    '2026-03-29T08:00:00+00:00'
    """
    return _instant(wall.date(), wall.time(), ZoneInfo(zone_name))


def in_quiet_hours(local: time, start: time, end: time) -> bool:
    """Whether a local time falls in the quiet window ``[start, end)`` (which may wrap
    past midnight, as 21:00-08:00 does)."""
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def quiet_until(at: datetime, zone_name: str, start: time | None, end: time | None):
    """When quiet hours in ``zone_name`` end if ``at`` falls in them (a UTC instant),
    else None.

    >>> quiet_until(datetime(2026, 3, 28, 22, 0, tzinfo=UTC), "Europe/London",
    ...             time(21), time(8)).isoformat()
    '2026-03-29T07:00:00+00:00'
    """
    if start is None or end is None:
        return None
    zone = ZoneInfo(zone_name)
    local = at.astimezone(zone)
    if not in_quiet_hours(local.time(), start, end):
        return None
    day = local.date()
    if start > end and local.time() >= start:  # the evening part: ends tomorrow morning
        day += timedelta(days=1)
    until = _instant(day, end, zone)
    return until if until > at else None
