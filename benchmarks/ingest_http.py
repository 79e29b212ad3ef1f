"""Ingestion through the HTTP batch API with durable commit (SQLite WAL, synchronous=FULL).

Starts `pacer serve --workers 2` (uvicorn; BENCH_WORKERS changes the count) and
`pacer worker` on a fresh embedded database, posts simulated Segment batches of 500
events from two client threads as fast as they are answered, and reports two rates:
acknowledged (every event durably committed before its batch is answered; the target
>= 10,000 events/s sustained) and processed (until the worker has resolved every event
to a contact, working beside the API on the same two cores), with the CPU seconds each
process used. Then checks that the database holds exactly the events sent: none lost,
none doubled, none left pending.

Run: .venv/bin/python benchmarks/ingest_http.py [contacts]   (20,000 by default: 186k
events; 60,000: 553k; 120,000: about 1.1M)
"""

import base64
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

data_dir = django_in_temp_dir("pacer-bench-ingest-")
from pacer.core import actions  # noqa: E402
from pacer.ingest.models import Event  # noqa: E402
from pacer.people.models import Contact  # noqa: E402
from pacer.simulate.business import generate  # noqa: E402
from pacer.simulate.config import SimConfig  # noqa: E402
from pacer.simulate.segment import messages  # noqa: E402

contacts = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
workspace = actions.create_workspace("Bench", slug="bench")
_, secret = actions.issue_api_key(workspace, "write", "bench")
business = generate(SimConfig(seed=21, contacts=contacts, months=12))
all_messages = list(messages(business))
bodies = [
    orjson.dumps({"batch": all_messages[i : i + 500]}) for i in range(0, len(all_messages), 500)
]
port = 8765
cli = [sys.executable, "-m", "pacer.cli"]
environment = {**os.environ, "PACER_DATA_DIR": data_dir}
server = subprocess.Popen(
    [*cli, "serve", "--port", str(port), "--workers", os.environ.get("BENCH_WORKERS", "2")],
    env=environment,
)
worker = subprocess.Popen([*cli, "worker", "--no-schedule"], env=environment)
processes = {"server": server, "worker": worker}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process and its child processes (uvicorn's workers)
    have used so far (Linux /proc)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


headers = {
    "Authorization": "Basic " + base64.b64encode(f"{secret}:".encode()).decode(),
    "Content-Type": "application/json",
}
url = f"http://127.0.0.1:{port}/v1/batch"
try:
    for _ in range(100):
        try:
            httpx.get(f"http://127.0.0.1:{port}/login/", timeout=1)
            break
        except httpx.HTTPError:
            time.sleep(0.2)
    accepted = []
    lock = threading.Lock()

    def send(chunk: list[bytes]) -> None:
        with httpx.Client(timeout=120) as client:
            for body in chunk:
                reply = client.post(url, content=body, headers=headers)
                reply.raise_for_status()
                with lock:
                    accepted.append(reply.json()["accepted"])

    # Clients (BENCH_CLIENTS, 2 by default) each send a contiguous share of the batches.
    clients = int(os.environ.get("BENCH_CLIENTS", "2"))
    share = -(-len(bodies) // clients)
    threads = [
        threading.Thread(target=send, args=(bodies[i : i + share],))
        for i in range(0, len(bodies), share)
    ]
    cpu_at_start = {name: _cpu_seconds(process.pid) for name, process in processes.items()}
    started = time.perf_counter()
    client_cpu = time.process_time()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    pending = Event.objects.filter(pending=True)  # served by the partial index
    while pending.exists():
        time.sleep(0.1)
    processed_seconds = time.perf_counter() - started
    cpu = {
        name: _cpu_seconds(process.pid) - cpu_at_start[name] for name, process in processes.items()
    }
finally:
    for process in processes.values():
        process.terminate()
        process.wait()
stored = Event.objects.filter(workspace=workspace).count()
distinct = Event.objects.filter(workspace=workspace).values("message_id").distinct().count()
contacts_made = Contact.objects.filter(workspace=workspace, merged_into=None).count()
print(
    f"ingest over HTTP: {len(all_messages):,} events acknowledged in {seconds:.1f} s = "
    f"{len(all_messages) / seconds:,.0f} events/s (target >= 10,000); all processed "
    f"after {processed_seconds:.1f} s = {len(all_messages) / processed_seconds:,.0f} events/s; "
    f"accepted {sum(accepted):,}, stored {stored:,}, distinct {distinct:,}, "
    f"lost {len(all_messages) - distinct:,}, doubled {stored - distinct:,}, "
    f"contacts {contacts_made:,} (simulated {business.config.contacts:,}); CPU seconds "
    f"from the first batch: "
    f"server {cpu['server']:.1f}, worker {cpu['worker']:.1f}, "
    f"client {time.process_time() - client_cpu:.1f} (incl. waiting for the worker)"
)
