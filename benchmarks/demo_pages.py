"""Page times on an existing demo (``pacer demo --no-serve`` made it): each page is
requested ``--requests`` times (default 6; the first, which warms the process, is left
out) as the demo admin, in the demo's workspace, through Django's test client; prints per
page the median and range of wall and CPU milliseconds and the queries of one request.

Run: PACER_DATA_DIR=<the demo's data dir> .venv/bin/python benchmarks/demo_pages.py
     /teams/cx/ /teams/performance/ [--requests N]
"""

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
import django  # noqa: E402

django.setup()
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from pacer.core.models import Workspace  # noqa: E402
from pacer.demo.cli import DEMO_PASSWORD, DEMO_USER, DEMO_WORKSPACE  # noqa: E402

arguments = sys.argv[1:]
requests = 6
if "--requests" in arguments:
    at = arguments.index("--requests")
    requests = int(arguments[at + 1])
    del arguments[at : at + 2]
settings.ALLOWED_HOSTS = ["*"]
client = Client()
assert client.login(username=DEMO_USER, password=DEMO_PASSWORD), "no demo admin here"
# the demo's own workspace, whatever other workspaces its admin has made since
demo = Workspace.objects.get(slug=DEMO_WORKSPACE)
client.post("/workspaces/switch/", {"workspace": demo.pk})
for path in arguments:
    walls, cpus = [], []
    for _ in range(requests):
        wall, cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    walls, cpus = walls[1:], cpus[1:]
    print(
        f"{path} {status}: wall median {statistics.median(walls):.0f} ms "
        f"({min(walls):.0f}-{max(walls):.0f}), CPU median {statistics.median(cpus):.0f} ms "
        f"({min(cpus):.0f}-{max(cpus):.0f}), {len(queries)} queries"
    )
