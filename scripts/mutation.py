"""Mutation testing of one module against the tests that exercise it (``make mutation``).

mutmut takes one test selection from ``[tool.mutmut]`` for every module, and changing it
throws away every cached result. So each module runs here with its own selection
(``TESTS``) and its own ``mutants`` directory (``var/mutants/<module>``, which ``mutants``
links to during the run): a mutant of ``pacer/core/feed.py`` runs only the feed tests
that reach the mutated function, in seconds, and one module's results survive the next
module's run. mutmut leaves decorated functions alone, which would skip every
``@transaction.atomic`` action; ``undecorate`` hands it each such top-level function
undecorated and wraps it after the definitions instead (``f = transaction.atomic(f)``,
what the decorator does), so they are mutated too. Everything else (the excluded
subprocess tests, the timeout) comes from ``[tool.mutmut]`` in pyproject.toml.

    python scripts/mutation.py run pacer/core/feed.py        # mutate and test one module
    python scripts/mutation.py run pacer/core/feed.py tests/core/test_feed.py  # other tests
    python scripts/mutation.py summary pacer/core/feed.py …  # figures per module
    python scripts/mutation.py mutmut pacer/core/feed.py results   # any mutmut command
    python scripts/mutation.py mutmut pacer/core/feed.py show pacer.core.feed.x_publish__mutmut_3
    MUTATION_TIMEOUT_MULTIPLIER=20 python scripts/mutation.py run …  # longer limits (busy box)
    MUTATION_TESTS="tests/a.py tests/b.py" python scripts/mutation.py mutmut pacer/x.py run \
        'pacer.x.x_f__mutmut_*'   # named mutants against another selection
    MUTATION_SAMPLE=4:27 python scripts/mutation.py run …   # a seeded quarter of the mutants

The mutant loop (``scripts/mutant_loop.py``): no statistics run, no worker per mutant,
every listed mutant against the given tests in one pytest session (docs/testing.md):

    MUTATION_SAMPLE=3:2039 python scripts/mutation.py generate pacer/leads/actions.py
    python scripts/mutation.py loop pacer/leads/actions.py \
        var/mutant-loop/pacer.leads.actions/sample.txt tests/leads/test_actions_exact.py …
    # one line per mutant in var/mutant-loop/pacer.leads.actions/loop.out
    python scripts/mutation.py diff pacer/leads/actions.py x_move_stage__mutmut_91 …  # what changed
"""

import fcntl
import json
import os
import random
import re
import shutil
import signal
import sys
import threading
from collections import Counter
from pathlib import Path

import mutant_loop  # scripts/, beside this file

ROOT = Path(__file__).resolve().parent.parent

