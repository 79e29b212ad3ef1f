"""The current time, in one place: tests of deadlines (SLA timers, business hours, DST)
set it with ``pytest``'s ``monkeypatch.setattr(clock, "now", ...)``."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
