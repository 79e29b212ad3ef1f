"""The contacts page (a pacer.web.tables.Table) on a large workspace: the first page, a
page half-way down reached by keyset (what the page's Next link does), and the same page
by OFFSET (what page numbers would do), each sorted by id (indexed) and by revenue (not).

    .venv/bin/python benchmarks/contacts_table.py [CONTACTS] [RUNS]

Prints the median and range of RUNS runs of each: whole page requests (test client, page
rendered, count included), and the query for the same 25 rows by keyset (Pacer) and by
OFFSET (the usual alternative), with their ratio.
"""

import random
import statistics
import sys
import time

from _common import django_in_temp_dir


def timed(call, runs: int) -> list[float]:
    call()  # warm
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return times


def show(label: str, times: list[float]) -> float:
    median = statistics.median(times)
    print(f"{label:<44} median {median:7.1f} ms  range {min(times):.1f}–{max(times):.1f}")
    return median


def main(contacts: int = 300_000, runs: int = 15) -> None:
    django_in_temp_dir("pacer-bench-table-")
    from django.test import Client, RequestFactory

    from pacer.core import actions
    from pacer.people.models import Contact
    from pacer.people.views import _table as contacts_table
    from pacer.web.tables import make_cursor

    workspace = actions.create_workspace("Bench", slug="bench")
    admin = actions.create_user(workspace, "bench", "long-password-1", "admin")
    rng = random.Random(7)
    started = time.perf_counter()
    batch = []
    for index in range(contacts):
        batch.append(
            Contact(
                workspace=workspace,
                email=f"person{index}@example.test",
                first_name=f"P{index % 997}",
                revenue=rng.randrange(0, 50_000) / 100,
                order_count=rng.randrange(0, 9),
            )
        )
        if len(batch) == 20_000:
            Contact.objects.bulk_create(batch)
            batch = []
    Contact.objects.bulk_create(batch)
    print(f"{contacts:,} contacts written in {time.perf_counter() - started:.1f} s")

    client = Client()
    client.force_login(admin)

    def page(query: str):
        response = client.get("/contacts/?" + query)
        assert response.status_code == 200, response.status_code

    def table(query: str):
        request = RequestFactory().get("/contacts/?" + query)
        request.workspace, request.role, request.user = workspace, "admin", admin
        return contacts_table(request)[0]

    depth = contacts // 2
    for sort in ("-id", "-revenue"):
        shown = table(f"sort={sort}")
        ordered = shown._ordered()
        fields = shown._fields(shown.all_columns)
        middle = ordered.values(*fields)[depth - 1]
        cursor = make_cursor(middle[shown.sort_key], middle["pk"], depth)
        query = f"sort={sort}&after={cursor}"
        deep = table(query)
        offset_rows = list(ordered.values(*fields)[depth : depth + 26])
        assert [r["pk"] for r in deep._page["rows"]] == [r["pk"] for r in offset_rows[:25]]
        show(
            f"sort={sort}: first page, whole request", timed(lambda s=sort: page(f"sort={s}"), runs)
        )
        show(f"sort={sort}: row {depth:,}, whole request", timed(lambda q=query: page(q), runs))
        keyset = show(
            f"sort={sort}: row {depth:,}, keyset query",
            timed(lambda q=query: table(q)._page, runs),
        )
        offset = show(
            f"sort={sort}: row {depth:,}, OFFSET query",
            timed(lambda o=ordered, f=fields: list(o.values(*f)[depth : depth + 26]), runs),
        )
        print(f"  OFFSET / keyset, same rows: {offset / keyset:.1f}x")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
