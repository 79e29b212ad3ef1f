"""What the in-flight group costs: email delivery throughput by group size (issue 13,
part 4's duplicates bound).

``pacer.messaging.delivery`` hands a group of ``GROUP`` messages to the relay over its
SMTP sessions, then marks the group sent in one write: a sender killed in between sends
that group's accepted messages again when it restarts, so ``GROUP`` bounds the duplicates
per kill. A smaller group means fewer duplicates per kill and one more commit (and one
more wait for the slowest session) per ``GROUP`` messages. This runs the same broadcast
as ``messaging_delivery.py`` (personalisation, tracking and DKIM on, into a local
aiosmtpd sink, SQLite with ``synchronous=FULL`` unless ``PACER_BENCH_DATABASE_URL`` is
set) with each group size in turn, ``RUNS`` rounds, the sizes alternating within each
round, and prints messages per second (median and range) and this process's CPU seconds
per 1,000 messages (robust to the load of other sessions), with the load average.

Run: nice -n 10 .venv/bin/python benchmarks/messaging_group.py [messages] [--runs N]
     [--groups 32,16,8]
"""

import os
import statistics
import sys
import tempfile

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir, runs_from_argv  # noqa: E402
from messaging_delivery import pacer_run, rate, setup_workspace, start_sink  # noqa: E402


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2000
    runs = runs_from_argv(3)
    groups = [32, 16, 8]
    if "--groups" in sys.argv:
        groups = [int(g) for g in sys.argv[sys.argv.index("--groups") + 1].split(",")]
    django_in_temp_dir("pacer-bench-messaging-group-")
    from django.conf import settings

    from pacer.messaging import delivery

    _, count, _, sink = start_sink()
    folder = tempfile.mkdtemp(prefix="pacer-bench-messaging-group-")
    workspace, template, sender = setup_workspace(messages, folder, sign=True)
    from django.urls import reverse

    reverse("unsubscribe", args=["warm"])  # a worker has its URL map loaded long before
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    times: dict[int, list[float]] = {group: [] for group in groups}
    cpus: dict[int, list[float]] = {group: [] for group in groups}
    run = 0
    for _ in range(runs):
        for group in groups:
            delivery.GROUP = group
            seconds, _, cpu = pacer_run(workspace, template, sender, run, count, messages)
            times[group].append(seconds)
            cpus[group].append(cpu)
            run += 1
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"{messages:,} messages per run, {runs} runs per group size; database: {engine}")
    for group in groups:
        per_thousand = 1000 * statistics.median(cpus[group]) / messages
        print(
            f"GROUP {group:>3}: {rate(messages, times[group])}; "
            f"{per_thousand:.2f} s CPU per 1,000 messages"
        )
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    sink.terminate()


if __name__ == "__main__":
    main()