# The tests that exercise each module (every mutant runs only those of them that reached
# the mutated function when mutmut collected its statistics).
TESTS = {
    "pacer/core/feed.py": ["tests/core/test_feed.py"],
    # not test_gate (every page and operation for every role: minutes for each mutant of
    # the actions its fixtures call), which checks the gate, not these writes
    "pacer/core/actions.py": [
        "tests/core/test_core.py",
        "tests/core/test_keys.py",
        "tests/core/test_invitations.py",
        "tests/core/test_api_auth.py",
        "tests/core/test_api.py",
        "tests/core/test_members_contract.py",
        "tests/core/test_workspaces_contract.py",
    ],
    "pacer/core/api_auth.py": ["tests/core/test_api_auth.py", "tests/core/test_api.py"],
    "pacer/ingest/processing.py": [
        "tests/ingest/test_processing.py",
        "tests/ingest/test_processing_edges.py",
        "tests/ingest/test_concurrency.py",
        "tests/ingest/test_quarantine.py",
    ],
    "pacer/ingest/actions.py": ["tests/ingest"],
    # the rules' own tests and processing's, which drive them through real batches (not
    # the rest of tests/ingest and tests/people: acceptance, imports and pages reach these
    # functions only through the same processing, and every ProfilePlan or BatchResolver
    # mutant would run each of their hundreds of tests)
    "pacer/people/resolution.py": [
        "tests/people/test_resolution.py",
        "tests/people/test_resolution_properties.py",
        "tests/people/test_profiles.py",
        "tests/ingest/test_processing.py",
    ],
    "pacer/people/profiles.py": [
        "tests/people/test_profiles.py",
        "tests/people/test_resolution.py",
        "tests/people/test_resolution_properties.py",
        "tests/people/test_consent_actions.py",
        "tests/ingest/test_processing.py",
        "tests/ingest/test_tracking_api.py",
    ],
    "pacer/people/actions.py": ["tests/people"],
    # the store's own tests, on a temporary directory without a database (the sync's
    # tests reach it only through the sync, and cost a synced database per mutant)
    "pacer/warehouse/store.py": [
        "tests/warehouse/test_store.py",
        "tests/warehouse/test_store_connections.py",
        "tests/warehouse/test_store_mutants.py",
    ],
    # not the store's own tests, nor the Spark and CLI ones (the crash tests are left out
    # of every run)
    "pacer/warehouse/sync.py": [
        "tests/warehouse/test_sync.py",
        "tests/warehouse/test_sync_bookkeeping.py",
        "tests/warehouse/test_sync_mutants.py",
        "tests/warehouse/test_refit_after_sync.py",
    ],
    # not test_simulated (a simulated business end to end: results, not these writes)
    "pacer/experiments/actions.py": [
        "tests/experiments/test_actions_contract.py",
        "tests/experiments/test_experiments.py",
        "tests/experiments/test_access.py",
        "tests/experiments/test_api.py",
    ],
    # the cube's own tests, which check its rows, its side tables and the reports read
    # from them, each on a hand-worked business (not the analyses, pages and Spark tests
    # of tests/metrics, nor tests/warehouse, whose syncs check none of the cube's values;
    # nor test_isolation: two simulated businesses with attribution, CLV and experiments,
    # minutes per mutant here, for what the workspace column of every grouping decides)
    "pacer/metrics/cube.py": [
        "tests/metrics/test_cube_merges.py",
        "tests/metrics/test_cube_tables.py",
        "tests/metrics/test_cube_edges.py",
        "tests/metrics/test_kpis.py",
        "tests/metrics/test_customers.py",
    ],
    # not the hypothesis agreement test (104 s alone, for every mutant of the actions each
    # of its examples calls) nor the API and page tests (the same actions, through views)
    "pacer/segments/actions.py": [
        "tests/segments/test_actions.py",
        "tests/segments/test_actions_contract.py",
        "tests/segments/test_feed_refresh.py",
        "tests/segments/test_conditions.py",
        # static lists by hand and by CSV; stop 40's survivors (the manual source, members
        # read in chunks, a referred dynamic segment's facts in a full evaluation)
        "tests/segments/test_static_lists.py",
        "tests/segments/test_actions_mutants.py",
        "tests/segments/test_agreement.py::test_the_feed_keeps_members_equal_to_the_full_evaluation",
    ],
    # the change-feed consumer (reached only through a delivery to its subscriber)
    "pacer/segments/feed.py": [
        "tests/segments/test_feed_subscriber.py",
        "tests/segments/test_agreement.py::test_the_feed_keeps_members_equal_to_the_full_evaluation",
    ],
    # the incremental evaluator: its conditions, facts and compiled cache, the feed's
    # refresh, and its agreement with the full evaluation (the slowest, so run last)
    "pacer/segments/incremental.py": [
        "tests/segments/test_incremental_rules.py",
        "tests/segments/test_feed_subscriber.py",
        "tests/segments/test_conditions.py",
        "tests/segments/test_compiled.py",
        "tests/segments/test_facts.py",
        "tests/segments/test_feed_refresh.py",
        "tests/segments/test_agreement.py",
    ],
    "pacer/privacy/actions.py": [
        "tests/privacy/test_erasure.py",
        "tests/privacy/test_erasure_finish.py",
        "tests/privacy/test_actions_mutants.py",
        "tests/privacy/test_export.py",
        "tests/privacy/test_suppression.py",
    ],
    # the campaign and spend writes: the tests that call them and the pages and API that
    # take their refusals (not the plan, budget, result and scope tests, which reach these
    # actions only through their fixtures; nor the concurrency tests, PostgreSQL's alone)
    "pacer/planning/actions.py": [
        "tests/planning/test_actions_exact.py",
        "tests/planning/test_actions_exact_spend.py",
        "tests/planning/test_api.py",
        "tests/planning/test_campaign_delete.py",
        "tests/planning/test_campaign_pages.py",
        "tests/planning/test_spend_pages.py",
        "tests/planning/test_spend_days.py",
        "tests/planning/test_spend_closed_delete.py",
        "tests/planning/test_spend_upload_names.py",
        "tests/planning/test_platform_exports.py",
        "tests/planning/test_month_close.py",
        "tests/planning/test_sums.py",
        "tests/planning/test_summary.py",
        "tests/planning/test_text_fields.py",
        "tests/planning/test_links.py",
        "tests/planning/test_spend_against_budget.py",
    ],
    # capture, stage moves and the stage list: their own tests, the forms and API that
    # capture, the stage SLA, reopening and next touch (not the routing, scoring, report,
    # browser and crash tests: they reach these writes only through their fixtures)
    "pacer/leads/actions.py": [
        "tests/leads/test_actions_exact.py",
        "tests/leads/test_actions_exact_stages.py",
        "tests/leads/test_leads.py",
        "tests/leads/test_reopen.py",
        "tests/leads/test_stage_sla.py",
        "tests/leads/test_next_touch.py",
        "tests/leads/test_forms.py",
        "tests/leads/test_form_api.py",
        "tests/leads/test_config_api.py",
        "tests/leads/test_refused_lead_forms.py",
        "tests/leads/test_locating.py",
        # stop 38's last survivors: the closing user on the next touch, an SDK lead's own
        # postal code; a threshold moving a lead at arrival (re-read in id order)
        "tests/leads/test_actions_mutants.py",
        "tests/leads/test_score_thresholds.py",
    ],
    # the board, card and WIP-limit writes: their own tests, the overrides, deadline cards,
    # sprint capacity, links and labels (not the pages, API and bulk tests: the same
    # actions through views; nor the mention test, 20-30 s of mail for a comment's rule)
    "pacer/work/actions.py": [
        "tests/work/test_actions.py",
        "tests/work/test_actions_exact.py",
        "tests/work/test_actions_mutants.py",
        "tests/work/test_wip_mutants.py",
        "tests/work/test_card_writes_exact.py",
        "tests/work/test_card_override.py",
        "tests/work/test_deadlines.py",
        "tests/work/test_sprint_capacity.py",
        "tests/work/test_link_ids.py",
        "tests/work/test_labels.py",
        "--deselect=tests/work/test_actions.py::test_a_comment_notifies_the_members_it_mentions_and_nobody_else",
    ],
    # content's items, versions, workflow, approvals, themes and feeds: the tests that call
    # these actions (not the pages, API, partner and share tests: the same actions through
    # views, ~300 tests for each mutant of `create_item`; nor test_secrets' migration test,
    # 80 s of migrating back and forth)
    "pacer/content/actions.py": [
        "tests/content/test_actions_exact.py",
        "tests/content/test_approvals_exact.py",
        "tests/content/test_workflow.py",
        "tests/content/test_custom_workflow.py",
        "tests/content/test_workflow_editor.py",
        "tests/content/test_deadlines.py",
        "tests/content/test_version_comments.py",
        "tests/content/test_themes.py",
        "tests/content/test_calendar.py",
        "tests/content/test_links.py",
        "tests/content/test_message_rights.py",
        "tests/content/test_feed_cache.py",
        "tests/content/test_releases.py",
        "tests/content/test_withdrawal.py",
        "tests/content/test_item_details.py",
        "tests/content/test_assets.py",
        "tests/content/test_team_check.py",
        "tests/content/test_secrets.py",
        "--deselect=tests/content/test_secrets.py::test_the_migration_hashes_stored_tokens_and_their_addresses_keep_working",
    ],
    # the sender: every test that runs `deliver` (the crash tests are left out by glob)
    "pacer/messaging/delivery.py": [
        "tests/messaging/test_broadcasts.py",
        "tests/messaging/test_session_failure.py",
        "tests/messaging/test_scheduling.py",
        "tests/messaging/test_cap_race.py",
        "tests/messaging/test_bounces.py",
        "tests/messaging/test_tracking.py",
        "tests/messaging/test_recipient_outcomes.py",
        "tests/messaging/test_outcomes.py",
        "tests/messaging/test_subject_test.py",
        "tests/messaging/test_asset_rights.py",
        # the cap's refusals and bounces, quiet hours' claim, the cap over two workspaces,
        # an unreadable DKIM key, the webhook events: each kills survivors of the round-36
        # sample
        "tests/messaging/test_cap_bounced.py",
        "tests/messaging/test_quiet_claim.py",
        "tests/messaging/test_cap_workspaces.py",
        "tests/messaging/test_dkim_keys.py",
        "tests/messaging/test_webhooks.py",
        # quiet hours' deferral of one message only; a group marked sent only where queued;
        # a batch's count, the fault points, an unreachable relay; test sends (send_proof)
        "tests/messaging/test_delivery_mutants.py",
        "tests/messaging/test_proofs.py",
    ],
}


