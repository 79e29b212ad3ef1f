import base64
import os
import sys
from pathlib import Path

import orjson
import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.test import Client

from pacer.core import actions
from pacer.core.models import Role
from pacer.ingest.processing import process_pending
from tests.selection import database_sensitive

pytest_plugins = ["tests.business_fixture", "tests.cpu_log", "tests.parallel"]

# Compiled bytecode in one shared folder, written whatever this machine's
# PYTHONDONTWRITEBYTECODE says, for this process and every process a test starts (the
# crash tests' workers, the CLI): without it each child spends ~4.5 s of CPU compiling
# Django, pandas and Pacer again before it does anything (8.5 s against 3.9 s measured).
BYTECODE = Path(__file__).resolve().parents[1] / "var" / "pycache"
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
os.environ.setdefault("PYTHONPYCACHEPREFIX", str(BYTECODE))
sys.dont_write_bytecode = False
sys.pycache_prefix = os.environ["PYTHONPYCACHEPREFIX"]

# As the settings have them, before ``--nomigrations`` hides every migration.
MIGRATION_MODULES = django_settings.MIGRATION_MODULES


def built_without_migrations(config) -> bool:
    """Whether this run makes its test database from the models (``--nomigrations``)."""
    return bool(config.getoption("nomigrations", default=False))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, request):
    """pytest-django's test database; made from the models, it gets what the migrations
    add beyond them (tests/database_setup.py)."""
    if built_without_migrations(request.config):
        from tests import database_setup

        with django_db_blocker.unblock():
            database_setup.complete(MIGRATION_MODULES)


def database_url() -> str:
    """The test database as a URL, for processes a test starts (worker, sync)."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD'] or ''}@{settings['HOST']}:"
        f"{settings['PORT']}/{settings['NAME']}"
    )


@pytest.fixture(autouse=True)
def warehouse_dir(settings, tmp_path):
    """Every test gets its own empty warehouse."""
    settings.WAREHOUSE_DIR = tmp_path / "warehouse"
    return settings.WAREHOUSE_DIR


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Passwords hashed with one cheap round: the production hasher (PBKDF2, a million
    rounds) costs about half a second per user made or login checked, which no test is
    about. Processes a test starts use the real settings and never check these passwords."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def workspace(db):
    return actions.create_workspace("Acme Franchise", slug="acme")


@pytest.fixture(scope="module")
def module_workspace(django_db_setup, django_db_blocker):
    """A workspace whose data every test of one module shares (a simulated business that
    takes seconds to load), as Django's ``TestCase.setUpTestData``: made in a transaction
    that is rolled back after the module's last test; each test runs in a savepoint inside
    it, so what one test writes the next does not see. Not for ``transaction=True`` tests.
    Made with the production password hasher (``fast_password_hashing`` is per test)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield actions.create_workspace("Acme Franchise", slug="acme")
        transaction.set_rollback(True)


@pytest.fixture
def write_key(workspace):
    _, secret = actions.issue_api_key(workspace, "write", "website")
    return secret


@pytest.fixture
def admin(workspace):
    return actions.create_user(workspace, "ada", "correct-horse-1", Role.ADMIN)


class Tracker:
    """Posts Segment payloads the way the SDKs do: write key as basic-auth user.

    After each post it runs the worker's processing step (unless ``process=False``), so
    tests see contacts as they are once the worker has caught up.
    """

    def __init__(self, secret: str):
        self.client = Client()
        self.auth = "Basic " + base64.b64encode(f"{secret}:".encode()).decode()

    def post(self, path: str, payload, *, process: bool = True, **headers):
        body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
        response = self.client.post(
            path, body, content_type="application/json", HTTP_AUTHORIZATION=self.auth, **headers
        )
        if process:
            process_pending()
        return response

    def batch(self, messages: list[dict], *, process: bool = True, **extra):
        return self.post("/v1/batch", {"batch": messages, **extra}, process=process)


@pytest.fixture
def tracker(write_key):
    return Tracker(write_key)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (for tests marked ``browser``), one
    for the whole run: each test opens its own context (cookies, storage and pages of its
    own), and launching Playwright's driver and Chromium costs about a second of CPU. The
    browser tests run last (``pytest_collection_modifyitems``), so no other test runs
    beside Playwright's event loop."""
    from playwright.sync_api import sync_playwright

    assert os.path.exists(CHROMIUM), "install Debian's chromium (the .ci/run script does)"
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs beside the ORM
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        yield browser
        browser.close()


DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup"}


