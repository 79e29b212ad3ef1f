"""Email delivery throughput into a local SMTP sink (issue 13: >= 500 messages/s on the
embedded default, SQLite, with personalisation and tracking on).

Three senders push the same number of messages into the same sink, ``RUNS`` times,
alternating:

- Pacer: a broadcast to every contact (each with an email consent) is queued, then
  ``pacer.messaging.delivery.deliver`` runs batch after batch until the outbox is empty,
  as the worker's loop does: claim, check suppression, opt-outs, quiet hours and caps,
  render the template with the contact's fields, rewrite links for click tracking, add
  the open pixel, the one-click unsubscribe headers, a VERP return path and (by default)
  a DKIM signature, hand over, mark sent. Timed: the deliveries (the queueing is timed on
  its own line).
- postal (Debian's SMTP benchmark, ``apt-get install postal``), a C client: random
  bodies of the size Pacer's messages had, over ``--postal-threads`` connections (16 by
  default), many messages per connection: the ceiling of what this sink takes. With one
  thread postal manages only ~20 messages/s here: it writes each SMTP command in its own
  small packet and waits out the peer's delayed ACK (~40 ms) on every message.
- a plain ``smtplib`` loop sending pre-built messages of the same size: the floor of
  what Python's SMTP client costs, with no database, rendering or signing.

The sink (aiosmtpd) runs in its own process and counts what it accepted; every run must
deliver exactly ``messages`` messages. Figures: messages per second, median (range);
ratios of medians; CPU seconds of this process per 1,000 Pacer messages (robust to the
load of other sessions on a shared machine) and the load average.

Run: .venv/bin/python benchmarks/messaging_delivery.py [messages] [--runs N] [--no-dkim]
     [--postal-threads N]
"""

import email.policy
import multiprocessing
import os
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir, runs_from_argv  # noqa: E402
from _messaging import consenting_contacts, cpu_seconds, free_port, spring_template  # noqa: E402