def tests_for(module: str) -> list[str]:
    if module in TESTS:
        return TESTS[module]
    domain = Path(module).parts[1]
    return [f"tests/{domain}"]


ATOMIC = re.compile(r"^@transaction\.atomic\n(?=def (\w+)\()", re.MULTILINE)


def undecorate(code: str) -> str:
    """``code`` with its top-level ``@transaction.atomic`` functions wrapped after their
    definitions instead of decorated (the same functions; the lines keep their numbers).

    >>> print(undecorate("@transaction.atomic\\ndef act():\\n    pass\\n"), end="")
    # @transaction.atomic: applied at the end of the module
    def act():
        pass
    act = transaction.atomic(act)
    """
    names = ATOMIC.findall(code)
    if not names:
        return code
    code = ATOMIC.sub("# @transaction.atomic: applied at the end of the module\n", code)
    return code + "".join(f"{name} = transaction.atomic({name})\n" for name in names)


def link_mutants_dir(module: str) -> None:
    """Point ``mutants`` at this module's own directory under var/mutants."""
    target = Path("var") / "mutants" / module.removesuffix(".py").replace("/", ".")
    (ROOT / target).mkdir(parents=True, exist_ok=True)
    link = ROOT / "mutants"
    if link.is_symlink():
        link.unlink()
    elif link.exists():
        sys.exit("mutants/ is a directory left by a plain `mutmut run`: remove it first")
    link.symlink_to(target, target_is_directory=True)


