"""``EXPLAIN (ANALYZE, BUFFERS)`` of every query the team-scoped plan tree and monthly
close run, on the workspace ``planning_tree.py`` built and kept (PostgreSQL):

    PACER_DATABASE_URL=postgres://... PACER_BENCH_DATABASE_URL=1 \\
        .venv/bin/python benchmarks/planning_explain.py [WHAT]

``WHAT``: ``tree`` (default: ``tree(team_ids=<1 team>)``), ``tree2`` (two teams),
``close`` (``close_report(2026, team_ids=<1 team>)``) or ``all`` (the unscoped tree).
Each query's time and the plan's lines are printed, slowest first.
"""

import sys
import time

from _common import django_in_temp_dir


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "tree"
    django_in_temp_dir("pacer-bench-explain-")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from pacer.core.models import Workspace
    from pacer.planning.close_selectors import close_report
    from pacer.planning.rollups import tree
    from pacer.teams import selectors as teams

    workspace = Workspace.objects.get(slug="bench")
    team_ids = sorted(teams.teams_by_id(workspace))
    work = {
        "tree": lambda: tree(workspace, team_ids={team_ids[0]}),
        "tree2": lambda: tree(workspace, team_ids={team_ids[0], team_ids[1]}),
        "close": lambda: close_report(workspace, 2026, team_ids={team_ids[0]}),
        "all": lambda: tree(workspace),
    }[what]
    work()  # warm
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        work()
        wall = time.perf_counter() - started
    print(f"{what}: {len(captured.captured_queries)} queries, {wall * 1000:.1f} ms wall")
    plans = []
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            took = next((line for line in lines if line.startswith("Execution Time")), "")
            plans.append((float(took.split()[2]) if took else 0.0, sql, lines))
    for took, sql, lines in sorted(plans, key=lambda p: -p[0]):
        print(f"\n--- {took:.1f} ms: {sql[:600]}")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
