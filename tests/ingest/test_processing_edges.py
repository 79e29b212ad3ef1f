"""Processing's edges: when the worker processes, every workspace in chunks, and what a
quarantined event keeps of its error (found by mutation testing: docs/testing.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pacer.core import actions as core_actions
from pacer.core.errors import FieldError
from pacer.ingest import processing
from pacer.ingest.models import Event
from pacer.ingest.processing import (
    MAX_REASON_LENGTH,
    process_due,
    process_pending,
    processing_due,
    quarantine,
)
from pacer.people.models import Contact
from tests.conftest import Tracker

pytestmark = pytest.mark.django_db


def _pages(tracker, *users):
    tracker.batch(
        [{"type": "page", "messageId": f"p-{user}", "userId": user} for user in users],
        process=False,
    )
    return list(Event.objects.filter(pending=True).order_by("id"))


def _received(event, seconds_ago, now):
    Event.objects.filter(pk=event.pk).update(received_at=now - timedelta(seconds=seconds_ago))


@pytest.fixture
def waits(settings, monkeypatch):
    """The waits of a heavy stream: more pending than a trickle (here: any)."""
    settings.INGEST_PROCESS_QUIET_SECONDS = 0.5
    settings.INGEST_PROCESS_MAX_LAG_SECONDS = 3
    monkeypatch.setattr(processing, "PROMPT_EVENTS", 0)


def test_nothing_pending_is_never_due(waits):
    assert processing_due(timezone.now()) is False


def test_processing_waits_for_a_quiet_moment_or_the_longest_lag(tracker, waits):
    oldest, newest = _pages(tracker, "u1", "u2")
    now = timezone.now()
    _received(oldest, 2.9, now)
    _received(newest, 0.4, now)
    assert processing_due(now) is False  # still arriving, nothing waited 3 s
    _received(newest, 0.5, now)
    assert processing_due(now) is True  # quiet for 0.5 s
    _received(newest, 0.1, now)
    _received(oldest, 3, now)
    assert processing_due(now) is True  # the oldest waited 3 s, however busy


def test_a_trickle_is_processed_at_once_and_a_stream_waits(tracker, waits, monkeypatch):
    oldest, newest = _pages(tracker, "u1", "u2")
    now = timezone.now()
    _received(oldest, 0.1, now)
    _received(newest, 0.1, now)
    assert processing_due(now) is False  # 2 pending, more than a trickle of 0 or 1
    monkeypatch.setattr(processing, "PROMPT_EVENTS", 1)
    assert processing_due(now) is False
    monkeypatch.setattr(processing, "PROMPT_EVENTS", 2)
    assert processing_due(now) is True  # no more than a trickle: no wait


def test_process_due_processes_only_when_due(tracker, waits):
    events = _pages(tracker, "u1", "u2")
    now = timezone.now()
    for event in events:
        _received(event, 0, now)
    assert process_due() == 0
    assert Event.objects.filter(pending=True).count() == 2
    for event in events:
        _received(event, 1, now)
    assert process_due() == 2
    assert not Event.objects.filter(pending=True).exists()
    assert Contact.objects.count() == 2


def test_without_a_workspace_every_workspace_is_processed_a_chunk_at_a_time(tracker):
    other = core_actions.create_workspace("Other Co", slug="other")
    _, secret = core_actions.issue_api_key(other, "write", "site")
    _pages(tracker, "a1", "a2", "a3")
    _pages(Tracker(secret), "b1", "b2")
    assert process_pending(chunk=1) == 5
    assert not Event.objects.filter(pending=True).exists()
    assert Contact.objects.filter(workspace__slug="acme").count() == 3
    assert Contact.objects.filter(workspace__slug="other").count() == 2


def test_a_chunk_exactly_full_is_followed_by_the_next(tracker, workspace):
    _pages(tracker, "u1", "u2", "u3", "u4")
    assert process_pending(workspace, chunk=2) == 4
    assert process_pending(workspace, chunk=2) == 0


def test_a_quarantined_event_keeps_the_error_type_and_message_bounded_and_storable(
    tracker, workspace
):
    (event,) = _pages(tracker, "u1")
    long = "x" * MAX_REASON_LENGTH
    assert quarantine(workspace.pk, event.pk, ValueError("bad\x00\ud800" + long)) == 1
    event.refresh_from_db()
    expected = ("ValueError: bad\x00\ud800" + long)[:MAX_REASON_LENGTH]
    expected = expected.replace("\x00", "\\u0000").replace("\ud800", "?")
    assert event.quarantine_reason == expected
    assert len(event.quarantine_reason) == MAX_REASON_LENGTH + len("\\u0000") - 1
    assert event.pending is False and event.quarantined_at is not None


def test_a_field_error_is_quarantined_with_its_own_words(tracker, workspace):
    (event,) = _pages(tracker, "u1")
    assert quarantine(workspace.pk, event.pk, FieldError("total", "must be positive")) == 1
    event.refresh_from_db()
    assert event.quarantine_reason == "total: must be positive"


def test_an_event_no_longer_pending_is_not_quarantined_again(tracker, workspace):
    (event,) = _pages(tracker, "u1")
    assert process_pending(workspace) == 1
    assert quarantine(workspace.pk, event.pk, ValueError("late")) == 0
    event.refresh_from_db()
    assert (event.pending, event.quarantined_at, event.quarantine_reason) == (False, None, "")
    assert event.contact_id is not None
