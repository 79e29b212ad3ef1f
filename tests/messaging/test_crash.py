"""A broadcast survives kills: a real sender process (``deliver``) is killed with SIGKILL
at random moments, again and again, until every message is out. Nothing queued is lost,
nothing goes to a suppressed address (one is suppressed before the broadcast is queued,
one after the first kill), and the only duplicates are messages the relay had received in
the killed run and that were not yet marked sent: at most one group
(``delivery.GROUP``) per kill, since a worker marks each group right after the relay
accepted it, and exactly as many as the kills left in flight.
``PACER_CRASH_SEED`` replays a run (the seed is printed with ``-s``).

Under a frequency cap a group is sent in one transaction, its contacts locked together:
a kill inside it leaves the group's hand-overs unmarked (at most the group in flight)
and the cap still holds once they go again."""

import os
import random
import signal
import time
from collections import Counter

import pytest

from pacer.messaging import actions, rules
from pacer.messaging.delivery import GROUP, MAX_ATTEMPTS
from pacer.messaging.models import Message
from tests import forked
from tests.ingest.live import environment
from tests.messaging.conftest import person
from tests.messaging.test_scheduling import make_broadcast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
RECIPIENTS = 240
KILLS = 10
# where a kill may come, and up to which reaching of the point
POINTS = {"messaging.accepted": 30, "messaging.handed_over": 3, "messaging.claimed": 3}
LEASE_SECONDS = 0.5
DELIVER = """
import django
django.setup()
from pacer.messaging.delivery import deliver
total = 0
while True:
    sent = deliver(40)
    if not sent:
        break
    total += sent
print(total)
"""


def sender(port: int, fault: str, data_dir) -> tuple[int, str]:
    process = forked.run(
        ["-c", DELIVER],
        env=environment(
            PACER_FAULT=fault,
            PACER_DATA_DIR=str(data_dir),
            PACER_SMTP_HOST="127.0.0.1",
            PACER_SMTP_PORT=str(port),
            PACER_MESSAGING_LEASE_SECONDS=str(LEASE_SECONDS),
        ),
        timeout=300,
    )
    return process.returncode, process.stdout + process.stderr