def hold_the_lock() -> None:
    """Refuse to start while another command of this script runs: each one re-points
    ``mutants``, so a second one would make the first write into its module's directory.
    The lock is held until this process exits."""
    lock = ROOT / "var" / "mutants.lock"
    lock.parent.mkdir(exist_ok=True)
    handle = lock.open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another scripts/mutation.py command is running ({lock} is locked)")
    globals()["_lock_handle"] = handle  # kept open, so locked, until the process exits


# Seconds a worker may outlive its wall-clock limit (mutmut's SIGXCPU) before it is killed.
KILL_GRACE_S = 30


def _start_time(pid: int) -> str | None:
    """The kernel's start time of process ``pid`` (``None`` once it is gone): with its pid
    it names one process, never a later one given the same pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def _kill_if_still_running(pid: int, started: str | None) -> None:
    if started is not None and _start_time(pid) == started:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        print(f"mutation.py: killed {pid} ({title.strip(chr(0))}), running past its limit")
        os.kill(pid, signal.SIGKILL)


def statuses() -> dict:
    """mutmut's status by a worker's exit code, with a killed worker (-9) a timeout."""
    from mutmut.stats import status_by_exit_code

    status_by_exit_code[-9] = "timeout"
    return status_by_exit_code


# What a test session imports on first use, after collection: each worker would import
# (and compile) them again (pandas alone is half a second of CPU in every mutant's tests).
PRELOAD = ("pandas", "dateutil.parser")


def preload() -> None:
    """Import, in the fork server after it has collected the tests, what every worker's
    session would import again: ``PRELOAD``, each domain's migrations (pytest-django's
    ``--reuse-db`` still runs ``migrate``, which reads them all) and warehouse tables. Only
    imports: nothing that starts a thread or a runtime (see ``mutmut`` below)."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    for name in PRELOAD:
        import_module(name)
    MigrationLoader(None, ignore_no_migrations=True)
    for app in apps.get_app_configs():
        if app.name.startswith("pacer.") and find_spec(f"{app.name}.warehouse"):
            import_module(f"{app.name}.warehouse")