def _sink(port: int, count, size, ready) -> None:
    """A real SMTP server that accepts everything and counts it (in its own process)."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            with count.get_lock():
                count.value += 1
                size.value += len(envelope.content)
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    while True:  # until the benchmark terminates this process
        time.sleep(3600)


def start_sink():
    """The counting SMTP sink in its own process, with Django's mail pointed at it:
    ``(port, count, size, process)``; the caller terminates the process."""
    from django.conf import settings

    port = free_port()
    count, size = multiprocessing.Value("q", 0), multiprocessing.Value("q", 0)
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, count, size, ready), daemon=True)
    sink.start()
    ready.wait(10)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS, settings.EMAIL_HOST_USER = False, ""
    return port, count, size, sink


def wait_for(count, target: int, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while count.value < target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the sink got {count.value} of {target} messages")
        time.sleep(0.002)


def dkim_key(folder: str) -> str:
    path = Path(folder) / "dkim.pem"
    subprocess.run(
        ["openssl", "genrsa", "-out", str(path), "2048"], check=True, capture_output=True
    )
    return path.read_text()


def setup_workspace(messages: int, folder: str, sign: bool):
    """A workspace with ``messages`` contacts who consented to marketing email, a
    template with personalisation and links, and a sender (signing with DKIM)."""
    from pacer.core import actions
    from pacer.messaging.actions import save_sender

    workspace = actions.create_workspace("Bench", slug="bench")
    emails = [f"person{i}@example.test" for i in range(messages)]
    consenting_contacts(workspace, emails, last_name="Lee")
    template = spring_template(workspace)
    sender = save_sender(
        workspace,
        name="Shop",
        from_email="news@shop.example",
        dkim_selector="s1" if sign else "",
        dkim_private_key=dkim_key(folder) if sign else "",
    )
    return workspace, template, sender


def pacer_run(workspace, template, sender, run: int, count, messages: int):
    from pacer.messaging.actions import create_broadcast, queue_broadcast
    from pacer.messaging.delivery import deliver

    broadcast = create_broadcast(
        workspace,
        name=f"Spring {run}",
        template_id=template.pk,
        sender_id=sender.pk,
        audience={"all": True},
    )
    started = time.perf_counter()
    queued = queue_broadcast(workspace, broadcast.pk)["queued"]
    queue_seconds = time.perf_counter() - started
    assert queued == messages, queued
    before, cpu = count.value, cpu_seconds()
    started = time.perf_counter()
    while deliver():
        pass
    wait_for(count, before + messages)
    return time.perf_counter() - started, queue_seconds, cpu_seconds() - cpu


def postal_run(port: int, users: Path, kilobytes: int, threads: int, count, messages: int) -> float:
    before = count.value
    started = time.perf_counter()
    process = subprocess.Popen(
        # up to 100,000 messages per connection (postal's -1 "no limit" sends none in
        # 0.76), no rate limit, bodies of our size
        ["postal", "-t", str(threads), "-c", "100000", "-r", "100000000"]
        + ["-m", str(kilobytes), "-M", str(kilobytes), f"[127.0.0.1]{port}", str(users)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=users.parent,  # postal writes its postal.log in its working directory
    )
    try:
        wait_for(count, before + messages)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait()
        time.sleep(0.2)  # what postal had in flight lands before the next run counts


def smtplib_run(port: int, bodies: list[bytes], count) -> float:
    before = count.value
    started = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        for i, body in enumerate(bodies):
            smtp.sendmail("news@shop.example", [f"person{i}@example.test"], body)
    wait_for(count, before + len(bodies))
    return time.perf_counter() - started


def plain_bodies(messages: int, size: int) -> list[bytes]:
    bodies = []
    for i in range(messages):
        message = EmailMessage()
        message["From"], message["To"] = "news@shop.example", f"person{i}@example.test"
        message["Subject"] = f"Ann{i}, spring offers inside"
        message.set_content(("x" * 75 + "\n") * (size // 76))
        bodies.append(message.as_bytes(policy=email.policy.SMTP))
    return bodies


def rate(messages: int, times: list[float]) -> str:
    rates = [messages / t for t in times]
    return f"{statistics.median(rates):,.0f} msg/s ({min(rates):,.0f}-{max(rates):,.0f})"


def main() -> None:
    messages = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 5000
    runs, sign = runs_from_argv(3), "--no-dkim" not in sys.argv
    threads = 16
    if "--postal-threads" in sys.argv:
        threads = int(sys.argv[sys.argv.index("--postal-threads") + 1])
    if shutil.which("postal") is None:
        sys.exit("postal is not installed: apt-get install postal")
    django_in_temp_dir("pacer-bench-messaging-")
    from django.conf import settings

    port, count, size, sink = start_sink()
    folder = tempfile.mkdtemp(prefix="pacer-bench-messaging-files-")
    workspace, template, sender = setup_workspace(messages, folder, sign)
    # a worker has its URL map loaded long before it sends; load it here too
    from django.urls import reverse

    reverse("unsubscribe", args=["warm"])
    users = Path(folder) / "users.txt"
    users.write_text("".join(f"person{i}@example.test\n" for i in range(messages)))

    # a first Pacer run measures the message size the peers are given
    pacer_times, queue_times, pacer_cpu = [], [], []
    size_before = size.value
    seconds, queue_seconds, cpu = pacer_run(workspace, template, sender, 0, count, messages)
    pacer_times.append(seconds)
    queue_times.append(queue_seconds)
    pacer_cpu.append(cpu)
    mean_size = (size.value - size_before) // messages
    kilobytes = max(1, round(mean_size / 1024))
    bodies = plain_bodies(messages, mean_size)
    postal_times, smtplib_times = [], []
    for run in range(1, runs + 1):
        postal_times.append(postal_run(port, users, kilobytes, threads, count, messages))
        smtplib_times.append(smtplib_run(port, bodies, count))
        if run < runs:
            seconds, queue_seconds, cpu = pacer_run(
                workspace, template, sender, run, count, messages
            )
            pacer_times.append(seconds)
            queue_times.append(queue_seconds)
            pacer_cpu.append(cpu)

    print(f"{messages:,} messages per run, {runs} runs each, mean size {mean_size:,} bytes")
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"DKIM signing: {'on' if sign else 'off'}; database: {engine}")
    print(f"Pacer:   {rate(messages, pacer_times)}  (target >= 500 msg/s)")
    ceiling = f"ceiling, {threads} connections, {kilobytes} KB bodies"
    print(f"postal:  {rate(messages, postal_times)}  ({ceiling})")
    print(f"smtplib: {rate(messages, smtplib_times)}  (floor: pre-built messages, no database)")
    pacer, postal = statistics.median(pacer_times), statistics.median(postal_times)
    floor = statistics.median(smtplib_times)
    print(f"Pacer / postal: {postal / pacer:.2f}; Pacer / smtplib: {floor / pacer:.2f}")
    print(f"queueing the broadcast: {statistics.median(queue_times):.2f} s median")
    per_thousand = 1000 * statistics.median(pacer_cpu) / messages
    print(f"Pacer CPU (this process): {per_thousand:.2f} s per 1,000 messages")
    print("load average " + " ".join(f"{x:.1f}" for x in os.getloadavg()))
    sink.terminate()


if __name__ == "__main__":
    main()
