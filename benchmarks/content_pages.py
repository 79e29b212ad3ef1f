"""Content calendar and asset library speed (issue 15's targets): the calendar's month,
week and list pages over 10,000 items (p95 <= 300 ms), a reschedule by the calendar's drag
and drop (<= 100 ms), asset search over 100,000 assets (<= 200 ms) and a year's iCal feed
(<= 500 ms): kept, written afresh, and a client's poll answered 304.

Makes the items (spread over 2026, in every state, 8 teams, 6 kinds) and the assets (names,
descriptions and tags from a small vocabulary, so a word matches ~1/40 of them) with
bulk inserts, then requests each page ``--requests`` times (default 30) as a signed-in
admin through Django's test client (the streamed feed read to its end), in turns, after
one warm-up each; prints median, p95 and range per measure, with the
process's CPU time (the load of other processes inflates the wall time). No peer: the issue's
targets are absolute.

Run: .venv/bin/python benchmarks/content_pages.py [items] [assets] [--requests N]
     [--only PREFIX]  (defaults 10000 100000; develop with e.g. 1000 5000 --requests 5;
     ``--only "asset search"`` measures only the searches)
"""

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from _common import django_in_temp_dir  # noqa: E402

django_in_temp_dir("pacer-bench-content-")
from django.core.cache import cache  # noqa: E402
from django.test import Client  # noqa: E402

from pacer.content import actions, asset_views  # noqa: E402
from pacer.content.models import Asset, ContentItem  # noqa: E402
from pacer.content.search import fold  # noqa: E402
from pacer.core import actions as core  # noqa: E402
from pacer.web.tables import COUNT_CAP  # noqa: E402

arguments = sys.argv[1:]
requests = 30
if "--requests" in arguments:
    at = arguments.index("--requests")
    requests = int(arguments[at + 1])
    del arguments[at : at + 2]
only = ""  # measure only the measures whose name starts with this
if "--only" in arguments:
    at = arguments.index("--only")
    only = arguments[at + 1]
    del arguments[at : at + 2]
n_items = int(arguments[0]) if arguments else 10_000
n_assets = int(arguments[1]) if len(arguments) > 1 else 100_000

rng = random.Random(15)
workspace = core.create_workspace("Bench", slug="bench")
admin = core.create_user(workspace, "bench", "bench-password", "admin")
STATES = ["idea", "draft", "in_review", "approved", "scheduled", "published", "archived"]
KINDS = ["blog_post", "email", "social_post", "ad", "video", "print"]
CHANNELS = ["email", "paid_social", "organic_social", "paid_search", "display", "print"]
start = datetime(2026, 1, 1, 8, tzinfo=UTC)
made = time.perf_counter()
ContentItem.objects.bulk_create(
    (
        ContentItem(
            workspace=workspace,
            title=f"Item {n} about {rng.choice(['spring', 'summer', 'launch', 'sale'])}",
            kind=rng.choice(KINDS),
            state=rng.choice(STATES),
            channel=rng.choice(CHANNELS),
            team=f"team-{n % 8}",
            owner=admin,
            scheduled_for=start + timedelta(minutes=rng.randrange(365 * 24 * 60)),
        )
        for n in range(n_items)
    ),
    batch_size=2000,
)
WORDS = [f"w{k:02d}" for k in range(40)]
rows = []
for n in range(n_assets):
    words = rng.sample(WORDS, 3)
    tags = sorted(rng.sample(WORDS, 2))
    name = f"Asset {n} {words[0]}"
    description = f"{words[1]} {words[2]}"
    rows.append(
        Asset(
            workspace=workspace,
            name=name,
            description=description,
            tags=tags,
            search_text=fold(f"{name} {description} {' '.join('#' + t for t in tags)}"),
        )
    )
    if len(rows) == 5000:
        Asset.objects.bulk_create(rows)
        rows = []
Asset.objects.bulk_create(rows)
print(f"{n_items} items and {n_assets} assets made in {time.perf_counter() - made:.1f} s")

_, token = actions.rotate_feed(workspace, user=admin, scope="calendar")
movable = list(
    ContentItem.objects.filter(state__in=["idea", "draft", "scheduled"])
    .order_by("pk")
    .values_list("pk", flat=True)[: requests + 1]
)
client = Client()
assert client.login(username="bench", password="bench-password")
turn = {"n": 0}


