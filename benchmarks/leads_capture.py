"""Speed to lead: a lead submitted -> its auto-reply handed to SMTP and the owner's
follow-up task created, at a steady rate (target: p99 <= 1 s at 50 leads/s).

On a fresh embedded database (SQLite WAL) with one location, two agents and a 15-minute
SLA, a real `pacer worker` runs (event processing, the change feed, lead notices) with
PACER_SMTP_* pointing at a real SMTP server (aiosmtpd, in a process of its own). This process
captures leads through `pacer.leads.actions.capture` (what the hosted form and
`POST /api/leads` call) at a steady RATE per second for SECONDS, and then waits for the
last auto-reply. Per lead: from the submission to the SMTP server receiving its
auto-reply, and to its follow-up task being written (``FollowUpTask.created_at``, the
worker's clock). Reports p50/p90/p99/max of both, lost or doubled auto-replies, and the
CPU seconds of the worker and of this process, with the load average.

Run: .venv/bin/python benchmarks/leads_capture.py [RATE] [SECONDS] [WORKERS]   (50, 60
and 1 by default). On PostgreSQL with two workers:
``PACER_PG_PORT=... scripts/with-postgres.sh sh -c 'PACER_BENCH_DATABASE_URL=$PACER_DATABASE_URL
.venv/bin/python benchmarks/leads_capture.py 50 60 2'``. The worker's poll intervals are
the defaults unless the environment sets them (PACER_INGEST_PROCESS_POLL_SECONDS,
PACER_FEED_POLL_SECONDS, PACER_LEAD_TIMER_SECONDS).
"""

import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

data_dir = django_in_temp_dir("pacer-bench-leads-")
from pacer.core import actions as core_actions  # noqa: E402
from pacer.core.models import FeedCursor, Role  # noqa: E402
from pacer.leads.actions import capture  # noqa: E402
from pacer.leads.models import Agent, FollowUpTask, Lead, Notice, SlaPolicy  # noqa: E402
from pacer.people.actions import upsert_locations  # noqa: E402

RATE = float(sys.argv[1]) if len(sys.argv) > 1 else 50.0
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
WORKERS = int(sys.argv[3]) if len(sys.argv) > 3 else 1


# The SMTP server runs in its own process (in this one it would wait for the GIL behind
# the submitting loop), writing "epoch-seconds recipient" per message it receives.
SINK = """
import sys, time
from aiosmtpd.controller import Controller
out = open(sys.argv[2], "a", buffering=1)
class Sink:
    async def handle_DATA(self, server, session, envelope):
        at = time.time()
        for recipient in envelope.rcpt_tos:
            out.write(f"{at} {recipient}\\n")
        return "250 OK"
Controller(Sink(), hostname="127.0.0.1", port=int(sys.argv[1])).start()
print("ready", flush=True)
time.sleep(10**6)
"""
with socket.socket() as probe:  # a free port (aiosmtpd checks the one it is given)
    probe.bind(("127.0.0.1", 0))
    smtp_port = probe.getsockname()[1]
received_file = os.path.join(data_dir, "smtp-received.txt")
smtp = subprocess.Popen(
    [sys.executable, "-c", SINK, str(smtp_port), received_file],
    stdout=subprocess.PIPE,
    text=True,
)
assert smtp.stdout.readline().strip() == "ready"


def received() -> dict[str, list[float]]:
    found: dict[str, list[float]] = {}
    if os.path.exists(received_file):
        with open(received_file) as lines:
            for line in lines:
                at, recipient = line.split()
                found.setdefault(recipient, []).append(float(at))
    return found


workspace = core_actions.create_workspace("Bench", slug="bench")
(north,) = upsert_locations(workspace, [{"code": "north", "name": "North"}])
for name in ("ann", "ben"):
    user = core_actions.create_user(workspace, name, "bench-password-1", Role.STAFF)
    Agent.objects.create(workspace=workspace, user=user, location_id=north.pk, max_open=10**6)
SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)

