"""The ``pacer`` command: demo, serve, worker, simulate, import, sync, analyze, manage."""

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

DEMO_USER, DEMO_PASSWORD, DEMO_WORKSPACE = "demo", "pacer-demo", "demo"


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings")
    import django

    django.setup()


def _progress(description: str, total: int | None):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    progress = Progress(
        "[bold]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    )
    task = progress.add_task(description, total=total)
    return progress, task


def _fail(error) -> int:
    from pacer.core.errors import ValidationFailed

    if isinstance(error, ValidationFailed):
        for field, reason in error.errors.items():
            print(f"error: {field}: {reason}", file=sys.stderr)
    else:
        print(f"error: {error}", file=sys.stderr)
    return 2


def _workspace(slug: str):
    from pacer.core.models import Workspace

    workspace = Workspace.objects.filter(slug=slug).first()
    if workspace is None:
        raise SystemExit(f"error: --workspace: no workspace with slug '{slug}'")
    return workspace


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_demo_workspace():
    """The demo workspace with an admin login and a write key (created once)."""
    from django.contrib.auth.models import User

    from pacer.core import actions
    from pacer.core.models import ApiKey, Role, Workspace

    workspace = Workspace.objects.filter(slug=DEMO_WORKSPACE).first()
    if workspace is None:
        workspace = actions.create_workspace("Demo Franchise", slug=DEMO_WORKSPACE)
    user = User.objects.filter(username=DEMO_USER).first()
    if user is None:
        actions.create_user(workspace, DEMO_USER, DEMO_PASSWORD, Role.ADMIN)
    if not ApiKey.objects.filter(workspace=workspace, kind="write").exists():
        actions.issue_api_key(workspace, "write", "Demo website")
    return workspace


def simulate(args) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.ingest.simulated import load_business
    from pacer.simulate.business import generate
    from pacer.simulate.config import SimConfig

    if args.contacts < 1:
        return _fail("--contacts: must be at least 1")
    if not 1 <= args.months <= 60:
        return _fail("--months: must be between 1 and 60")
    workspace = (
        ensure_demo_workspace() if args.workspace == DEMO_WORKSPACE else _workspace(args.workspace)
    )
    started = time.perf_counter()
    business = generate(SimConfig(seed=args.seed, contacts=args.contacts, months=args.months))
    print(
        f"simulated {business.n_contacts:,} contacts and {len(business.event_time):,} events "
        f"in {time.perf_counter() - started:.1f}s"
    )
    from django.conf import settings

    truth_path = Path(args.truth or settings.DATA_DIR / f"ground_truth_seed{args.seed}.json")
    progress, task = _progress("ingesting events", len(business.event_time))
    try:
        with progress:
            counts = load_business(
                workspace,
                business,
                truth_path=truth_path,
                on_progress=lambda n: progress.advance(task, n),
            )
    except ValidationFailed as error:
        return _fail(error)
    print(f"events: {counts}; ground truth: {truth_path}")
    return sync(args) if not args.no_sync else 0


def sync(args=None) -> int:
    from pacer.metrics.cube import refresh_cube
    from pacer.warehouse.sync import sync as run_sync

    progress, task = _progress("syncing warehouse", None)
    with progress:
        run = run_sync(after_sync=refresh_cube, on_progress=lambda _t, n: progress.advance(task, n))
    print(f"warehouse sync {run.status}: {run.rows}")
    return 0 if run.status in ("done", "busy") else 1


def import_csv(args) -> int:
    from pacer.core.errors import ValidationFailed
    from pacer.ingest.csv_io import import_contacts, import_orders

    mapping = {}
    for pair in args.map or []:
        column, sep, field = pair.partition("=")
        if not sep:
            return _fail(f"--map: '{pair}' must look like column=field")
        mapping[column] = field
    path = Path(args.file)
    if not path.is_file():
        return _fail(f"file: '{path}' does not exist")
    text = path.read_text(encoding="utf-8-sig")
    if not mapping:
        import csv
        import io

        header = next(csv.reader(io.StringIO(text)), [])
        mapping = {column: column for column in header}
    workspace = _workspace(args.workspace)
    try:
        if args.kind == "contacts":
            report = import_contacts(workspace, text, mapping, update_rule=args.update_rule)
        else:
            report = import_orders(workspace, text, mapping)
    except ValidationFailed as error:
        return _fail(error)
    if report.rejected:
        print(
            f"nothing imported: {len(report.rejected)} of {report.total_rows} rows rejected",
            file=sys.stderr,
        )
        for item in report.rejected:
            print(f"  row {item['row']}: {item['field']}: {item['reason']}", file=sys.stderr)
        return 1
    print(
        f"imported {report.total_rows} rows: {report.created} created, "
        f"{report.updated} updated, {report.skipped} unchanged or skipped"
    )
    return 0


def serve(args) -> int:
    import uvicorn

    uvicorn.run(
        "pacer.asgi:application",
        host=args.host,
        port=args.port,
        log_level="warning",
        workers=args.workers,
    )
    return 0


def worker(args) -> int:
    """Run background tasks, process accepted events as they arrive and, every
    ``WAREHOUSE_SYNC_SECONDS``, queue a warehouse sync."""
    from django.conf import settings
    from django.core.management import call_command
    from django.utils import timezone

    from pacer.ingest.processing import process_pending, processing_due
    from pacer.warehouse.tasks import sync_warehouse

    def schedule() -> None:
        while True:
            sync_warehouse.enqueue()
            time.sleep(settings.WAREHOUSE_SYNC_SECONDS)

    def process_events() -> None:
        while True:
            try:
                done = process_pending() if processing_due(timezone.now()) else 0
            except Exception:  # logged; the events stay pending and are retried
                logging.getLogger("pacer.ingest").exception("processing events failed")
                done = 0
                time.sleep(5)
            if not done:
                time.sleep(settings.INGEST_PROCESS_POLL_SECONDS)

    threading.Thread(target=process_events, daemon=True, name="pacer-events").start()
    if not args.no_schedule:
        threading.Thread(target=schedule, daemon=True, name="pacer-scheduler").start()
    call_command("db_worker", queue_name="*", interval=1, no_startup_delay=True)
    return 0


def demo(args) -> int:
    """Migrate, simulate a demo business (once), then run web and worker together."""
    workspace = ensure_demo_workspace()
    from pacer.ingest.models import Event

    if not Event.objects.filter(workspace=workspace).exists():
        code = simulate(
            argparse.Namespace(
                contacts=args.contacts,
                months=args.months,
                seed=args.seed,
                workspace=DEMO_WORKSPACE,
                truth=None,
                no_sync=False,
            )
        )
        if code:
            return code
    from pacer.core.models import ApiKey

    print()
    if args.no_serve:
        print("Pacer demo data is ready; start it with `pacer serve` and `pacer worker`.")
    else:
        print(f"Pacer demo is running at http://{args.host}:{args.port}/")
    print(f"  log in as '{DEMO_USER}' with password '{DEMO_PASSWORD}'")
    print(
        f"  {Event.objects.filter(workspace=workspace).count():,} events in workspace "
        f"'{workspace.name}'; write key prefix "
        f"{ApiKey.objects.filter(workspace=workspace, kind='write').first().prefix}… "
        "(create a new key under API keys to send your own events)"
    )
    if args.no_serve:
        return 0
    print("  press Ctrl+C to stop")
    pacer = [sys.executable, "-m", "pacer.cli"]
    processes = [
        subprocess.Popen([*pacer, "serve", "--host", args.host, "--port", str(args.port)]),
        subprocess.Popen([*pacer, "worker"]),
    ]
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in processes:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


def analyze(args) -> int:
    """Attribution, CLV or an experiment, printed as tables."""
    from datetime import date

    from pacer.analytics.clv import CLVError
    from pacer.analytics.experiments import ExperimentError, parse_arm
    from pacer.analytics.experiments import analyze as analyze_experiment
    from pacer.analytics.journeys import JourneyError
    from pacer.metrics.analysis import (
        attribution_report,
        clv_holdout_report,
        clv_report,
        write_back_clv,
    )
    from pacer.warehouse.sync import default_store

    try:
        if args.what == "experiment" and args.key:
            return _experiment_report(_workspace(args.workspace), args.key)
        if args.what == "experiment":
            arms = dict(parse_arm(spec, f"--arm '{spec}'") for spec in args.arm or [])
            result = analyze_experiment(arms)
            _print_srm(result.srm_p_value, result.sample_ratio_mismatch)
            _print_variations(result)
            return 0
        workspace = _workspace(args.workspace)
        try:
            start = date.fromisoformat(args.start) if args.start else None
            end = date.fromisoformat(args.end) if args.end else date.today()
        except ValueError:
            return _fail("--start, --end: must be dates (YYYY-MM-DD)")
        if args.what == "attribution":
            if start is None:
                return _fail("--start: required for attribution")
            table = attribution_report(default_store(), workspace.pk, start, end, by=args.by)
            import polars as pl

            with pl.Config(tbl_rows=200, tbl_cols=10):
                print(table.sort(["channel", "model"]))
            return 0
        if args.holdout_weeks:
            holdout = clv_holdout_report(
                default_store(), workspace.pk, end, holdout_weeks=args.holdout_weeks
            )
            p = holdout.purchases
            print(
                f"BG/NBD fitted up to {holdout.calibration_end}: r={p.r:.3f} "
                f"alpha={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f}; x = -1 is all customers"
            )
            print(holdout.table)
            return 0
        report = clv_report(default_store(), workspace.pk, end)
        updated = write_back_clv(workspace, report)
        p = report.purchases
        print(
            f"BG/NBD r={p.r:.3f} alpha={p.alpha:.3f} a={p.a:.3f} b={p.b:.3f}; "
            f"predictions written to {updated} contacts"
        )
        print(report.cohorts)
        return 0
    except (JourneyError, CLVError, ExperimentError) as error:
        return _fail(error)


def _print_srm(p_value: float, mismatch: bool) -> None:
    print(f"SRM p-value {p_value:.5f}" + ("  ** SAMPLE RATIO MISMATCH **" if mismatch else ""))


def _print_variations(result) -> None:
    print(f"control: {result.control}")
    for v in result.variations:
        c = v.comparison
        print(
            f"{v.name}: lift {c.relative:+.2%} [{c.relative_ci[0]:+.2%}, "
            f"{c.relative_ci[1]:+.2%}], p (Holm) {v.adjusted_p_value:.4f}, "
            f"chance to win {v.bayes.chance_to_win:.1%}"
        )


def _experiment_report(workspace, key: str) -> int:
    from django.utils import timezone

    from pacer.experiments.selectors import experiment, report

    found = experiment(workspace, key)
    if found is None:
        return _fail(f"--key: no experiment '{key}' in workspace '{workspace.slug}'")
    summary = report(found, now=timezone.now())
    print(
        f"{found.name} ({found.status}): "
        + ", ".join(
            f"{k} {summary.counts[k]} units, mean {summary.means[k]:.4f}" for k in summary.counts
        )
    )
    if summary.srm_p_value is not None:
        _print_srm(summary.srm_p_value, summary.sample_ratio_mismatch)
    if summary.result is None:
        print(f"no results yet: {summary.problem}")
        return 0
    _print_variations(summary.result)
    for effect in summary.cuped:
        print(
            f"{effect.variation}: CUPED effect {effect.absolute:+.4f} "
            f"[{effect.ci[0]:+.4f}, {effect.ci[1]:+.4f}]"
        )
    return 0


def manage(args) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["pacer", *args.rest])
    return 0


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="pacer", description="Pacer marketing operations")
    sub = root.add_subparsers(dest="command", required=True)

    def web_options(p):
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)

    def sim_options(p):
        p.add_argument("--contacts", type=int, default=20_000)
        p.add_argument("--months", type=int, default=12)
        p.add_argument("--seed", type=int, default=7)

    p = sub.add_parser("demo", help="simulate a demo business and run web + worker")
    web_options(p)
    sim_options(p)
    p.add_argument("--no-serve", action="store_true", help="set up the demo data and exit")
    p.set_defaults(func=demo)

    p = sub.add_parser("serve", help="run the web app (ASGI)")
    web_options(p)
    p.add_argument("--workers", type=int, default=1)
    p.set_defaults(func=serve)

    p = sub.add_parser("worker", help="run background tasks and the scheduled warehouse sync")
    p.add_argument("--no-schedule", action="store_true")
    p.set_defaults(func=worker)

    p = sub.add_parser("simulate", help="generate a business and ingest it")
    sim_options(p)
    p.add_argument("--workspace", default=DEMO_WORKSPACE, help="workspace slug")
    p.add_argument("--truth", help="where to write the ground-truth JSON")
    p.add_argument("--no-sync", action="store_true")
    p.set_defaults(func=simulate)

    p = sub.add_parser("import", help="import contacts or orders from CSV (all or nothing)")
    p.add_argument("kind", choices=["contacts", "orders"])
    p.add_argument("file")
    p.add_argument("--workspace", default=DEMO_WORKSPACE)
    p.add_argument(
        "--map",
        action="append",
        metavar="COLUMN=FIELD",
        help="map a CSV column to a field (default: columns named like fields)",
    )
    p.add_argument(
        "--update-rule",
        default="if_not_empty",
        choices=["always", "if_not_empty", "if_existing_empty"],
    )
    p.set_defaults(func=import_csv)

    p = sub.add_parser("sync", help="sync the warehouse and refresh KPIs now")
    p.set_defaults(func=sync)

    p = sub.add_parser("analyze", help="attribution, CLV or experiment analysis")
    p.add_argument("what", choices=["attribution", "clv", "experiment"])
    p.add_argument("--key", help="experiment: analyse this experiment of the workspace")
    p.add_argument("--by", choices=["channel", "campaign"], default="channel")
    p.add_argument(
        "--holdout-weeks",
        type=int,
        default=0,
        help="clv: fit before the last N weeks and compare with them (writes nothing)",
    )
    p.add_argument("--workspace", default=DEMO_WORKSPACE)
    p.add_argument("--start", help="attribution: people first seen from this date")
    p.add_argument("--end", help="attribution: until this date; clv: purchases up to it")
    p.add_argument(
        "--arm",
        action="append",
        metavar="NAME,N,SUM[,SUMSQ]",
        help="experiment: one per arm, control first",
    )
    p.set_defaults(func=analyze)

    p = sub.add_parser("manage", help="run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(func=manage)
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    _setup()
    if args.func is not manage:
        migrate()
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
