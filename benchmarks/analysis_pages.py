"""Page times of the analysis pages on the demo business (20,000 contacts, 12 months by
default): dashboard, attribution (per channel, per campaign), locations, cohorts, CLV.

Builds the warehouse straight from the simulator (Arrow -> Delta) as `pacer demo` would
after its sync, rebuilds the derived tables, then requests each page ``--requests`` times
(default 40) as a logged-in user through Django's test client, in turns so the machine's
load spreads over all pages alike; prints median and p95 per page (target p95 <= 300 ms).

After a sync the worker refits the default attribution views (``refit_attribution``):
timed here too (``--no-refit`` leaves it to the pages' first requests). The first
request of each page after the sync (after the process's own start, a health probe)
is timed and printed apart. ``--months`` sets the simulated span (more months,
more events per contact: 1M contacts over 24 months make about 20M events).

Run: .venv/bin/python benchmarks/analysis_pages.py [contacts] [--requests N] [--months M]
                                                    [--no-refit]
"""

import statistics
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

django_in_temp_dir("pacer-bench-analysis-")
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from pacer.core import actions  # noqa: E402
from pacer.metrics.cube import refresh_cube  # noqa: E402
from pacer.metrics.refits import refit_attribution  # noqa: E402
from pacer.people.actions import upsert_locations  # noqa: E402
from pacer.simulate.business import generate  # noqa: E402
from pacer.simulate.config import SimConfig  # noqa: E402
from pacer.warehouse.bulk import write_business  # noqa: E402
from pacer.warehouse.models import SyncRun  # noqa: E402
from pacer.warehouse.sync import default_store  # noqa: E402

PAGES = {
    "dashboard": "/",
    "attribution by channel": "/analytics/attribution/",
    "attribution by campaign": "/analytics/attribution/?by=campaign&measure=romi",
    "locations": "/analytics/locations/",
    "cohorts": "/analytics/cohorts/",
    "clv (page, no fit)": "/analytics/clv/",
}
arguments = [argument for argument in sys.argv[1:] if argument != "--no-refit"]
requests = 40
if "--requests" in arguments:
    at = arguments.index("--requests")
    requests = int(arguments[at + 1])
    del arguments[at : at + 2]
months = 12
if "--months" in arguments:
    at = arguments.index("--months")
    months = int(arguments[at + 1])
    del arguments[at : at + 2]
contacts = int(arguments[0]) if arguments else 20_000

workspace = actions.create_workspace("Bench", slug="bench")
actions.create_user(workspace, "bench", "bench-password", "admin")
business = generate(SimConfig(contacts=contacts, months=months))
upsert_locations(
    workspace,
    [
        {"code": code, "name": name}
        for code, name in zip(business.location_codes, business.location_names, strict=True)
    ],
)
store = default_store()
counts = write_business(store, business, workspace.pk)
del business
started = time.perf_counter()
refresh_cube(store)
print(f"demo business: {counts}; derived tables in {time.perf_counter() - started:.1f} s")
SyncRun.objects.create(status="done", finished_at=timezone.now())  # what a sync leaves

client = Client()
client.login(username="bench", password="bench-password")
assert client.get("/healthz").status_code == 200  # the process's start: URLs, API schemas
if "--no-refit" not in sys.argv:  # what the worker does after a sync that brought rows
    started = time.perf_counter()
    refits = refit_attribution(store)
    print(f"worker's refit after the sync: {refits} in {time.perf_counter() - started:.1f} s")
times: dict[str, list[float]] = {name: [] for name in PAGES}
for name, path in PAGES.items():  # the first request after the sync: fits, fills caches
    started = time.perf_counter()
    assert client.get(path).status_code == 200, path
    print(
        f"{name:26s} first request after the sync {(time.perf_counter() - started) * 1000:7.0f} ms"
    )
for _ in range(requests):
    for name, path in PAGES.items():
        started = time.perf_counter()
        response = client.get(path)
        times[name].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
for name, values in times.items():
    values.sort()
    p95 = values[max(0, int(0.95 * len(values)) - 1)]
    print(
        f"{name:26s} median {statistics.median(values):6.0f} ms  p95 {p95:6.0f} ms  "
        f"(range {values[0]:.0f}-{values[-1]:.0f} ms, {len(values)} requests; target p95 <= 300 ms)"
    )
