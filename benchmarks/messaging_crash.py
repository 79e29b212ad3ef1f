"""The crash run of issue 13 (part 4): a broadcast to ``recipients`` contacts goes into a
local SMTP sink while its sender is killed with SIGKILL ``kills`` times at random points,
then a last sender finishes it. Reports messages lost (must be 0), messages sent to
suppressed or unsubscribed contacts (must be 0) and duplicates, each kill's compared
with what it left in flight (the relay had the message, it was not marked sent; at most
``delivery.GROUP``).

The kills come at the fault points of the delivery path (``messaging.accepted``: the
relay accepted a message; ``messaging.handed_over``: a whole group accepted, none
marked; ``messaging.claimed``: a batch claimed, nothing sent), each armed at a random
reaching, and at random moments (SIGKILL from outside, 0-2 s after the run's first
message reached the sink). Each sender is a real ``python -c`` process running the
worker's loop (``deliver`` until the outbox is empty), as the crash test
(tests/messaging/test_crash.py) does. One in 500 contacts unsubscribed before the
broadcast was queued, one in 500 after (and so is skipped at send time).

The sink (aiosmtpd, its own process) appends each recipient to a file as it accepts the
message, so what the relay has is known after every kill. SQLite (the embedded default)
with ``synchronous=FULL`` unless ``PACER_BENCH_DATABASE_URL`` is set.

Run: nice -n 10 .venv/bin/python benchmarks/messaging_crash.py [recipients] [kills] [--seed N]
"""

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402
from _messaging import consenting_contacts, cpu_seconds, free_port, spring_template  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BYTECODE = ROOT / "var" / "pycache"  # shared with the crash tests' child processes
LEASE_SECONDS = 1.0
DELIVER = """
import django
django.setup()
from pacer.messaging.delivery import deliver
while deliver():
    pass
"""


def _sink(port: int, log_path: str, ready) -> None:
    """A real SMTP server that accepts everything and appends each recipient to a file
    before it answers (in its own process)."""
    from aiosmtpd.controller import Controller

    log = open(log_path, "a", buffering=1)  # noqa: SIM115 (open as long as the process)

    class Recorder:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            log.write("".join(rcpt + "\n" for rcpt in envelope.rcpt_tos))
            return "250 OK"

    Controller(Recorder(), hostname="127.0.0.1", port=port).start()
    ready.set()
    while True:
        time.sleep(3600)


def received(log_path: Path) -> Counter:
    return Counter(log_path.read_text().split())


def setup(recipients: int):
    """The workspace, its contacts (consenting; one in 500 unsubscribed) and a queued
    broadcast with personalisation and tracking; one in 500 more unsubscribes after."""
    from pacer.core import actions
    from pacer.messaging.actions import create_broadcast, queue_broadcast, save_sender, suppress

    workspace = actions.create_workspace("Crash", slug="crash")
    consenting_contacts(workspace, [f"p{i}@example.test" for i in range(recipients)])
    before = {f"p{i}@example.test" for i in range(0, recipients, 500)}
    after = {f"p{i}@example.test" for i in range(250, recipients, 500)}
    for address in before:
        suppress(workspace, address, "unsubscribe")
    template = spring_template(workspace)
    sender = save_sender(workspace, name="Shop", from_email="news@shop.example")
    broadcast = create_broadcast(
        workspace,
        name="Spring",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
    )
    queued = queue_broadcast(workspace, broadcast.pk)["queued"]
    assert queued == recipients - len(before), queued
    for address in after:
        suppress(workspace, address, "unsubscribe")
    return before | after


