"""The REST API against its own OpenAPI document (schemathesis), in-process over WSGI.

Every operation gets generated input, valid and invalid: from an admin's token on a
workspace with a simulated business (contacts, orders, campaigns, spend, a running
experiment, a synced warehouse), and from a staff member's. Checks: no 5xx, every status
code documented, JSON as declared, bodies matching their schemas, and the permission
gate: the operation's ``x-permission`` decides between a 403 and an answer.
"""

import os
from importlib import import_module

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, settings
from ninja import Schema
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pacer.core import actions
from pacer.core.models import ApiKey, ApiKeyKind, Role
from pacer.core.permissions import allows
from pacer.demo.loader import load_business
from pacer.experiments.actions import create_experiment
from pacer.simulate.business import generate
from pacer.simulate.config import SimConfig
from pacer.warehouse.sync import sync

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

# Bounded to keep the suite's CPU down (the walk was a fifth of it): the admin gets every
# phase (explicit examples, boundary values, then random input, valid and invalid) on the
# simulated business; staff, whose run checks the gate, only random input on an empty
# workspace. The random phase draws 5 cases per operation on each database, from a seed of
# its own, so one suite run sends 10 different random cases per operation instead of the
# same 10 twice. The boundary values of invalid input (each constraint broken in turn) and
# the methods a path does not have are answered before the database is reached (the
# input's validation, the URL routing): they are walked once, in the SQLite run, where a
# call costs less; the valid boundary values reach the database and are walked on both
# (docs/testing.md, "Test time").
SLOW = "^/api/analytics/(clv|attribution)"  # each call fits models on the warehouse
SEEDS = {"sqlite": 20261201, "postgresql": 20261203}
# The boundary phase in the PostgreSQL run: valid input only, no method a path lacks.
POSTGRESQL_COVERAGE = {"generation": {"mode": "positive"}, "unexpected-methods": []}


def admin_config(vendor: str) -> schemathesis.Config:
    coverage = POSTGRESQL_COVERAGE if vendor == "postgresql" else {}
    return schemathesis.Config.from_dict(
        {
            "seed": SEEDS[vendor],
            "generation": {"mode": "all", "max-examples": 5, "allow-x00": True},
            "phases": {"stateful": {"enabled": False}, "coverage": coverage},
            "operations": [
                {
                    "include-path-regex": SLOW,
                    "generation": {"max-examples": 3},
                    "phases": {"coverage": {"enabled": False}},
                }
            ],
        }
    )


def staff_config(vendor: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEEDS[vendor],
            "generation": {"mode": "all", "max-examples": 5, "allow-x00": True},
            "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}},
            "operations": [{"include-path-regex": SLOW, "generation": {"max-examples": 2}}],
        }
    )


# Only the paths matching ``PACER_SCHEMA_PATHS`` (a regex) when it is set: a check of
# one's own operations while working on them, not for the suite. Given here: schemathesis
# 4.32 drops a filter that the fixture's schema carries.
ONLY = os.environ.get("PACER_SCHEMA_PATHS")
admin_run = schemathesis.pytest.from_fixture("admin_schema")
staff_run = schemathesis.pytest.from_fixture("staff_schema")
if ONLY:
    admin_run, staff_run = (run.include(path_regex=ONLY) for run in (admin_run, staff_run))


class Token:
    """The member's personal token, issued again if a generated call revoked it (only a
    call to the keys' operations can: the key is looked up again after one of those)."""

    def __init__(self, workspace, role: str):
        self.workspace, self.role, self.secret, self.key_id = workspace, role, "", None
        self.member = actions.create_user(workspace, f"{role}-1", "correct-horse-9", role)
        self.maybe_revoked = True

    def after(self, case) -> None:
        if case.method.upper() != "GET" and case.path.startswith("/api/core/keys"):
            self.maybe_revoked = True

    def header(self) -> dict:
        if not self.maybe_revoked:
            return {"Authorization": f"Bearer {self.secret}"}
        self.maybe_revoked = False
        if not ApiKey.objects.filter(pk=self.key_id, revoked_at__isnull=True).exists():
            key, self.secret = actions.issue_api_key(
                self.workspace, ApiKeyKind.PERSONAL, "schemathesis", user=self.member
            )
            self.key_id = key.pk
        return {"Authorization": f"Bearer {self.secret}"}


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request):
    """schemathesis 4.32 reads and renames ``item._nodeid``, which pytest 9.2 dropped."""
    request.node._nodeid = request.node.nodeid


