"""Fixtures shared by the leads tests: Pacer's clock, and a location called North."""

from datetime import datetime

import pytest

from pacer.core import clock
from pacer.people.actions import upsert_locations


@pytest.fixture
def clock_at(monkeypatch):
    """Set Pacer's clock: ``clock_at(t)``."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr(clock, "now", lambda: moment)

    return set_to


@pytest.fixture
def north(workspace):
    (location,) = upsert_locations(workspace, [{"code": "north", "name": "North"}])
    return location