def uses_database(item) -> bool:
    """Whether a test may touch the database (pytest-django refuses any other access)."""
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(fixtures & DATABASE_FIXTURES) or item.get_closest_marker("django_db") is not None


def pytest_report_header(config):
    if built_without_migrations(config):
        return (
            "test database: made from the models (--nomigrations); the tests marked "
            "'migrations' are left out"
        )
    return "test database: made by applying every migration"


LEFT_FOR_MIGRATIONS = pytest.StashKey[list]()


def _run_order(item) -> tuple[bool, bool]:
    """Slow tests first, browser tests last (a browser test that is slow: last)."""
    browser = item.get_closest_marker("browser") is not None
    return browser, item.get_closest_marker("slow") is None


def pytest_collection_modifyitems(config, items):
    """Six adjustments to what runs.

    - The tests marked ``slow`` run first and the browser tests last, after every other
      test (they share one browser): the longest tests start while the short ones can
      still fill the other workers' time, instead of one of them running alone at the end.
    - The tests of the demo's data (``tests/demo/``, ``test_demo*.py``) are marked
      ``demo``: the demo runs on the embedded SQLite, so ``make test`` leaves them out of
      its PostgreSQL run (what the demo calls is tested on both databases elsewhere).
    - With ``PACER_TEST_DATABASE_SENSITIVE_ONLY`` set (``make test``'s SQLite run), only
      the tests whose outcome the database decides run (``tests/selection.py``, ADR 0012).
    - With ``PACER_SKIP_TESTS_WITHOUT_DATABASE`` set, the tests that touch no database
      (and are not browser or Spark tests) are left out: ``make test``
      (scripts/test-suites.sh) sets it on the SQLite run, and they run once, in the
      PostgreSQL run beside it, so the two runs take about as long as each other.
    - Spark tests need a Java runtime; without one they are skipped and say so
      (``.ci/run`` installs it).
    - With ``--nomigrations`` (``make test``'s SQLite run), the tests marked
      ``migrations`` (they migrate the database to a node in the middle of the history)
      are left out, counted among the deselected and named at the end of the run: they
      run in the PostgreSQL run, which applies every migration.
    """
    import shutil

    items.sort(key=_run_order)  # stable
    for item in items:
        path = item.path.relative_to(config.rootpath).as_posix()
        if path.startswith("tests/demo/") or item.path.name.startswith("test_demo"):
            item.add_marker(pytest.mark.demo)
    if built_without_migrations(config):
        need_migrations = [item for item in items if item.get_closest_marker("migrations")]
        config.stash[LEFT_FOR_MIGRATIONS] = [item.nodeid for item in need_migrations]
        if hasattr(config, "workeroutput"):  # a pytest-xdist worker: tell the controller
            config.workeroutput["left_for_migrations"] = config.stash[LEFT_FOR_MIGRATIONS]
        config.hook.pytest_deselected(items=need_migrations)
        items[:] = [item for item in items if not item.get_closest_marker("migrations")]
    if os.environ.get("PACER_TEST_DATABASE_SENSITIVE_ONLY"):
        root = config.rootpath
        runs = {
            item: database_sensitive(item, item.path.relative_to(root).as_posix()) for item in items
        }
        config.hook.pytest_deselected(items=[item for item in items if not runs[item]])
        items[:] = [item for item in items if runs[item]]
    if os.environ.get("PACER_SKIP_TESTS_WITHOUT_DATABASE"):

        def elsewhere(item) -> bool:
            return not uses_database(item) and not {"spark", "browser"} & set(item.keywords)

        config.hook.pytest_deselected(items=[item for item in items if elsewhere(item)])
        items[:] = [item for item in items if not elsewhere(item)]
    if shutil.which("java"):
        return
    reason = (
        "no Java runtime on PATH: the Spark engine needs one (apt install default-jre-headless)"
    )
    for item in items:
        if "spark" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """A pytest-xdist worker's list of tests left for the migrations (each collects all)."""
    left = getattr(node, "workeroutput", {}).get("left_for_migrations", [])
    node.config.stash[LEFT_FOR_MIGRATIONS] = left or node.config.stash.get(LEFT_FOR_MIGRATIONS, [])


def pytest_terminal_summary(terminalreporter, config):
    left = config.stash.get(LEFT_FOR_MIGRATIONS, [])
    if left:
        terminalreporter.write_sep("-", f"{len(left)} left out: marked migrations (--nomigrations)")
        for nodeid in left:
            terminalreporter.write_line(nodeid)
