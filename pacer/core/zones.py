"""Time zone names: which ones this install knows, checked without opening a file."""

from functools import cache
from zoneinfo import available_timezones


@cache
def zone_names() -> frozenset[str]:
    """Every IANA time zone this install knows (read once)."""
    return frozenset(available_timezones())


def known_zone(name) -> bool:
    """Whether ``name`` is an IANA time zone this install knows ("Asia/Tokyo"). Looked up
    in the list, not opened: ``ZoneInfo`` raises IsADirectoryError for "America" and
    OSError for a name longer than a file name may be, which no caller expects.

    >>> known_zone("Asia/Tokyo"), known_zone("America"), known_zone("x" * 100_000)
    (True, False, False)
    """
    return isinstance(name, str) and name in zone_names()
