"""The frequency cap holds across workers: two workers, each with a message to the same
contact, reach the cap check at the same moment; the contact's lock row makes the second
wait for the first and count its message, so one is sent and one is skipped. Without
the lock both would count nothing sent and both would send (run on PostgreSQL, where
workers run side by side, and on SQLite)."""

import contextlib
import threading

import pytest
from django.db import connection

from pacer.core import faults
from pacer.messaging import actions, rules
from pacer.messaging.delivery import deliver
from pacer.messaging.models import CapLock, Message
from tests.messaging.conftest import person
from tests.messaging.test_scheduling import make_broadcast

pytestmark = pytest.mark.django_db(transaction=True)
RENDEZVOUS_SECONDS = 3


@pytest.mark.parametrize("locked_before", [False, True], ids=["first-send", "lock-row-exists"])
def test_two_workers_cannot_both_pass_the_cap(workspace, smtp, now, locked_before):
    rules.save_settings(workspace, time_zone="UTC", cap_count=1, cap_days=7)
    ada = person(workspace, "ada@x.test")
    if locked_before:  # the contact was capped before: her lock row is there
        CapLock.objects.create(workspace=workspace, contact_id=ada.pk)
    for _ in range(2):
        actions.queue_broadcast(workspace, make_broadcast(workspace).pk)
    # Each worker waits at the point after its count for the other to count too; with
    # the lock the other cannot get there, so the wait ends after RENDEZVOUS_SECONDS.
    both_counted = threading.Barrier(2)

    def rendezvous():
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait(timeout=RENDEZVOUS_SECONDS)

    sent = []

    def worker():
        try:
            sent.append(deliver(limit=1))  # one message each
        finally:
            connection.close()

    with faults.hooked("messaging.cap_counted", rendezvous):
        workers = [threading.Thread(target=worker) for _ in range(2)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=60)
    assert sorted(sent) == [0, 1]
    assert len(smtp.messages) == 1
    outcome = sorted(Message.objects.values_list("status", "reason"))
    assert outcome == [("sent", ""), ("skipped", "frequency cap: 1 in 7 days reached")]