def patch_the_fork_server() -> None:
    """Four changes to how mutmut 3.8's fork server runs each mutant's worker.

    - The fork server imports what the workers' sessions import after collection
      (``preload``), so that each worker does not import it again.

    - Its tests run fastest first, by their collected durations (mutmut's own fork runner
      sorts them; the fork server hands them over in a set's order), so a killed mutant
      stops at its cheapest failing test (pytest runs with ``-x``).
    - A worker still running ``KILL_GRACE_S`` after its wall-clock limit is killed.
      mutmut only sends SIGXCPU at the limit, and a worker of the old forked runs hung
      17 minutes in a futex wait, past both limits. A killed worker counts as a timeout
      (exit code -9, which mutmut would call a segfault).
    - Each worker is named ``mutmut: <mutant>`` in ``ps`` (the fork server's workers
      were all named after the server).
    """
    from mutmut.runners.harness import PytestRunner
    from mutmut.state import state
    from mutmut.utils.safe_setproctitle import safe_setproctitle
    from mutmut.workers import isolation

    warm_up = PytestRunner.warm_up

    def warm_up_and_preload(runner) -> None:
        warm_up(runner)
        preload()

    PytestRunner.warm_up = warm_up_and_preload

    submit = isolation.ForkServerRunner.submit

    def submit_fastest_first(runner, mutant_name, tests, cpu_time_limit, estimated_time):
        durations = state().duration_by_test
        ordered = sorted(tests, key=lambda test: (durations.get(test, 0.0), test))
        submit(runner, mutant_name, ordered, cpu_time_limit, estimated_time)

    isolation.ForkServerRunner.submit = submit_fastest_first

    register_timeout = isolation.register_timeout

    def register_timeout_and_kill(pid: int, timeout_s: float) -> None:
        register_timeout(pid, timeout_s)
        killer = threading.Timer(
            timeout_s + KILL_GRACE_S, _kill_if_still_running, (pid, _start_time(pid))
        )
        killer.daemon = True
        killer.start()

    isolation.register_timeout = register_timeout_and_kill

    set_mutant = isolation.set_mutant_under_test

    def set_mutant_and_title(name: str | None) -> None:
        set_mutant(name)
        if name:
            safe_setproctitle(f"mutmut: {name}")

    isolation.set_mutant_under_test = set_mutant_and_title
    statuses()