def reschedule():
    turn["n"] += 1
    day = (datetime(2026, 3, 1) + timedelta(days=turn["n"] % 28)).date().isoformat()
    pk = movable[turn["n"] % len(movable)]
    return client.post(f"/content/calendar/move/{pk}/", {"day": day})


def whole_feed():
    """The feed is streamed when written: the time counts reading all of it. After the
    warm-up its body is kept (nothing changes between requests)."""
    response = Client().get(f"/content/feeds/{token}.ics")
    response.getvalue()
    return response


def fresh_feed():
    """The feed written afresh, as after a change to its items (the kept body dropped)."""
    cache.clear()
    return whole_feed()


def feed_poll():
    """A calendar client's poll with the ETag of its copy: 304 when nothing changed."""
    response = Client().get(f"/content/feeds/{token}.ics", HTTP_IF_NONE_MATCH=feed_etag)
    assert response.status_code == 304
    response.status_code = 200  # counted as answered
    return response


def uncapped_letter():
    """The one-letter search counted as before the search cap (up to the tables' own
    ``COUNT_CAP``), for the before/after figure."""
    asset_views.SEARCH_COUNT_CAP = COUNT_CAP
    try:
        return client.get("/assets/?q=e")
    finally:
        asset_views.SEARCH_COUNT_CAP = capped


capped = asset_views.SEARCH_COUNT_CAP

MEASURES = {
    "calendar month": (lambda: client.get("/content/calendar/?day=2026-06-15"), 300),
    "calendar week": (lambda: client.get("/content/calendar/?view=week&day=2026-06-15"), 300),
    "calendar list": (lambda: client.get("/content/calendar/?view=list&day=2026-06-15"), 300),
    "reschedule (drag)": (reschedule, 100),
    "asset search 1 word": (lambda: client.get("/assets/?q=w07"), 200),
    "asset search 2 words": (lambda: client.get("/assets/?q=w07+w21"), 200),
    "asset search tag": (lambda: client.get("/assets/?tag=w13"), 200),
    "asset search 1 letter": (lambda: client.get("/assets/?q=e"), 200),
    "asset search 1 letter, uncapped": (uncapped_letter, 200),
    "iCal feed (year)": (whole_feed, 500),
    "iCal feed written": (fresh_feed, 500),
    "iCal feed poll (304)": (feed_poll, 500),
}
MEASURES = {name: measure for name, measure in MEASURES.items() if name.startswith(only)}
times: dict[str, list[float]] = {name: [] for name in MEASURES}
cpu: dict[str, list[float]] = {name: [] for name in MEASURES}
for name, (call, _) in MEASURES.items():  # one warm-up each
    if name != "iCal feed poll (304)":
        assert call().status_code == 200, name
# the feeds after the pages: the reschedules change the feed's items (a new version each)
turns = [
    [n for n in MEASURES if not n.startswith("iCal")],
    [n for n in MEASURES if n.startswith("iCal")],
]
for names in turns:
    feed_etag = Client().get(f"/content/feeds/{token}.ics")["ETag"]
    for _ in range(requests):
        for name in names:
            call = MEASURES[name][0]
            began, began_cpu = time.perf_counter(), time.process_time()
            response = call()
            times[name].append((time.perf_counter() - began) * 1000)
            cpu[name].append((time.process_time() - began_cpu) * 1000)
            assert response.status_code == 200, (name, response.content[:300])
feed_events = Client().get(f"/content/feeds/{token}.ics").getvalue().count(b"BEGIN:VEVENT")
print(f"the year's feed holds {feed_events} events")
for name, values in times.items():
    values.sort()
    p95 = values[max(0, int(0.95 * len(values)) - 1)]
    target = MEASURES[name][1]
    verdict = "meets" if p95 <= target else "MISSES"
    spent = sorted(cpu[name])
    print(
        f"{name:22s} median {statistics.median(values):6.0f} ms  p95 {p95:6.0f} ms  "
        f"(range {values[0]:.0f}-{values[-1]:.0f} ms, {len(values)} requests; "
        f"target p95 <= {target} ms: {verdict}); CPU median "
        f"{statistics.median(spent):.0f} ms, p95 {spent[max(0, int(0.95 * len(spent)) - 1)]:.0f} ms"
    )
