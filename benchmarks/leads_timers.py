"""SLA timer firing lag with many open timers (target: 100k open timers, p99 <= 1 s).

On a fresh embedded database (SQLite WAL), OPEN leads each get an open reminder timer;
DUE_PER_SECOND of them fall due every second during the next SECONDS, the rest later (so
they stay open, in the index, while the due ones fire). A real `pacer worker` fires them
(its `lead-timers` loop, every PACER_LEAD_TIMER_SECONDS, 2 s by default; at once again
when a run fired something). Lag per timer: from its due time to the reminder notice it
made (``Notice.created_at``, written inside the firing transaction). Reports p50/p90/
p99/max, timers fired twice or missed, CPU of the worker and the load average.

Run: .venv/bin/python benchmarks/leads_timers.py [OPEN] [SECONDS] [DUE_PER_SECOND]
(100000, 60 and 20 by default); e.g. PACER_LEAD_TIMER_SECONDS=0.25 for a faster poll.
"""

import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

data_dir = django_in_temp_dir("pacer-bench-timers-")
from pacer.core import actions as core_actions  # noqa: E402
from pacer.core.models import Role  # noqa: E402
from pacer.leads.models import Lead, Notice, Timer, TimerKind  # noqa: E402
from pacer.people.models import Contact  # noqa: E402

OPEN = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
SECONDS = int(sys.argv[2]) if len(sys.argv) > 2 else 60
DUE_PER_SECOND = int(sys.argv[3]) if len(sys.argv) > 3 else 20
WARM_UP = 20  # seconds for the worker to start before the first timer falls due

workspace = core_actions.create_workspace("Bench", slug="bench")
owner = core_actions.create_user(workspace, "ann", "bench-password-1", Role.STAFF)
built = time.perf_counter()
contacts = Contact.objects.bulk_create(
    (Contact(workspace=workspace, email=f"c{n}@bench.test") for n in range(OPEN)),
    batch_size=5000,
)
now = datetime.now(UTC)
leads = Lead.objects.bulk_create(
    (
        Lead(
            workspace=workspace,
            contact=contact,
            event_id=n,
            created_at=now,
            source="api",
            stage="lead",
            stage_changed_at=now,
            owner=owner,
            assigned_at=now,
            assignment_round=1,
            respond_by=now + timedelta(days=1),
        )
        for n, contact in enumerate(contacts)
    ),
    batch_size=5000,
)
measured = SECONDS * DUE_PER_SECOND
timers = Timer.objects.bulk_create(
    (
        Timer(
            workspace=workspace,
            lead=lead,
            kind=TimerKind.REMIND,
            assignment_round=1,
            due_at=now + timedelta(hours=2, seconds=n),  # open for the whole run
        )
        for n, lead in enumerate(leads)
    ),
    batch_size=5000,
)
first_due = datetime.now(UTC) + timedelta(seconds=WARM_UP)
for n, timer in enumerate(timers[:measured]):  # evenly through the measured window
    timer.due_at = first_due + timedelta(seconds=n / DUE_PER_SECOND)
Timer.objects.bulk_update(timers[:measured], ["due_at"], batch_size=1000)
print(f"{OPEN} open timers made in {time.perf_counter() - built:.1f} s")
if datetime.now(UTC) > first_due - timedelta(seconds=8):
    sys.exit("setting up took too long for the warm-up; raise WARM_UP")

worker = subprocess.Popen(
    [sys.executable, "-m", "pacer.cli", "worker", "--no-schedule"],
    env={**os.environ, "PACER_DATA_DIR": data_dir},
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)


def cpu_of(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


end = first_due + timedelta(seconds=SECONDS + 10)
time.sleep(max((end - datetime.now(UTC)).total_seconds(), 0))
cpu = cpu_of(worker.pid)
load = os.getloadavg()
worker.terminate()
worker.wait(timeout=30)

due = dict(
    Timer.objects.filter(due_at__lt=first_due + timedelta(seconds=SECONDS)).values_list(
        "lead_id", "due_at"
    )
)
made = list(Notice.objects.filter(key="remind:1").values_list("lead_id", "created_at"))
lags = sorted((created - due[lead]).total_seconds() for lead, created in made if lead in due)
cut = statistics.quantiles(lags, n=100, method="inclusive") if len(lags) > 1 else [0] * 99
still_open = Timer.objects.filter(fired_at__isnull=True).count()
print(
    f"{len(due)} timers due in {SECONDS} s with {OPEN - len(due)} more open; fired "
    f"{len(made)}, missed {len(due) - len(lags)}, "
    f"fired early {sum(lag < 0 for lag in lags)}, open after {still_open}"
)
print(
    f"lag: p50 {cut[49] * 1000:.0f} ms, p90 {cut[89] * 1000:.0f} ms, "
    f"p99 {cut[98] * 1000:.0f} ms, max {max(lags, default=0) * 1000:.0f} ms"
)
poll = os.environ.get("PACER_LEAD_TIMER_SECONDS", "2")
print(
    f"CPU: worker {cpu:.1f} s (including its start); load average {load[0]:.1f} "
    f"{load[1]:.1f} {load[2]:.1f}; {os.cpu_count()} CPUs; poll every {poll} s"
)