def sender(port: int, fault: str = "") -> subprocess.Popen:
    env = {
        **os.environ,
        "PACER_FAULT": fault,
        "PACER_SMTP_HOST": "127.0.0.1",
        "PACER_SMTP_PORT": str(port),
        "PACER_MESSAGING_LEASE_SECONDS": str(LEASE_SECONDS),
        "PYTHONPYCACHEPREFIX": str(BYTECODE),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return subprocess.Popen(
        [sys.executable, "-c", DELIVER],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def kill_run(port: int, log_path: Path, chance: random.Random, recipients: int, kills: int):
    """One sender killed at a random point; returns (how, exit status, output)."""
    from pacer.messaging.delivery import GROUP

    share = max(2, 2 * recipients // kills)  # on average a kill every recipients/kills
    points = {
        "messaging.accepted": share,
        "messaging.handed_over": max(1, share // GROUP),
        "messaging.claimed": max(1, share // 500),
    }
    how = chance.choice([*sorted(points), "timer"])
    if how != "timer":
        fault = f"{how}:{chance.randint(1, points[how])}"
        process = sender(port, fault)
        output, _ = process.communicate(timeout=1800)
        return fault, process.returncode, output
    start = log_path.stat().st_size
    process = sender(port)
    while log_path.stat().st_size == start and process.poll() is None:
        time.sleep(0.01)
    delay = chance.uniform(0, 2)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    output, _ = process.communicate(timeout=60)
    return f"timer {delay:.2f} s", process.returncode, output


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    recipients = int(args[0]) if args else 100_000
    kills = int(args[1]) if len(args) > 1 else 100
    seed = random.randrange(1_000_000)
    if "--seed" in sys.argv:
        seed = int(sys.argv[sys.argv.index("--seed") + 1])
    chance = random.Random(seed)
    data_dir = Path(django_in_temp_dir("pacer-bench-crash-"))
    from django.conf import settings

    from pacer.messaging.delivery import GROUP
    from pacer.messaging.models import Message

    port, log_path = free_port(), data_dir / "received.txt"
    log_path.touch()
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, str(log_path), ready), daemon=True)
    sink.start()
    ready.wait(10)
    started, cpu = time.perf_counter(), cpu_seconds()
    suppressed = setup(recipients)
    print(f"seed {seed}: {recipients:,} recipients, {len(suppressed)} unsubscribed, {kills} kills")
    print(f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")
    print(f"set-up {time.perf_counter() - started:.0f} s wall, {cpu_seconds() - cpu:.0f} s CPU")
    expected = {f"p{i}@example.test" for i in range(recipients)} - suppressed
    in_flight, problems, started = [], [], time.perf_counter()
    for kill in range(kills):
        copies_before = received(log_path)
        how, status, output = kill_run(port, log_path, chance, recipients, kills)
        if status == 0:
            print(f"kill {kill + 1}: the run ended before {how}; the broadcast is out")
            break
        if status != -signal.SIGKILL:
            sys.exit(f"kill {kill + 1} ({how}): exit status {status}\n{output}")
        time.sleep(LEASE_SECONDS + 0.2)  # the claims run out; what was in the socket lands
        copies = received(log_path)
        statuses = dict(Message.objects.values_list("email", "status"))
        marked = {e for e, s in statuses.items() if s == "sent"}
        unmarked = {e for e, s in statuses.items() if s == "queued"}
        if marked - set(copies):
            problems.append(f"kill {kill + 1}: {len(marked - set(copies))} marked, not received")
        in_flight.append(sum(copies[e] - copies_before[e] for e in unmarked))
        if in_flight[-1] > GROUP:
            problems.append(f"kill {kill + 1} ({how}): {in_flight[-1]} in flight > {GROUP}")
        print(f"kill {kill + 1} at {how}: {len(marked):,} sent, {in_flight[-1]} in flight")
    process = sender(port)
    output, _ = process.communicate(timeout=3600)
    if process.returncode != 0:
        sys.exit(f"the last sender failed: {output}")
    time.sleep(0.5)
    seconds = time.perf_counter() - started
    copies = received(log_path)
    statuses = dict(Message.objects.values_list("email", "status"))
    lost = [e for e in expected if copies[e] == 0 or statuses.get(e) != "sent"]
    to_suppressed = sorted(set(copies) & suppressed)
    duplicates = sum(n - 1 for n in copies.values())
    strays = set(copies) - expected - suppressed
    print(f"\n{len(in_flight)} kills; sending with kills: {seconds:.0f} s wall")
    print(f"messages lost: {len(lost)} (must be 0)")
    print(f"sent to suppressed or unsubscribed contacts: {len(to_suppressed)} (must be 0)")
    print(f"duplicates: {duplicates}; in flight at the kills: {sum(in_flight)} in all,")
    print(f"  at most {max(in_flight, default=0)} at one kill (the bound: {GROUP}, one group)")
    print(f"  kills that left none in flight: {in_flight.count(0)}")
    print("load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    if lost or to_suppressed or strays or duplicates != sum(in_flight):
        problems.append("lost, suppressed, stray or duplicates not what was in flight")
    for problem in problems:
        print("PROBLEM:", problem)
    sink.terminate()
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
