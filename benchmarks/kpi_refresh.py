"""KPI refresh and dashboard page time at 1M contacts / ~20M events.

Builds the warehouse straight from the simulator (Arrow -> Delta), then times:
- the KPI cube refresh (DuckDB over the Delta tables), target <= 5 s;
- the dashboard page (GET / as a logged-in user, Django test client), target p95 <= 300 ms.

Run: .venv/bin/python benchmarks/kpi_refresh.py [contacts]
"""

import statistics
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import BIG, django_in_temp_dir  # noqa: E402

django_in_temp_dir("pacer-bench-kpi-")
from django.test import Client  # noqa: E402

from pacer.core import actions  # noqa: E402
from pacer.metrics.cube import refresh_cube  # noqa: E402
from pacer.simulate.business import generate  # noqa: E402
from pacer.simulate.config import SimConfig  # noqa: E402
from pacer.warehouse.bulk import write_business  # noqa: E402
from pacer.warehouse.sync import default_store  # noqa: E402

contacts = int(sys.argv[1]) if len(sys.argv) > 1 else BIG["contacts"]
workspace = actions.create_workspace("Bench", slug="bench")
actions.create_user(workspace, "bench", "bench-password", "admin")
business = generate(SimConfig(**{**BIG, "contacts": contacts}))
store = default_store()
started = time.perf_counter()
counts = write_business(store, business, workspace.pk)
print(f"warehouse written in {time.perf_counter() - started:.1f} s: {counts}")

timings = []
for _ in range(3):
    started = time.perf_counter()
    rows = refresh_cube(store)
    timings.append(time.perf_counter() - started)
print(
    f"KPI refresh: {contacts:,} contacts / {counts['events']:,} events -> {rows:,} cube rows; "
    f"best {min(timings):.2f} s, median {statistics.median(timings):.2f} s (target <= 5 s)"
)

client = Client()
client.login(username="bench", password="bench-password")
assert client.get("/").status_code == 200
pages = []
for i in range(60):
    query = ["", "?channel=paid_search", "?grain=week", "?location=3", "?start=2025-06-01"][i % 5]
    started = time.perf_counter()
    response = client.get("/" + query)
    pages.append((time.perf_counter() - started) * 1000)
    assert response.status_code == 200
pages.sort()
p95 = pages[int(0.95 * len(pages)) - 1]
print(
    f"dashboard page: median {statistics.median(pages):.0f} ms, p95 {p95:.0f} ms "
    f"over {len(pages)} requests (target p95 <= 300 ms)"
)