workers = [
    subprocess.Popen(
        [sys.executable, "-m", "pacer.cli", "worker", "--no-schedule"],
        env={
            **os.environ,
            "PACER_DATA_DIR": data_dir,
            "PACER_SMTP_HOST": "127.0.0.1",
            "PACER_SMTP_PORT": str(smtp_port),
        },
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(WORKERS)
]
# the worker has started when its change-feed loop has made the leads' cursor (a fixed
# sleep is too short on a loaded machine: then the first leads wait for the start)
waited = time.time()
while not FeedCursor.objects.filter(subscriber="leads").exists():
    alive = all(worker.poll() is None for worker in workers)
    assert alive and time.time() - waited < 300, "a worker did not start"
    time.sleep(0.2)
time.sleep(2 if WORKERS > 1 else 0)  # the others start alongside
print(f"worker ready after {time.time() - waited:.1f} s", flush=True)


def cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


worker_cpu_before = sum(cpu_of(worker.pid) for worker in workers)
own_before = resource.getrusage(resource.RUSAGE_SELF)
submitted: dict[str, float] = {}
total = int(RATE * SECONDS)
started = time.time()
for n in range(total):
    due = started + n / RATE
    pause = due - time.time()
    if pause > 0:
        time.sleep(pause)
    email = f"lead{n}@bench.test"
    submitted[email] = time.time()
    capture(
        workspace,
        {"email": email, "first_name": f"L{n}", "location": "north", "submission_id": f"b{n}"},
        source="form",
        received_at=datetime.now(UTC),
    )
send_seconds = time.time() - started
deadline = time.time() + 120
while len(received()) < total and time.time() < deadline:
    time.sleep(0.2)
time.sleep(2)  # anything sent twice would arrive by now
worker_cpu = sum(cpu_of(worker.pid) for worker in workers) - worker_cpu_before
own = resource.getrusage(resource.RUSAGE_SELF)
load = os.getloadavg()
for worker in workers:
    worker.terminate()
    worker.wait(timeout=30)
smtp.terminate()
smtp.wait(timeout=30)
sink = received()

reply = sorted(sink[e][0] - submitted[e] for e in submitted if e in sink)
tasks = {
    email: created.timestamp()
    for email, created in FollowUpTask.objects.filter(key="first-response").values_list(
        "lead__contact__email", "created_at"
    )
}
task = sorted(tasks[e] - submitted[e] for e in submitted if e in tasks)
# where the auto-reply's time goes: queued (the notice written with the task) -> claimed
# by the worker's sender (``claimed_at``, just before the hand-over) -> received by the
# server. Not ``sent_at``: it is stamped once a whole claimed chunk has been handed over
# (one write per chunk), after the server has already received most of the chunk, so
# "sent -> received" came out negative (p50 -6 ms in the idle run of 3 December 2026).
notices = {
    email: (created.timestamp(), claimed.timestamp())
    for email, created, claimed in Notice.objects.filter(key="auto-reply").values_list(
        "to_email", "created_at", "claimed_at"
    )
    if claimed is not None
}
queued = sorted(notices[e][1] - notices[e][0] for e in submitted if e in notices)
handed = sorted(sink[e][0] - notices[e][1] for e in submitted if e in notices and e in sink)


def quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    cut = statistics.quantiles(values, n=100, method="inclusive")
    return (
        f"p50 {cut[49] * 1000:.0f} ms, p90 {cut[89] * 1000:.0f} ms, "
        f"p99 {cut[98] * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"
    )


print(f"{total} leads submitted in {send_seconds:.1f} s ({total / send_seconds:.1f}/s)")
print(f"auto-reply at the SMTP server: {quantiles(reply)}")
print(f"owner's task created:          {quantiles(task)}")
print(f"  of which auto-reply queued -> claimed by the sender: {quantiles(queued)}")
print(f"  of which claimed -> received by the SMTP server:  {quantiles(handed)}")
print(
    f"leads {Lead.objects.count()}, auto-replies received {len(reply)}, "
    f"lost {total - len(reply)}, "
    f"doubled {sum(len(times) > 1 for times in sink.values())}, tasks {len(task)}"
)
print(
    f"CPU: {WORKERS} worker(s) {worker_cpu:.1f} s, submitting process "
    f"{own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime:.1f} s; "
    f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; {os.cpu_count()} CPUs"
)