def sample_of(names: list[str], spec: str) -> set[str]:
    """The mutants a ``MUTATION_SAMPLE`` of ``k:seed`` keeps: one in ``k`` of ``names``
    (rounded up), drawn by ``random.Random(seed)`` from them sorted, so the same module,
    ``k`` and seed give the same sample in every run and on every machine.

    >>> sorted(sample_of([f"m{i}" for i in range(10)], "3:1"))
    ['m0', 'm1', 'm2', 'm4']
    """
    every, _, seed = spec.partition(":")
    names = sorted(names)
    count = -(-len(names) // int(every))
    return set(random.Random(int(seed or 0)).sample(names, count))


def run_only_a_sample(spec: str) -> None:
    """Make mutmut's run try only the mutants of ``sample_of(…, spec)`` (the others keep
    their cached result, or none: mutmut's ``results`` then lists them as not checked)."""
    import mutmut.__main__

    collect = mutmut.__main__.collect_source_file_mutation_data

    def collect_the_sample(*, mutant_names):
        mutants, by_path = collect(mutant_names=mutant_names)
        kept = sample_of([name for _, name, _ in mutants], spec)
        print(f"mutation.py: MUTATION_SAMPLE={spec}: {len(kept)} of {len(mutants)} mutants")
        return [mutant for mutant in mutants if mutant[1] in kept], by_path

    mutmut.__main__.collect_source_file_mutation_data = collect_the_sample


def mutmut(module: str, args: list[str]) -> None:
    """Run a mutmut command for ``module`` with its test selection (does not return)."""
    os.chdir(ROOT)
    hold_the_lock()
    # Write bytecode, whatever PYTHONDONTWRITEBYTECODE says: with it set, every worker
    # compiled each module it imported from source again (pandas alone: seconds each).
    sys.dont_write_bytecode = False
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    link_mutants_dir(module)
    import mutmut.__main__
    from mutmut.__main__ import cli
    from mutmut.configuration import ProcessIsolation, config

    mutate = mutmut.__main__.mutate_file_contents
    mutmut.__main__.mutate_file_contents = lambda name, code, *rest: mutate(
        name, undecorate(code), *rest
    )

    config().only_mutate = [module]
    # Workers forked from a process that has run tests inherit its state: the Delta Lake
    # writer's tokio runtime, started by the clean run's warehouse writes, panics in a
    # forked child ("Forked process detected"), so every test that writes the warehouse
    # failed in every mutant, which counted as killed. A fork server that only collects
    # the tests before forking has written nothing.
    config().process_isolation = ProcessIsolation.FORKSERVER
    patch_the_fork_server()
    # MUTATION_TIMEOUT_MULTIPLIER overrides ``timeout_multiplier`` for one run: a mutant's
    # wall-clock limit is (its tests' collected time + 1 s) times it, and tests of a
    # fraction of a second ran out of 3.3 s at `nice -n 10` under load 19 (every mutant
    # of a module marked a timeout). mutmut reruns the timeouts when it changes.
    if multiplier := os.environ.get("MUTATION_TIMEOUT_MULTIPLIER"):
        config().timeout_multiplier = float(multiplier)
    # MUTATION_DEBUG=1 prints each pytest command and its output (why a mutant counted
    # as killed)
    config().debug = bool(os.environ.get("MUTATION_DEBUG"))
    # MUTATION_TESTS (space-separated) replaces the module's selection for one command, so
    # named mutants can run against the selection a module's cached results were made
    # with (mutmut drops every cached result and recollects statistics when it changes).
    selection = os.environ.get("MUTATION_TESTS", "").split() or tests_for(module)
    config().pytest_add_cli_args_test_selection = selection
    # MUTATION_SAMPLE=k:seed runs a seeded one-in-k sample of the module's mutants (a
    # module that would take hours on a busy machine); report its figures as a sample.
    if sample := os.environ.get("MUTATION_SAMPLE"):
        run_only_a_sample(sample)
    cli.main(args, prog_name="mutmut")


def summary(modules: list[str]) -> None:
    """Print mutants, killed, survived, timeouts and untested per module."""
    status_by_exit_code = statuses()
    columns = ("mutants", "killed", "survived", "timeout", "untested")
    print(f"{'module':30}", *(f"{c:>8}" for c in columns))
    for module in modules:
        name = module.removesuffix(".py").replace("/", ".")
        meta = ROOT / "var" / "mutants" / name / f"{module}.meta"
        if not meta.exists():
            print(f"{name:30} not run")
            continue
        codes = json.loads(meta.read_text())["exit_code_by_key"].values()
        counts = Counter(status_by_exit_code[code] for code in codes if code is not None)
        figures = (len(codes), counts["killed"], counts["survived"], counts["timeout"])
        print(f"{name:30}", *(f"{n:8}" for n in (*figures, counts["no tests"])))


def loop_dir(module: str) -> Path:
    """The mutant loop's mutated copy of the tree for ``module`` (apart from mutmut's own
    ``var/mutants/<module>``, whose cached results it never touches)."""
    return ROOT / "var" / "mutant-loop" / module.removesuffix(".py").replace("/", ".")


MUTANT_NAME = re.compile(r"\['((?:x_|xǁ)[^']*__mutmut_\d+)'\] = ")


def generate(module: str) -> None:
    """Make ``loop_dir(module)`` afresh: the tree with ``module`` mutated as mutmut does it
    (``@transaction.atomic`` functions too), and ``mutants.txt`` naming every mutant;
    with ``MUTATION_SAMPLE=k:seed``, ``sample.txt`` naming that sample (the same names
    ``run`` would try)."""
    os.chdir(ROOT)
    hold_the_lock()
    target = loop_dir(module)
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    link = ROOT / "mutants"
    if link.is_symlink():
        link.unlink()
    link.symlink_to(target.relative_to(ROOT), target_is_directory=True)
    import mutmut.__main__
    from mutmut.configuration import config
    from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir

    mutate = mutmut.__main__.mutate_file_contents
    mutmut.__main__.mutate_file_contents = lambda name, code, *rest: mutate(
        name, undecorate(code), *rest
    )
    config().only_mutate = [module]
    copy_src_dir()
    copy_also_copy_files()
    mutmut.__main__.create_mutants(1)
    dotted = module.removesuffix(".py").replace("/", ".")
    names = sorted(f"{dotted}.{n}" for n in MUTANT_NAME.findall((target / module).read_text()))
    (target / "mutants.txt").write_text("".join(f"{n}\n" for n in names))
    print(f"mutation.py: {len(names)} mutants of {module} in {target}")
    if sample := os.environ.get("MUTATION_SAMPLE"):
        kept = sorted(sample_of(names, sample))
        (target / "sample.txt").write_text("".join(f"{n}\n" for n in kept))
        print(f"mutation.py: MUTATION_SAMPLE={sample}: {len(kept)} in {target / 'sample.txt'}")


def main(argv: list[str]) -> None:
    command, *rest = argv
    if command == "run":
        module, *tests = rest
        if tests:  # a narrower selection for this run (mutmut then drops cached results)
            TESTS[module] = tests
        # no mutant names: only this module is mutated, and a stopped run goes on with
        # the mutants it has not run (named ones would all run again)
        mutmut(module, ["run", "--max-children", "1"])
    elif command == "mutmut":
        module, *args = rest
        mutmut(module, args)
    elif command == "summary":
        summary(rest)
    elif command == "generate":
        generate(rest[0])
    elif command == "loop":
        module, names, *tests = rest
        sys.exit(mutant_loop.drive(loop_dir(module), module, names, tests or tests_for(module)))
    elif command == "diff":
        module, *names = rest
        mutant_loop.show(loop_dir(module) / module, names)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
