"""Speed to lead: a lead submitted -> its auto-reply handed to SMTP and the owner's
follow-up task created, at a steady rate (target: p99 <= 1 s at 50 leads/s).

On a fresh embedded database (SQLite WAL) with one location, two agents and a 15-minute
SLA, a real `pacer worker` runs (event processing, the change feed, lead notices) with
PACER_SMTP_* pointing at a real SMTP server (aiosmtpd, in a process of its own). This process
captures leads through `pacer.leads.actions.capture` (what the hosted form and
`POST /api/leads` call) at a steady RATE per second for SECONDS, and then waits for the
last auto-reply (while they still arrive: "lost" are those not arrived 120 s after the
last one that did). Per lead: from the submission to the SMTP server receiving its
auto-reply, and to its follow-up task being written (``FollowUpTask.created_at``, the
worker's clock). Reports p50/p90/p99/max of both, lost or doubled auto-replies, and the
CPU seconds of the worker and of this process (and, on PostgreSQL, of the database
server: its processes read from /proc, so run it on the server's machine), with the load
average. On a loaded machine the latencies are the load's, so it also measures what the
idle workers and server cost per second (20 s before the first lead: their loops poll)
and reports the CPU per answered lead with that idle cost taken off: CPU per lead x rate
= the cores the rate keeps busy, whatever the load.

Run: .venv/bin/python benchmarks/leads_capture.py [RATE] [SECONDS] [WORKERS]   (50, 60
and 1 by default). On PostgreSQL with two workers:
``PACER_PG_PORT=... scripts/with-postgres.sh sh -c 'PACER_BENCH_DATABASE_URL=$PACER_DATABASE_URL
.venv/bin/python benchmarks/leads_capture.py 50 60 2'``. The worker's poll intervals are
the defaults unless the environment sets them (PACER_INGEST_PROCESS_POLL_SECONDS,
PACER_FEED_POLL_SECONDS, PACER_LEAD_TIMER_SECONDS).
"""

import contextlib
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


def cpu_of(pid: int, *, children: bool = False) -> float:
    """The process's CPU seconds (with ``children``: also of its children that ended)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = sum(int(field) for field in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def server_cpu() -> float | None:
    """The PostgreSQL server's CPU seconds so far: the postmaster, its ended backends and
    the running ones (None on SQLite, whose work is the worker's and this process's)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW data_directory")
        (folder,) = cursor.fetchone()
    with open(os.path.join(folder, "postmaster.pid")) as pid_file:
        postmaster = int(pid_file.readline())
    total = cpu_of(postmaster, children=True)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):  # ended meanwhile: counted with the postmaster's
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
                if parent == postmaster:
                    total += cpu_of(int(entry))
    return total


# what the idle workers and server cost (their loops poll): measured before any lead, and
# taken off the run's CPU seconds for the cost per lead (a loaded machine stretches the
# run, and with it this fixed cost)
IDLE_SECONDS = 20
idle_workers, idle_server = sum(cpu_of(worker.pid) for worker in workers), server_cpu()
time.sleep(IDLE_SECONDS)
idle_rate = (sum(cpu_of(worker.pid) for worker in workers) - idle_workers) / IDLE_SECONDS
idle_server_rate = None if idle_server is None else (server_cpu() - idle_server) / IDLE_SECONDS
print(
    f"idle: {WORKERS} worker(s) {idle_rate:.3f} CPU s/s"
    + ("" if idle_server_rate is None else f", database server {idle_server_rate:.3f} CPU s/s")
)

worker_cpu_before = sum(cpu_of(worker.pid) for worker in workers)
server_before = server_cpu()
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
# wait for the last auto-reply while they still arrive (a loaded machine drains slowly):
# until none came for 120 s
progress, last_change = len(received()), time.time()
while progress < total and time.time() - last_change < 120:
    time.sleep(0.5)
    if (now_received := len(received())) != progress:
        progress, last_change = now_received, time.time()
time.sleep(2)  # anything sent twice would arrive by now
run_seconds = time.time() - started
worker_cpu = sum(cpu_of(worker.pid) for worker in workers) - worker_cpu_before
own = resource.getrusage(resource.RUSAGE_SELF)
server = None if server_before is None else server_cpu() - server_before
load = os.getloadavg()
for process in (*workers, smtp):
    process.terminate()
for process in (*workers, smtp):
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:  # a loaded machine: the results are still good
        process.kill()
        process.wait()
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
own_cpu = own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime
server_text = "" if server is None else f", database server {server:.1f} s"
print(
    f"CPU: {WORKERS} worker(s) {worker_cpu:.1f} s, submitting process {own_cpu:.1f} s"
    f"{server_text}; load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
    f"{os.cpu_count()} CPUs"
)
done = max(len(reply), 1)  # leads whose auto-reply arrived
per_lead = [("workers", worker_cpu - idle_rate * run_seconds), ("submitting", own_cpu)]
if server is not None:
    per_lead.append(("server", server - idle_server_rate * run_seconds))
print(
    f"CPU per answered lead over {run_seconds:.0f} s, the idle cost taken off: "
    + ", ".join(f"{name} {seconds / done * 1000:.1f} ms" for name, seconds in per_lead)
    + f"; at {RATE:g} leads/s that keeps "
    + f"{sum(seconds for _, seconds in per_lead) / done * RATE:.2f} cores busy (idle cost apart)"
)
