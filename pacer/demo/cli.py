"""``pacer demo`` and ``pacer simulate``."""

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from pacer.core.commands import fail, progress, workspace_named

DEMO_USER, DEMO_PASSWORD, DEMO_WORKSPACE = "demo", "pacer-demo", "demo"
DEMO_ADMIN_NAME = ("Jordan", "Ellis")  # the franchise's marketing-ops lead, as pages name them
# the locations (1 = LOC01) whose customers get poor service: among the higher spenders
# of the default seed at 2,000 and 20,000 contacts, so the waste analysis weighs them
POOR_SERVICE_LOCATIONS = (5, 11)


def ensure_demo_workspace():
    """The demo workspace with a named admin login and a write key (created once)."""
    from django.contrib.auth.models import User

    from pacer.core import actions
    from pacer.core.models import ApiKey, Role, Workspace

    workspace = Workspace.objects.filter(slug=DEMO_WORKSPACE).first()
    if workspace is None:
        workspace = actions.create_workspace("Demo Franchise", slug=DEMO_WORKSPACE)
    if not User.objects.filter(username=DEMO_USER).exists():
        actions.create_user(workspace, DEMO_USER, DEMO_PASSWORD, Role.ADMIN)
    # named (an admin made before they were gets the name; one given since is kept)
    first, last = DEMO_ADMIN_NAME
    User.objects.filter(username=DEMO_USER, first_name="", last_name="").update(
        first_name=first, last_name=last
    )
    if not ApiKey.objects.filter(workspace=workspace, kind="write").exists():
        actions.issue_api_key(workspace, "write", "Demo website")
    return workspace


def start_ending_today(weeks: int, today: date | None = None) -> str:
    """The Monday from which ``weeks`` whole weeks end as close to today as they can
    without passing it (so "the last 30 days" has data and nothing lies in the future)."""
    end = today or date.today()
    first = end - timedelta(weeks=weeks) + timedelta(days=1)
    return (first - timedelta(days=first.weekday())).isoformat()


def _monday(value: str) -> str:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a date (YYYY-MM-DD)") from None
    if day.weekday() != 0:
        raise argparse.ArgumentTypeError(
            f"{value} is a {day:%A}; the simulation starts on a Monday"
        )
    return value


def simulate(args: argparse.Namespace) -> int:
    """Generate the business and load it, yielding SQLite's write lock now and then so a
    sign-in beside the load gets in (``pacer.demo.pace``)."""
    from pacer.demo.pace import yielding_write_lock

    with yielding_write_lock():
        return _simulate(args)


