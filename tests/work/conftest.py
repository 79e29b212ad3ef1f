from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.roles import Role
from pacer.work import actions, labels
from tests.leads.conftest import smtp_sink  # noqa: F401  (a real SMTP server)

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def board(workspace, admin):
    """Brand's board: Backlog, Doing (limit 2), Review, Done; 2 cards per person."""
    return actions.create_board(
        workspace,
        team="brand",
        slug="brand-board",
        name="Brand board",
        columns=[
            {"name": "Backlog", "stage": "todo"},
            {"name": "Doing", "stage": "doing", "wip_limit": 2},
            {"name": "Review", "stage": "doing"},
            {"name": "Done", "stage": "done"},
        ],
        swimlanes=["Expedite", "Standard"],
        person_wip_limit=2,
        actor=admin,
    )


@pytest.fixture
def bob(workspace):
    return core.create_user(workspace, "bob", "correct-horse-2", Role.MARKETER)


@pytest.fixture
def ada(admin):
    """The admin, signed in to the pages."""
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


@pytest.fixture
def urgent(board):
    """A red label 'Urgent' on the board."""
    return labels.create_label(board, name="Urgent", colour="red", now=NOW)


def column(board, name):
    return board.columns.get(name=name)


@pytest.fixture
def smtp(settings, smtp_sink):  # noqa: F811  (the fixture imported above)
    """Django's mail connection pointed at a real SMTP server (aiosmtpd): its handler."""
    controller, received = smtp_sink
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        controller.server.sockets[0].getsockname()[1],
        2,
    )
    return received


@pytest.fixture
def api(workspace, admin, client):
    """The REST API under ``/api/work`` as ada (an admin) with a personal token:
    ``api(method, path, body=None, multipart=False)``."""
    _, token = core.issue_api_key(workspace, "personal", "test", user=admin)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def call(method, path, body=None, multipart=False):
        send = getattr(client, method)
        if body is None:
            return send(f"/api/work{path}", **headers)
        if multipart:
            return send(f"/api/work{path}", body, **headers)
        return send(f"/api/work{path}", body, content_type="application/json", **headers)

    return call
