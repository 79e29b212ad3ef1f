"""The query plan of each sort the contacts list offers: its first page and the page
after it (keyset), as the database would run them (SQLite's ``EXPLAIN QUERY PLAN``,
PostgreSQL's ``EXPLAIN``). Each should read one index in order, with no sort step.

    .venv/bin/python benchmarks/contact_sort_plans.py [CONTACTS]
    PACER_BENCH_REUSE=DIR .venv/bin/python benchmarks/contact_sort_plans.py

Without ``PACER_BENCH_REUSE`` it writes CONTACTS contacts (10,000 by default) into a
fresh database and runs ``ANALYZE``; with it, it reads a database ``contact_pages.py``
built (``PACER_BENCH_DATABASE_URL`` / ``PACER_DATABASE_URL`` for PostgreSQL).
"""

import os
import sys

from _common import django_in_temp_dir


def main(contacts: int = 10_000) -> None:
    reuse = os.environ.get("PACER_BENCH_REUSE", "")
    if reuse:
        os.environ["PACER_DATA_DIR"] = reuse
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
    else:
        django_in_temp_dir("pacer-bench-plans-")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from pacer.core import actions
    from pacer.core.models import Workspace
    from pacer.people.models import Contact
    from pacer.people.views import COLUMNS
    from pacer.people.views import _table as contacts_table
    from pacer.web.tables import make_cursor

    if reuse:
        workspace = Workspace.objects.get(slug="bench")
        user = get_user_model().objects.get(username="bench")
    else:
        workspace = actions.create_workspace("Bench", slug="bench")
        user = actions.create_user(workspace, "bench", "long-password-1", "admin")
        Contact.objects.bulk_create(
            Contact(
                workspace=workspace,
                email=f"p{i}@x.test",
                order_count=i % 7,
                revenue=i % 1000,
                p_alive=(i % 100) / 100 if i % 3 else None,
            )
            for i in range(contacts)
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def table(query: str):
        request = RequestFactory().get("/contacts/?" + query)
        request.workspace, request.role, request.user = workspace, "admin", user
        return contacts_table(request)[0]

    def page_queries(query: str) -> tuple[list[str], dict]:
        """The SQL a page's rows were read with, and the page."""
        shown = table(query)
        with CaptureQueriesContext(connection) as captured:
            page = shown._page
        sql = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"]]
        return sql, (shown, page)

    def plan(sql: str) -> str:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
                return "; ".join(str(row[-1]) for row in cursor.fetchall())
            cursor.execute(f"EXPLAIN {sql}")
            return "; ".join(row[0].strip() for row in cursor.fetchall())

    print(f"{connection.vendor}, {Contact.objects.count():,} contacts")
    for key in [column.key for column in COLUMNS if column.sortable]:
        for sort in (key, f"-{key}"):
            first, (shown, page) = page_queries(f"sort={sort}")
            last = page["rows"][-1]
            cursor = make_cursor(last[shown.sort_key], last["pk"], len(page["rows"]))
            following, _ = page_queries(f"sort={sort}&after={cursor}")
            for label, sql in (("first page", first[-1]), ("next page", following[-1])):
                print(f"sort={sort}, {label}: {plan(sql)}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:]))