def _simulate(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.utils import timezone

    from pacer.core.errors import ValidationFailed
    from pacer.demo.content import load_content
    from pacer.demo.leads import load_leads
    from pacer.demo.loader import load_business
    from pacer.demo.pace import catch_up_in_steps
    from pacer.demo.plans import load_plan
    from pacer.demo.segments import load_segments
    from pacer.demo.teams import load_teams
    from pacer.demo.work import load_work
    from pacer.simulate.business import generate
    from pacer.simulate.config import SimConfig
    from pacer.simulate.segment import message_count
    from pacer.warehouse.cli import sync

    if args.contacts < 1:
        return fail("--contacts: must be at least 1")
    if not 1 <= args.months <= 60:
        return fail("--months: must be between 1 and 60")
    workspace = (
        ensure_demo_workspace()
        if args.workspace == DEMO_WORKSPACE
        else workspace_named(args.workspace)
    )
    started = time.perf_counter()
    # each location on its city's clock: leads come by day there, staff answer on its shift
    # and two locations of poor service (customers rarely come back, NPS and reviews low)
    config = SimConfig(
        seed=args.seed,
        contacts=args.contacts,
        months=args.months,
        local_time=True,
        poor_service_locations=POOR_SERVICE_LOCATIONS,
    )
    business = generate(replace(config, start=args.start or start_ending_today(config.weeks)))
    print(
        f"simulated {business.n_contacts:,} contacts and {len(business.event_time):,} events "
        f"in {time.perf_counter() - started:.1f}s"
    )
    last_day = date.fromisoformat(business.config.start) + timedelta(weeks=config.weeks, days=-1)
    truth_path = Path(args.truth or settings.DATA_DIR / f"ground_truth_seed{args.seed}.json")
    bar, task = progress("ingesting events", message_count(business))
    try:
        with bar:
            counts = load_business(
                workspace,
                business,
                truth_path=truth_path,
                on_progress=lambda n: bar.advance(task, n),
            )
        bar, task = progress("capturing leads", int(business.truth["realised"]["leads"]))
        with bar:
            leads = load_leads(
                workspace,
                business,
                on_progress=lambda n: bar.advance(task, n),
                staff_password=DEMO_PASSWORD,
            )
        plan = load_plan(workspace, data_end=last_day)
        teams = load_teams(workspace, business)
        work = load_work(workspace, now=timezone.now())
    except ValidationFailed as error:
        return fail(error)
    content = load_content(workspace, last_day, partner_password=DEMO_PASSWORD)
    print(f"events: {counts}; ground truth: {truth_path}")
    print(
        f"plan: {plan['nodes']} nodes, {plan['lines']} budget lines, {plan['orders']} orders, "
        f"{plan['closed']} months closed, {plan['transfers']} transfer approved, "
        f"{plan['alerts']} variance alerts raised"
    )
    print(
        f"teams: targets, a review, {teams['answers']:,} NPS answers and "
        f"{teams['ratings']:,} review ratings; a survey after "
        f"each order sent to {teams['sent']:,}, answered by {teams['answered']:,}"
    )
    print(f"work: {work['boards']} boards, {work['cards']} cards, {work['moves']} moves")
    _give_addresses(workspace)
    print(f"content: {content['items']} items, {content['assets']} assets")
    print(
        f"leads: {leads['messages']}; {leads['responses']:,} first responses, "
        f"{leads['advanced']:,} moves to a later stage, {leads['conversions']:,} won and "
        f"{leads['disqualified']:,} disqualified; lead score {leads['predictive_model']}; "
        f"{leads.get('agents', 0)} agents, {leads.get('assigned', 0):,} leads assigned"
    )
    if args.no_sync:
        return 0
    code = sync(args)
    if code == 0:
        _predict_clv(workspace, last_day)
        print(f"segments: {load_segments(workspace)} made")
        # the whole history's change batches now, not as the worker's first backlog (each
        # delivery holds SQLite's write lock: the first logins would wait behind it), one
        # batch a delivery (a sign-in beside the load waits for one batch, not a hundred)
        handed = catch_up_in_steps()
        print(f"change feed: {handed:,} batches handed to its subscribers")
    return code


def _predict_clv(workspace, as_of: date) -> None:
    """Fit the CLV models on the synced purchases and write each customer's CLV, P(alive)
    and RFM scores, as `pacer clv` would, so the pages and segments that use them have
    something to show. Too few customers to fit is said, not an error."""
    from pacer.analytics.clv import CLVError
    from pacer.metrics.analysis import clv_report, write_back_clv
    from pacer.warehouse.sync import default_store

    try:
        report = clv_report(default_store(), workspace.pk, as_of)
    except CLVError as error:
        print(f"CLV not predicted: {error}")
        return
    updated = write_back_clv(workspace, report)
    print(f"CLV: predictions for {updated:,} customers as of {as_of}")


def _give_addresses(workspace) -> None:
    """The demo's members get email addresses (once; pacer.demo.members)."""
    from pacer.demo.members import DOMAIN, give_addresses

    given = give_addresses(workspace)
    if given:
        print(f"members: {given} given an email address at {workspace.slug}.{DOMAIN}")


def demo(args: argparse.Namespace) -> int:
    """Check the port, migrate, simulate a demo business (once), then run web and worker
    together. A busy port is refused before migrating, which takes a minute or more on a
    fresh data directory."""
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from pacer.core.cli import port_free
    from pacer.core.models import ApiKey
    from pacer.demo.content import PARTNER_LOGIN
    from pacer.ingest.selectors import event_count

    if not args.no_serve:
        port_free(args.host, args.port)
    call_command("migrate", interactive=False, verbosity=0)
    workspace = ensure_demo_workspace()
    if not event_count(workspace.pk):
        code = simulate(
            argparse.Namespace(
                contacts=args.contacts,
                months=args.months,
                seed=args.seed,
                start=None,
                workspace=DEMO_WORKSPACE,
                truth=None,
                no_sync=False,
            )
        )
        if code:
            return code
    _give_addresses(workspace)  # a demo made before its members had addresses gets them
    print()
    if args.no_serve:
        print("Pacer demo data is ready; start it with `pacer serve` and `pacer worker`.")
    else:
        print(f"Pacer demo is running at http://{args.host}:{args.port}/")
    print(f"  log in as '{DEMO_USER}' with password '{DEMO_PASSWORD}'")
    if User.objects.filter(username=PARTNER_LOGIN).exists():  # not in a demo made before it
        print(f"  the partner portal: log in as '{PARTNER_LOGIN}' with password '{DEMO_PASSWORD}'")
    key = ApiKey.objects.filter(workspace=workspace, kind="write").first()
    print(
        f"  {event_count(workspace.pk):,} events in workspace '{workspace.name}'; write key "
        f"prefix {key.prefix}… (create a new key under API keys to send your own events)"
    )
    if args.no_serve:
        return 0
    print("  press Ctrl+C to stop")
    return _run_web_and_worker(args.host, args.port)


def demo_base_url(host: str, port: int) -> str:
    """The address the demo's web server answers at, for the links Pacer writes into mail
    (unsubscribe, preferences, tracked clicks, the open pixel): ``PACER_BASE_URL`` when
    set, else the demo's own host and port (``localhost`` for a wildcard host)."""
    if os.environ.get("PACER_BASE_URL"):
        return os.environ["PACER_BASE_URL"].rstrip("/")
    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def _run_web_and_worker(host: str, port: int) -> int:
    # the web server and the worker (which sends the mail) read it at their start
    os.environ["PACER_BASE_URL"] = demo_base_url(host, port)
    pacer = [sys.executable, "-m", "pacer.cli"]
    return supervise(
        {
            "web server": [*pacer, "serve", "--host", host, "--port", str(port)],
            "worker": [*pacer, "worker"],
        }
    )


def supervise(commands: dict[str, list[str]]) -> int:
    """Run each command until one stops or this process is interrupted (Ctrl+C) or
    terminated (SIGTERM, as a service manager or ``kill`` stops it); then stop the others
    (SIGINT, then SIGKILL after 10 s) and return: 0 when asked to stop, else the failed
    command's exit status."""

    def terminated(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminated)
    processes: dict[str, subprocess.Popen] = {}
    code = 0
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command)
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        name, died = next((n, p) for n, p in processes.items() if p.poll() is not None)
        code = died.returncode or 1
        print(f"error: the {name} stopped (exit status {died.returncode})", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for p in processes.values():
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        for p in processes.values():
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        signal.signal(signal.SIGTERM, previous)
    return code


def _simulation_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)


def register(cli) -> None:
    from pacer.core.cli import web_options

    p = cli.command(
        "demo", demo, help="simulate a demo business and run web + worker", migrate=False
    )
    web_options(p)
    _simulation_options(p)
    p.add_argument("--no-serve", action="store_true", help="set up the demo data and exit")

    p = cli.command("simulate", simulate, help="generate a business and ingest it")
    _simulation_options(p)
    p.add_argument(
        "--start",
        type=_monday,
        help="first day, a Monday (default: the business's last week ends today)",
    )
    p.add_argument("--workspace", default=DEMO_WORKSPACE, help="workspace slug")
    p.add_argument("--truth", help="where to write the ground-truth JSON")
    p.add_argument("--no-sync", action="store_true")
