"""``pacer demo --port N`` writes links to its own address into mail, not to the default
``http://localhost:8000`` (the web server and the worker it starts inherit it)."""

import os
import subprocess
import sys

import pytest

from pacer.demo.cli import demo_base_url


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8737, "http://127.0.0.1:8737"),
        ("0.0.0.0", 9000, "http://localhost:9000"),
        ("::", 9000, "http://localhost:9000"),
        ("::1", 8001, "http://[::1]:8001"),
        ("demo.example", 80, "http://demo.example:80"),
    ],
)
def test_the_demo_links_to_its_own_host_and_port(monkeypatch, host, port, expected):
    monkeypatch.delenv("PACER_BASE_URL", raising=False)
    assert demo_base_url(host, port) == expected


def test_a_base_url_given_by_the_operator_wins(monkeypatch):
    monkeypatch.setenv("PACER_BASE_URL", "https://mail.example.com/")
    assert demo_base_url("127.0.0.1", 8737) == "https://mail.example.com"


def test_the_processes_the_demo_starts_read_its_address_as_their_base_url(tmp_path):
    """``supervise``'s children are started by ``_run_web_and_worker`` with the demo's
    address in their environment: a child that prints its settings' BASE_URL says it."""
    script = (
        "import sys; import pacer.demo.cli as cli; "
        "cli.supervise = lambda commands: __import__('subprocess').run("
        "[sys.executable, '-c', 'import django, os; "
        'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pacer.settings"); '
        "django.setup(); from django.conf import settings; print(settings.BASE_URL)']"
        ").returncode; "
        "sys.exit(cli._run_web_and_worker('127.0.0.1', 8737))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PACER_BASE_URL"}
    env["PACER_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "http://127.0.0.1:8737"
