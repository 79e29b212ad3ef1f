"""The timer loop is woken when the next open timer falls due (sooner than its poll
interval), not at its next poll; a timer due later than the interval arms nothing."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import worker
from pacer.leads import timers
from pacer.leads.models import Timer
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def woken(monkeypatch):
    event = threading.Event()
    monkeypatch.setitem(worker._wake_events, "lead-timers", event)
    yield event
    while timers._next_wake:
        timers._next_wake.pop().cancel()


def _open_timer(workspace, north, clock_at, seconds: float) -> datetime:
    """An open timer due ``seconds`` from now; Pacer's clock set to now."""
    agent(workspace, member(workspace, "ann"), north)
    lead = lead_at(workspace, datetime.now(UTC) - timedelta(hours=1), clock_at)
    now = datetime.now(UTC)
    due = now + timedelta(seconds=seconds)
    Timer.objects.create(
        workspace=workspace, lead=lead, kind="remind", assignment_round=9, due_at=due
    )
    clock_at(now)
    return due


def test_the_loop_is_woken_when_the_next_timer_falls_due(
    workspace, north, clock_at, woken, settings
):
    settings.LEAD_TIMER_SECONDS = 30
    due = _open_timer(workspace, north, clock_at, 1.0)
    assert timers.fire_due_timers() == 0
    assert not woken.is_set()
    assert woken.wait(timeout=10)
    assert datetime.now(UTC) >= due  # not before it is due
    clock_at(datetime.now(UTC))
    assert timers.fire_due_timers() == 1


def test_a_timer_due_after_the_poll_interval_arms_no_wake(
    workspace, north, clock_at, woken, settings
):
    settings.LEAD_TIMER_SECONDS = 0.2
    _open_timer(workspace, north, clock_at, 0.5)
    assert timers.fire_due_timers() == 0
    assert not timers._next_wake
    time.sleep(0.6)
    assert not woken.is_set()
