"""Two lead-notice senders (two workers) claiming at the same moment share the waiting
notices instead of queuing behind each other: while one sender's claim of the first
``CLAIM_CHUNK`` is not yet committed, the other's claim takes the next ones at once
(``FOR UPDATE SKIP LOCKED``). Before, the second waited for the first's row locks, then
found those rows taken and came back empty, and its worker slept a poll interval while
notices waited (the PostgreSQL two-worker benchmark's queued -> claimed lag).
PostgreSQL only: SQLite runs one writer at a time."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.db import connection

from pacer.core import faults
from pacer.leads.followup import CLAIM_CHUNK, _claim
from pacer.leads.models import Lead, Notice
from tests.leads.test_followup import agent, lead_at, member

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks need PostgreSQL"),
]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HOLD_SECONDS = 2.0


def test_a_second_sender_claims_the_next_notices_while_the_first_holds_its_claim(
    workspace, north, clock_at
):
    agent(workspace, member(workspace, "ann"), north)
    lead = lead_at(workspace, NOW, clock_at)
    Notice.objects.all().delete()
    Notice.objects.bulk_create(
        Notice(
            workspace=workspace,
            lead=lead,
            key=f"n{n}",
            to_email=f"p{n}@x.test",
            subject="s",
            body="b",
            created_at=NOW,
        )
        for n in range(CLAIM_CHUNK + 5)
    )
    first_holding, first_claimed = threading.Event(), []

    def hold():  # the first sender pauses with its claim written, not committed
        if threading.current_thread().name == "first-sender":
            first_holding.set()
            time.sleep(HOLD_SECONDS)

    def first_sender():
        try:
            first_claimed.extend(notice.pk for notice in _claim(CLAIM_CHUNK))
        finally:
            connection.close()

    with faults.hooked("leads.notice.claimed", hold):
        thread = threading.Thread(target=first_sender, name="first-sender")
        thread.start()
        assert first_holding.wait(timeout=30)
        started = time.monotonic()
        second = [notice.pk for notice in _claim(CLAIM_CHUNK)]
        waited = time.monotonic() - started
        thread.join(timeout=30)
    ids = sorted(Notice.objects.values_list("pk", flat=True))
    assert first_claimed == ids[:CLAIM_CHUNK]
    assert second == ids[CLAIM_CHUNK:]  # the next five, not nothing
    assert waited < HOLD_SECONDS / 2  # not behind the first's row locks
    assert Notice.objects.filter(claimed_at__isnull=True).count() == 0
    assert Lead.objects.count() == 1
