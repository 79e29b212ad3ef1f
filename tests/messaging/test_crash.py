"""A broadcast survives kills: a real sender process (``deliver``) is killed with SIGKILL
at random moments, again and again, until every message is out. Nothing queued is lost,
nothing goes to a suppressed address, and the only duplicates are messages the relay had
accepted when the kill came and that were not yet marked sent (at most one per kill,
since a worker marks each message right after the relay accepts it).
``PACER_CRASH_SEED`` replays a run (the seed is printed with ``-s``)."""

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest

from pacer.messaging import actions
from pacer.messaging.models import Message
from tests.ingest.live import environment
from tests.messaging.conftest import person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
RECIPIENTS = 240
KILLS = 10
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
    process = subprocess.run(
        [sys.executable, "-c", DELIVER],
        env=environment(
            PACER_FAULT=fault,
            PACER_DATA_DIR=str(data_dir),
            PACER_SMTP_HOST="127.0.0.1",
            PACER_SMTP_PORT=str(port),
            PACER_MESSAGING_LEASE_SECONDS=str(LEASE_SECONDS),
        ),
        capture_output=True,
        text=True,
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
    port = settings.EMAIL_PORT
    kills_in_flight = 0
    for _ in range(KILLS):
        point = chance.choice(["messaging.accepted", "messaging.claimed"])
        nth = chance.randint(1, 30) if point == "messaging.accepted" else chance.randint(1, 3)
        before = Message.objects.filter(status="sent").count()
        status, output = sender(port, f"{point}:{nth}", tmp_path)
        if status == 0:
            break  # everything went out before the point was reached that often
        assert status == -signal.SIGKILL, f"seed {seed}: {output}"
        kills_in_flight += point == "messaging.accepted"
        # right after the kill: every message is queued or sent, none lost or half-marked
        statuses = Counter(Message.objects.values_list("status", flat=True))
        assert statuses["queued"] + statuses["sent"] == RECIPIENTS - 1, f"seed {seed}"
        assert statuses["sent"] >= before
        time.sleep(LEASE_SECONDS + 0.1)  # the dead worker's claims run out
    status, output = sender(port, "", tmp_path)
    assert status == 0, output
    assert set(Message.objects.exclude(email="p7@x.test").values_list("status", flat=True)) == {
        "sent"
    }
    received = Counter(rcpt for _, (rcpt,), _ in smtp.messages)
    assert "p7@x.test" not in received, f"seed {seed}: mailed a suppressed address"
    assert set(received) == {f"p{n}@x.test" for n in range(RECIPIENTS)} - {"p7@x.test"}
    duplicates = sum(count - 1 for count in received.values())
    print(f"seed {seed}: {kills_in_flight} kills after an accept, {duplicates} duplicates")
    assert duplicates <= kills_in_flight, f"seed {seed}"
