"""Business hours: when a deadline of N working minutes falls, in a location's time zone.

Opening hours are wall-clock times per weekday in the location's zone, so a deadline
crosses nights, weekends, holidays and daylight-saving changes as a person at that
location would count it: a 15-minute deadline set at 16:55 on a Friday before a holiday
Monday falls at 09:10 on Tuesday.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.zones import known_zone
from pacer.leads.models import LocationHours

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS_AHEAD = 400  # a deadline further than this has no opening hours to fall in


@dataclass(frozen=True)
class Hours:
    """Opening intervals per weekday (``{"mon": [("09:00", "17:00")], ...}``) in ``zone``;
    no intervals at all means always open."""

    zone: str = "UTC"
    weekly: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        errors = {}
        if not known_zone(self.zone):
            errors["timezone"] = f"'{self.zone[:60]}' is not a known time zone"
        for day, intervals in self.weekly.items():
            if day not in WEEKDAYS:
                errors[f"hours.{day}"] = f"must be one of {', '.join(WEEKDAYS)}"
                continue
            for index, interval in enumerate(intervals):
                try:
                    opens, closes = (time.fromisoformat(t) for t in interval)
                except (TypeError, ValueError):
                    errors[f"hours.{day}[{index}]"] = "must be two times like 09:00 and 17:30"
                    continue
                if opens >= closes:
                    errors[f"hours.{day}[{index}]"] = "must open before it closes"
        if errors:
            raise ValidationFailed(errors)

    @property
    def always_open(self) -> bool:
        return not any(self.weekly.values())

    def intervals_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's opening intervals as UTC instants (none on a holiday)."""
        if day in self.holidays:
            return []
        zone = ZoneInfo(self.zone)
        return [
            (
                datetime.combine(day, time.fromisoformat(opens), zone).astimezone(UTC),
                datetime.combine(day, time.fromisoformat(closes), zone).astimezone(UTC),
            )
            for opens, closes in sorted(self.weekly.get(WEEKDAYS[day.weekday()], []))
        ]


def add_working_minutes(start: datetime, minutes: float, hours: Hours) -> datetime:
    """The instant ``minutes`` of opening time after ``start`` (an aware datetime).

    >>> friday = datetime(2026, 3, 6, 16, 55, tzinfo=UTC)
    >>> hours = Hours("UTC", {"mon": [("09:00", "17:00")], "fri": [("09:00", "17:00")]})
    >>> add_working_minutes(friday, 15, hours)
    datetime.datetime(2026, 3, 9, 9, 10, tzinfo=datetime.timezone.utc)
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    start = start.astimezone(UTC)
    if hours.always_open:
        return start + timedelta(minutes=minutes)
    left = timedelta(minutes=minutes)
    day = start.astimezone(ZoneInfo(hours.zone)).date()
    for offset in range(MAX_DAYS_AHEAD):
        for opens, closes in hours.intervals_on(day + timedelta(days=offset)):
            if closes <= start:
                continue
            begin = max(opens, start)
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
    raise ValidationFailed({"hours": f"no opening hours in the next {MAX_DAYS_AHEAD} days"})


def next_opening(at: datetime, hours: Hours) -> datetime:
    """The first instant at or after ``at`` (aware) inside the opening hours: ``at``
    itself while open, else the next interval's opening (closing time is closed).

    >>> hours = Hours("Europe/London", {"mon": [("09:00", "17:00")]})
    >>> next_opening(datetime(2026, 3, 27, 17, 0, tzinfo=UTC), hours)  # Friday, closed
    datetime.datetime(2026, 3, 30, 8, 0, tzinfo=datetime.timezone.utc)
    """
    return add_working_minutes(at, 0, hours)


def is_open(at: datetime, hours: Hours) -> bool:
    """Whether ``at`` (aware) falls in the opening hours.

    >>> hours = Hours("Europe/London", {"mon": [("09:00", "17:00")]})
    >>> is_open(datetime(2026, 3, 30, 8, 30, tzinfo=UTC), hours)  # 09:30 in summer time
    True
    >>> is_open(datetime(2026, 3, 23, 8, 30, tzinfo=UTC), hours)  # 08:30 in winter
    False
    """
    if hours.always_open:
        return True
    at = at.astimezone(UTC)
    day = at.astimezone(ZoneInfo(hours.zone)).date()
    return any(opens <= at < closes for opens, closes in hours.intervals_on(day))


def from_json(data: dict, field: str = "hours") -> Hours:
    """Hours from their stored form (``timezone``, ``weekly``, ``holidays``); refuses
    with the field named."""
    if not isinstance(data, dict):
        raise ValidationFailed({field: "must be an object with timezone, weekly and holidays"})
    weekly, holidays = data.get("weekly") or {}, data.get("holidays") or []
    if not isinstance(weekly, dict) or not isinstance(holidays, list):
        raise ValidationFailed({field: "weekly must be an object and holidays a list"})
    try:
        days = frozenset(date.fromisoformat(str(d)) for d in holidays)
    except ValueError:
        raise ValidationFailed({f"{field}.holidays": "must be dates like 2026-12-25"}) from None
    try:
        return Hours(
            str(data.get("timezone") or "UTC"),
            {day: [tuple(i) for i in intervals] for day, intervals in weekly.items()},
            days,
        )
    except TypeError:
        raise ValidationFailed({f"{field}.weekly": "must list [opens, closes] pairs"}) from None


def hours_of(workspace: Workspace, location_id: int | None) -> Hours:
    """The opening hours of a location as stored: its own, else the workspace's default,
    else always open in UTC."""
    rows = {
        row.location_id: row
        for row in LocationHours.objects.filter(
            Q(location_id=location_id) | Q(location_id__isnull=True), workspace=workspace
        )
    }
    row = rows.get(location_id) or rows.get(None)
    if row is None:
        return Hours()
    return Hours(
        row.timezone,
        {day: [tuple(i) for i in intervals] for day, intervals in row.weekly.items()},
        frozenset(datetime.fromisoformat(d).date() for d in row.holidays),
    )


def local_time(moment: datetime, zone: str) -> str:
    """``moment`` as a person at ``zone`` reads it: "Fri 5 Dec 09:00 GMT"."""
    here = moment.astimezone(ZoneInfo(zone))
    return f"{here:%a} {here.day} {here:%b %H:%M %Z}"
