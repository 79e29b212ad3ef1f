"""The frequency cap's lock covers every workspace of a batch: one worker's claimed batch
holds messages of two workspaces, and it locks the capped contacts of both while it
counts and sends. A second worker with a message to one of those contacts waits for the
first, counts its message and is skipped. A lock that covered only one workspace's
contacts would let both workers count nothing sent and both send (run on PostgreSQL,
where workers run side by side; SQLite's write lock serialises them anyway)."""

import contextlib
import threading

import pytest
from django.db import connection

from pacer.core import actions as core
from pacer.core import faults
from pacer.messaging import actions, rules
from pacer.messaging.delivery import deliver
from pacer.messaging.models import CapLock, Message
from tests.messaging.conftest import person
from tests.messaging.test_scheduling import make_broadcast

pytestmark = pytest.mark.django_db(transaction=True)
RENDEZVOUS_SECONDS = 3


def test_a_batch_of_two_workspaces_locks_the_capped_contacts_of_both(workspace, smtp, now):
    if connection.vendor != "postgresql":  # SQLite's one writer decides the order
        pytest.skip("needs two senders writing at once")
    other = core.create_workspace("Other Franchise", slug="other")
    # the workspace the batch visits first: with only the last one locked, it would be open
    first = next(iter({workspace.pk, other.pk}))
    contested, bystander = (workspace, other) if first == workspace.pk else (other, workspace)
    recipients = {}
    for space, email in ((contested, "ada@x.test"), (bystander, "bob@x.test")):
        rules.save_settings(space, time_zone="UTC", cap_count=1, cap_days=7)
        recipients[space.pk] = person(space, email)
        # the lock rows exist (capped before): the inserts wait on no one
        CapLock.objects.create(workspace=space, contact_id=recipients[space.pk].pk)
    # by id: Ada's first message and Bob's (worker 1, one group), then Ada's second (worker 2)
    for space in (contested, bystander, contested):
        actions.queue_broadcast(space, make_broadcast(space).pk)
    first_counted = threading.Event()
    both_counted = threading.Barrier(2)

    def rendezvous():  # with Ada locked by worker 1, worker 2 never gets here: times out
        if threading.current_thread() is first_worker:
            first_counted.set()  # worker 1 holds its locks: only now may worker 2 start
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait(timeout=RENDEZVOUS_SECONDS)

    sent = {}

    def worker(name, limit):
        try:
            sent[name] = deliver(limit=limit)
        finally:
            connection.close()

    first_worker = threading.Thread(target=worker, args=("two workspaces", 2))
    second_worker = threading.Thread(target=worker, args=("ada again", 1))
    with faults.hooked("messaging.cap_counted", rendezvous):
        first_worker.start()
        assert first_counted.wait(timeout=30)  # worker 1 locked and counted its batch
        second_worker.start()
        for thread in (first_worker, second_worker):
            thread.join(timeout=60)
    assert sent == {"two workspaces": 2, "ada again": 0}
    assert sorted(rcpt for _, [rcpt], _ in smtp.messages) == ["ada@x.test", "bob@x.test"]
    outcome = sorted(Message.objects.values_list("workspace_id", "email", "status", "reason"))
    assert outcome == sorted(
        [
            (contested.pk, "ada@x.test", "sent", ""),
            (contested.pk, "ada@x.test", "skipped", "frequency cap: 1 in 7 days reached"),
            (bystander.pk, "bob@x.test", "sent", ""),
        ]
    )
