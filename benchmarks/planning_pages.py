"""The campaign list and the spend list (whole page requests through the test client:
gate, filters, count, page of rows, totals, template) on a large workspace.

    .venv/bin/python benchmarks/planning_pages.py [CAMPAIGNS] [SPEND_LINES] [RUNS]

Defaults: 10,000 campaigns, 1,000,000 spend lines (two years of days, 23 channels,
50 locations), 30 runs per page. Prints the median, p95 and range of each page asked
for (first page, a sorted page, a filtered page, a page reached by the Next link).
SQLite by default; ``PACER_BENCH_DATABASE_URL`` runs it on PostgreSQL.
"""

import random
import statistics
import sys
import time
from datetime import date, timedelta

from _common import django_in_temp_dir


def timed(call, runs: int) -> list[float]:
    call()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def show(label: str, times: list[float]) -> None:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"{label:<58} median {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms"
        f"  range {ordered[0]:.1f}–{ordered[-1]:.1f}"
    )


def build(campaigns: int, lines: int):
    """A workspace with ``campaigns`` campaigns and ``lines`` spend lines; returns the
    workspace, its admin and the campaigns."""
    from django.db import connection, transaction

    from pacer.core import actions
    from pacer.core.channels import CHANNELS
    from pacer.people.actions import upsert_locations
    from pacer.planning import totals
    from pacer.planning.models import Campaign, SpendEntry

    workspace = actions.create_workspace("Bench", slug="bench")
    admin = actions.create_user(workspace, "bench", "long-password-1", "admin")
    rng = random.Random(11)
    channels = [c for c in CHANNELS if c != "unassigned"]
    first_day = date(2025, 1, 1)
    started = time.perf_counter()
    locations = upsert_locations(
        workspace, [{"code": f"L{i:02}", "name": f"Location {i}"} for i in range(50)]
    )
    rows = []
    for index in range(campaigns):
        start = first_day + timedelta(days=rng.randrange(0, 700))
        rows.append(
            Campaign(
                workspace=workspace,
                key=f"campaign-{index:05}",
                name=f"Campaign {index}",
                channel=rng.choice(channels),
                starts_on=start,
                ends_on=start + timedelta(days=rng.randrange(7, 120)),
            )
        )
    created = Campaign.objects.bulk_create(rows, batch_size=5000)
    table = SpendEntry._meta.db_table
    insert = (
        f"INSERT INTO {table} (workspace_id, day, channel, campaign_id, location_id, amount)"
        " VALUES (%s, %s, %s, %s, %s, %s)"
    )
    for start in range(0, lines, 50_000):
        batch = []
        for _ in range(min(50_000, lines - start)):
            campaign = rng.choice(created)
            day = first_day + timedelta(days=rng.randrange(0, 730))
            amount = f"{rng.randrange(100, 500_000) / 100:.2f}"
            location = rng.choice(locations).pk
            batch.append((workspace.pk, day, campaign.channel, campaign.pk, location, amount))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(insert, batch)
    # lines written straight into the table: their days are counted once afterwards
    # (the actions count each line they write as they write it)
    totals.rebuild(workspace)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"{campaigns:,} campaigns and {lines:,} spend lines written in "
        f"{time.perf_counter() - started:.1f} s ({connection.vendor})"
    )
    return workspace, admin, created


def main(campaigns: int = 10_000, lines: int = 1_000_000, runs: int = 30) -> None:
    django_in_temp_dir("pacer-bench-planning-")
    from django.test import Client, RequestFactory

    from pacer.planning.spend_views import _spend as spend_table
    from pacer.planning.views import _campaign_table as campaign_table

    workspace, admin, created = build(campaigns, lines)
    client = Client()
    client.force_login(admin)

    def page(path: str):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response

    def next_of(path: str, build) -> str:
        """The page the table's Next link leads to."""
        request = RequestFactory().get(path)
        request.workspace, request.role, request.user = workspace, "admin", admin
        return path.split("?")[0] + build(request)[0].next_url

    some = created[len(created) // 2]
    queries = {
        "campaigns: first page": "/campaigns/",
        "campaigns: sorted by name": "/campaigns/?sort=name",
        "campaigns: channel + status + search": "/campaigns/?channel=paid_search&status=ended&q=1",
        "campaigns: running in a quarter": "/campaigns/?start=2025-04-01&end=2025-06-30",
        "spend: first page (last 90 days of data), totals": "/spend/",
        "spend: last 30 days": "/spend/?range=last_30",
        "spend: all data (2 years), totals": "/spend/?range=all",
        "spend: a channel, sorted by amount": "/spend/?channel=paid_search&sort=-amount",
        "spend: one campaign": f"/spend/?campaign={some.key}",
        "spend: a location, last 90 days": "/spend/?location=L07&range=last_90",
        "campaign page with its spend": f"/campaigns/{some.pk}/",
    }
    queries["campaigns: next page (keyset)"] = next_of("/campaigns/?sort=name", campaign_table)
    queries["spend: next page (keyset)"] = next_of("/spend/?range=last_90", spend_table)
    for label, path in queries.items():
        show(label, timed(lambda p=path: page(p), runs))


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