@pytest.fixture
def business(workspace):
    """A year of a simulated business, loaded and synced to the warehouse, plus a draft
    experiment beside the simulated running one."""
    load_business(workspace, generate(SimConfig(seed=3, contacts=300, months=12, locations=2)))
    create_experiment(
        workspace,
        key="draft-test",
        name="Draft",
        variants=[{"key": "a", "weight": 1}, {"key": "b", "weight": 1}],
        metric="revenue",
    )
    sync()
    return workspace


@pytest.fixture
def admin_token(business):
    return Token(business, Role.ADMIN)


@pytest.fixture
def staff_token(workspace):
    return Token(workspace, Role.STAFF)


@pytest.fixture
def in_process(db):
    """Requests run in the test's transaction: keep Django from closing the connection
    around each one (as django.test.Client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema(handler, config):
    """The whole API (``ONLY`` narrows the tests, not the schema)."""
    return schemathesis.openapi.from_wsgi("/api/openapi.json", handler, config=config)


@pytest.fixture
def admin_schema(business, in_process):
    return _schema(in_process, admin_config(connection.vendor))


@pytest.fixture
def staff_schema(in_process):
    return _schema(in_process, staff_config(connection.vendor))


def gate_for(role: str):
    """A check: the role gets 403 exactly where the operation's permission says so, and
    before any of its input is looked at."""

    def permission_gate(ctx, response, case):
        permission = case.operation.definition.raw["x-permission"]
        status = response.status_code
        if status in (401, 405):  # no valid token sent; a method the path does not have
            return
        if allows(role, permission):
            assert status != 403, f"{role} holds {permission} but was refused"
        elif status != 403:
            unknown_path = status == 404 and "path" in response.json()["errors"]
            assert unknown_path, f"{role} lacks {permission} but got {status}"

    return permission_gate


def check(case, token: Token) -> None:
    headers = token.header()
    token.after(case)
    case.call_and_validate(
        headers=headers,
        checks=[
            schemathesis.checks.not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            gate_for(token.role),
        ],
    )


SETTINGS = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# The admin's walk is the suite's longest test (minutes on each database): in two halves,
# split by domain, the two halves run on two workers side by side instead of one.
FIRST_HALF = "^/api/(analytics|content|core|experiments|ingest|leads)/"


@admin_run.include(path_regex=FIRST_HALF).parametrize()
@SETTINGS
def test_an_admin_gets_no_server_error_and_the_documented_answers(case, admin_token):
    check(case, admin_token)


@admin_run.exclude(path_regex=FIRST_HALF).parametrize()
@SETTINGS
def test_an_admin_gets_no_server_error_and_the_documented_answers_elsewhere(case, admin_token):
    check(case, admin_token)


@staff_run.parametrize()
@SETTINGS
def test_staff_get_403_where_the_gate_says_and_no_server_error(case, staff_token):
    check(case, staff_token)


def test_the_document_declares_every_status_and_permission(client):
    doc = client.get("/api/openapi.json").json()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            declared = set(operation["responses"])
            assert {"400", "401", "403", "422"} <= declared, where
            if "requestBody" in operation:
                assert "413" in declared, where
            if "{" in path:
                assert "404" in declared, where
            assert allows(Role.ADMIN, operation["x-permission"]), where
            for status, response in operation["responses"].items():
                if status == "204":  # no content
                    assert "content" not in response, where
                    continue
                if status == "200" and "application/json" not in response["content"]:
                    # a file download: declared as binary in each type it may have
                    for kind, body in response["content"].items():
                        assert body["schema"] == {"type": "string", "format": "binary"}, kind
                    continue
                schema_ref = response["content"]["application/json"]["schema"]
                if status.startswith("4"):
                    assert schema_ref == {"$ref": "#/components/schemas/ErrorOut"}, where


def test_schema_names_are_unique():
    """Two schemas of one name would share one component of the document (one wins)."""
    import_module("pacer.api")  # every domain's router

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = [c.__name__ for c in subclasses(Schema) if c.__module__.startswith("pacer.")]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