def test_kills_at_random_moments_lose_nothing_and_duplicate_only_what_was_in_flight(
    workspace, smtp, tmp_path, settings
):
    seed = int(os.environ.get("PACER_CRASH_SEED") or random.randrange(1_000_000))
    chance = random.Random(seed)
    for n in range(RECIPIENTS):
        person(workspace, f"p{n}@x.test")
    actions.suppress(workspace, "p7@x.test", "unsubscribe")
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>Hi</p>")
    sender_identity = actions.save_sender(workspace, name="Acme", from_email="n@acme.test")
    broadcast = actions.create_broadcast(
        workspace,
        name="B",
        template_id=template.pk,
        sender_id=sender_identity.pk,
        audience={"all": True},
    )
    assert actions.queue_broadcast(workspace, broadcast.pk)["queued"] == RECIPIENTS - 1
    actions.suppress(workspace, "p13@x.test", "unsubscribe")  # after it was queued
    port = settings.EMAIL_PORT
    in_flight = []  # per kill: messages the relay received in the killed run, not marked
    flown: Counter = Counter()  # per address: its copies in flight at the kills, all kills
    for _ in range(KILLS):
        point = chance.choice(sorted(POINTS))
        nth = chance.randint(1, POINTS[point])
        before = Message.objects.filter(status="sent").count()
        copies_before = Counter(rcpt for _, (rcpt,), _ in smtp.messages)
        status, output = sender(port, f"{point}:{nth}", tmp_path)
        if status == 0:
            break  # everything went out before the point was reached that often
        assert status == -signal.SIGKILL, f"seed {seed}: {output}"
        # right after the kill: every message is queued or sent, none lost or half-marked
        statuses = Counter(Message.objects.values_list("status", flat=True))
        settled = statuses["queued"] + statuses["sent"] + statuses["skipped"] + statuses["failed"]
        assert settled == RECIPIENTS, f"seed {seed}: {statuses} after a kill at {point}:{nth}"
        assert statuses["skipped"] <= 2, f"seed {seed}"  # p7 at queueing, p13 at sending
        assert statuses["sent"] >= before
        time.sleep(LEASE_SECONDS + 0.1)  # the dead worker's claims run out
        copies = Counter(rcpt for _, (rcpt,), _ in smtp.messages)
        unmarked = set(Message.objects.filter(status="queued").values_list("email", flat=True))
        marked = set(Message.objects.filter(status="sent").values_list("email", flat=True))
        assert marked <= set(copies), f"seed {seed}: marked sent, never received"
        left = Counter({e: copies[e] - copies_before[e] for e in unmarked})
        flown.update(left)
        in_flight.append(left.total())
        assert in_flight[-1] <= GROUP, f"seed {seed}: {in_flight[-1]} in flight at {point}"
        if point == "messaging.claimed":
            assert in_flight[-1] == 0, f"seed {seed}: sent before the claim point"
        if point == "messaging.accepted":  # the relay has the one at the point, unmarked
            assert in_flight[-1] >= 1, f"seed {seed}: the accepted message was marked"
    status, output = sender(port, "", tmp_path)
    assert status == 0, output
    received = Counter(rcpt for _, (rcpt,), _ in smtp.messages)
    suppressed = {"p7@x.test", "p13@x.test"}
    assert not suppressed & set(received), f"seed {seed}: mailed a suppressed address"
    statuses = dict(Message.objects.values_list("email", "status"))
    assert (statuses.pop("p7@x.test"), statuses.pop("p13@x.test")) == ("skipped", "skipped")
    # The one way a message may end unsent: its group's hand-over was killed MAX_ATTEMPTS
    # times (kills come early in a run, so the first group takes most of them); it is then
    # given up, visibly, with its reason, never retried past the bound.
    gave_up = Message.objects.filter(status="failed")
    assert all(m.attempts == MAX_ATTEMPTS for m in gave_up), f"seed {seed}"
    assert all(m.reason.startswith("gave up after") for m in gave_up), f"seed {seed}"
    assert len(in_flight) >= MAX_ATTEMPTS or not gave_up, f"seed {seed}"
    failed = {m.email for m in gave_up}
    assert set(statuses.values()) <= {"sent", "failed"}, f"seed {seed}"
    assert set(received) <= {f"p{n}@x.test" for n in range(RECIPIENTS)} - suppressed
    assert set(received) >= set(statuses) - failed, f"seed {seed}: sent but never received"
    # every copy the relay took of a message still queued at a kill was counted in flight:
    # one of them is its delivery if it was marked sent later, none if it was given up
    duplicates = sum(count - 1 for count in received.values())
    given_up_received = len(failed & set(received))
    print(
        f"seed {seed}: in flight at each kill {in_flight}, {duplicates} duplicates, "
        f"{len(failed)} given up ({len(failed - set(received))} never received)"
    )
    assert duplicates + given_up_received == sum(in_flight), f"seed {seed}"
    # message by message: each copy the relay took is the message's one delivery (it ended
    # sent) or one it had when a kill left the message unmarked, none else
    ended_sent = {e for e, status in statuses.items() if status == "sent"}
    expected = Counter({e: (e in ended_sent) + flown[e] for e in set(received) | ended_sent})
    assert received == expected, f"seed {seed}"


def test_a_kill_in_a_capped_group_leaves_only_that_group_in_flight_and_the_cap_holds(
    workspace, smtp, tmp_path, settings
):
    rules.save_settings(workspace, time_zone="UTC", cap_count=1, cap_days=7)
    contacts = 20
    for n in range(contacts):
        person(workspace, f"p{n}@x.test")
    for _ in range(2):  # two broadcasts to everyone: the cap lets one message through
        actions.queue_broadcast(workspace, make_broadcast(workspace).pk)
    status, output = sender(settings.EMAIL_PORT, "messaging.accepted:5", tmp_path)
    assert status == -signal.SIGKILL, output
    # the first group (32: the first broadcast's 20, 12 of the second) is one transaction:
    # the relay took 5, nothing of the group is marked, its cap skips are undone too
    assert Counter(Message.objects.values_list("status", flat=True)) == {"queued": 2 * contacts}
    assert len(smtp.messages) == 5 <= GROUP
    time.sleep(LEASE_SECONDS + 0.1)
    assert sender(settings.EMAIL_PORT, "", tmp_path) == (0, f"{contacts}\n")
    received = Counter(rcpt for _, (rcpt,), _ in smtp.messages)
    assert received == {f"p{n}@x.test": 2 if n < 5 else 1 for n in range(contacts)}
    outcome = Counter(Message.objects.values_list("email", "status", "reason"))
    assert outcome == {
        **{(f"p{n}@x.test", "sent", ""): 1 for n in range(contacts)},
        **{
            (f"p{n}@x.test", "skipped", "frequency cap: 1 in 7 days reached"): 1
            for n in range(contacts)
        },
    }
