"""Secure by default: throttled sign-in, the secret key, security headers, deploy checks."""

import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from pacer.core.models import LoginFailure

pytestmark = pytest.mark.django_db


def _login(client, username, password, address="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_sign_in_is_throttled_per_user_name_without_checking_the_password(admin, settings):
    client = Client()
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        assert _login(client, "ada", "wrong-guess").status_code == 200
    throttled = _login(client, "ada", "correct-horse-1")
    assert throttled.status_code == 429 and "Too many failed sign-ins" in throttled.content.decode()
    assert "_auth_user_id" not in client.session  # the right password did not get in
    # a user name that does not exist is throttled the same way (nothing to tell them apart)
    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        _login(client, "nobody", "guess", address="10.0.0.2")
    assert _login(client, "nobody", "guess", address="10.0.0.2").status_code == 429
    # other people sign in as usual
    from pacer.core import actions

    actions.create_user(admin.memberships.first().workspace, "bob", "long-password", "staff")
    assert _login(Client(), "bob", "long-password", address="10.0.0.3").status_code == 302


def test_sign_in_is_throttled_per_address(admin, settings):
    settings.LOGIN_FAILURES_PER_ADDRESS = 3
    client = Client()
    for name in ("u1", "u2", "u3"):
        _login(client, name, "guess", address="192.0.2.7")
    assert _login(client, "ada", "correct-horse-1", address="192.0.2.7").status_code == 429
    assert _login(Client(), "ada", "correct-horse-1", address="192.0.2.8").status_code == 302


def test_failures_older_than_the_window_no_longer_count(admin, settings):
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(settings.LOGIN_FAILURES_PER_USERNAME):
        _login(Client(), "ada", "wrong")
    LoginFailure.objects.update(
        at=timezone.now() - timedelta(seconds=settings.LOGIN_WINDOW_SECONDS + 1)
    )
    assert _login(Client(), "ada", "correct-horse-1").status_code == 302


def test_pages_carry_a_content_security_policy_and_no_inline_script(client, admin):
    client.force_login(admin)
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    html = response.content.decode()
    assert " onchange=" not in html and " onclick=" not in html
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def _pacer(args, env, tmp_path):
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PACER_") or k == "PACER_DATABASE_URL"
    }
    environment.update(PACER_DATA_DIR=str(tmp_path), **env)
    return subprocess.run(
        [sys.executable, "-m", "pacer.cli", "manage", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )


def test_production_settings_pass_djangos_deploy_checks(tmp_path):
    result = _pacer(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {
            "PACER_HTTPS": "1",
            "PACER_SECRET_KEY": secrets.token_urlsafe(64),
            "PACER_ALLOWED_HOSTS": "pacer.example.com",
        },
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_server_refuses_to_start_on_a_known_or_short_secret_key(tmp_path):
    for key in ("pacer-insecure-development-key-change-me", "short"):
        result = _pacer(["check"], {"PACER_SECRET_KEY": key}, tmp_path)
        assert (
            result.returncode != 0 and "PACER_SECRET_KEY is a known or short key" in result.stderr
        )
    assert (
        _pacer(["check"], {"PACER_SECRET_KEY": "short", "PACER_DEBUG": "1"}, tmp_path).returncode
        == 0
    )


def test_without_a_configured_key_each_installation_generates_its_own(tmp_path):
    from pacer.core.secrets import secret_key

    first = secret_key(None, tmp_path / "a", debug=False)
    assert len(first) >= 50 and secret_key(None, tmp_path / "a", debug=False) == first
    assert secret_key(None, tmp_path / "b", debug=False) != first
    assert oct((tmp_path / "a" / "secret_key").stat().st_mode & 0o777) == "0o600"
