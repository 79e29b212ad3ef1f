"""The import wizard's path on a generated contacts CSV: the file uploaded as a run
(``pacer.ingest.import_runs.upload``), started (its task queued), then the queued task run
as the db_worker runs it (``run_import``: ``csv_io.import_text`` → ``people.imports``),
its progress printed from the run row as the page polls it. Target: ≥ 20,000 rows/s.
Beside wall time it prints the CPU time of this process (on PostgreSQL the server's
own work runs in its processes, not counted there) and the load average, since the
machine's cores may be shared.

    .venv/bin/python benchmarks/import_wizard.py [ROWS] [--runs N]
    PACER_BENCH_DATABASE_URL=postgres://… .venv/bin/python benchmarks/import_wizard.py

Each run imports into a fresh workspace (every row a new contact: the heaviest case);
prints the median and range of the task's rows/s over the runs, then one re-import of
the same file into the last workspace (every row already there: nothing created).
"""

import os
import statistics
import sys
import threading
import time

from _common import django_in_temp_dir, runs_from_argv


def generate(rows: int) -> str:
    lines = ["email,first_name,last_name,phone,tier"]
    tiers = ("gold", "silver", "bronze", "")
    for i in range(rows):
        lines.append(
            f"person{i}@example.com,First{i % 997},Last{i % 1009},+1555{i:07d},{tiers[i % 4]}"
        )
    return "\n".join(lines) + "\n"


def watch(run_id: int, stop: threading.Event) -> None:
    """Print the run's progress as the page shows it (read from its row every second)."""
    from django.db import connection

    from pacer.ingest.import_runs import rate
    from pacer.ingest.models import ImportRun

    while not stop.wait(1.0):
        run = ImportRun.objects.get(pk=run_id)
        speed = rate(run) or 0
        print(
            f"  progress: {run.status} {run.phase or ''} {run.rows_done:,} of "
            f"{run.row_count:,} rows ({speed:,.0f} rows/s)",
            flush=True,
        )
    connection.close()


def one_run(workspace, data: bytes) -> tuple[float, float, object]:
    from django_tasks_db.models import DBTaskResult

    from pacer.ingest import import_runs
    from pacer.ingest.tasks import run_import

    run = import_runs.upload(workspace, "contacts", "people.csv", data)
    run.mapping = {**run.mapping, "tier": "trait:tier"}
    run.save(update_fields=["mapping"])
    import_runs.start(run)
    result = DBTaskResult.objects.ready().order_by("-enqueued_at").first()
    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(run.pk, stop))
    watcher.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    run_import.call(*result.task_result.args)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    stop.set()
    watcher.join()
    run.refresh_from_db()
    return elapsed, cpu, run


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 1_000_000
    runs = runs_from_argv(3)
    django_in_temp_dir("pacer-bench-import-")
    from django.db import connection

    from pacer.core import actions

    data = generate(rows).encode()
    print(
        f"{rows:,} contacts ({len(data) / 1e6:,.1f} MB) on {connection.vendor}, {runs} runs",
        flush=True,
    )
    speeds, cpu_speeds = [], []
    for number in range(runs):
        workspace = actions.create_workspace(f"Bench {number}", slug=f"bench-{number}")
        elapsed, cpu, run = one_run(workspace, data)
        assert (run.status, run.created) == ("done", rows), (run.status, run.created)
        speeds.append(rows / elapsed)
        cpu_speeds.append(rows / cpu)
        print(
            f"run {number + 1}: {elapsed:.1f} s wall, {rows / elapsed:,.0f} rows/s; "
            f"{cpu:.1f} s CPU of this process, {rows / cpu:,.0f} rows per CPU-second; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    print(
        f"new contacts: median {statistics.median(speeds):,.0f} rows/s "
        f"(range {min(speeds):,.0f}–{max(speeds):,.0f}), "
        f"{statistics.median(cpu_speeds):,.0f} rows per CPU-second; target 20,000 rows/s"
    )
    elapsed, cpu, run = one_run(workspace, data)
    assert (run.status, run.created, run.skipped) == ("done", 0, rows)
    print(
        f"re-import of the same file (all unchanged): {rows / elapsed:,.0f} rows/s, "
        f"{rows / cpu:,.0f} rows per CPU-second"
    )


if __name__ == "__main__":
    main()
