"""The work pages and operations with real rows behind them (the walk in
tests/core/test_gate.py calls them with ids that do not exist): each role gets a page or
403 as declared, and a refused write changes nothing."""

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.permissions import allows
from pacer.core.roles import Role
from pacer.work import actions, sprints
from pacer.work.models import Board, Card, CardEvent, Sprint
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
PASSWORD = "long-password-1"


@pytest.fixture
def people(workspace):
    members = {}
    for role in Role.values:
        user = core.create_user(workspace, f"user-{role}", PASSWORD, role)
        client = Client()
        client.login(username=user.username, password=PASSWORD)
        _, token = core.issue_api_key(workspace, "personal", "gate", user=user)
        members[role] = (client, token)
    return members


def _ledger():
    return (
        sorted(Card.objects.values_list("title", "column__name", "sprint")),
        Board.objects.count(),
        Sprint.objects.count(),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_work_pages_and_writes_answer_each_role_as_declared(people, board):
    card = actions.create_card(board, title="a", estimate=1, now=NOW)
    sprint = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=5)
    pages = {
        "/work/boards/": "work.view",
        "/work/boards/brand-board/": "work.view",
        "/work/boards/brand-board/flow/": "work.view",
        "/work/boards/brand-board/sprints/": "work.view",
        "/work/boards/brand-board/standup/": "work.view",
        f"/work/sprints/{sprint.pk}/": "work.view",
        f"/work/cards/{card.pk}/": "work.view",
        "/work/who/": "work.view",
        "/work/boards/brand-board/settings/": "work.manage",
        f"/work/boards/brand-board/cell/?column={column(board, 'Backlog').pk}": "work.view",
    }
    writes = {
        "/work/boards/": (
            {"name": "N", "slug": "n", "team": "cx", "columns": "A:todo, B:done"},
            "work.manage",
        ),
        "/work/boards/brand-board/sprints/": (
            {"name": "S2", "start": "2026-03-09", "weeks": "1", "capacity": "5"},
            "work.manage",
        ),
        f"/work/cards/{card.pk}/move/": ({"column": column(board, "Review").pk}, "work.edit"),
        "/work/boards/brand-board/settings/": (
            {"op": "person-limit", "person_wip_limit": "7"},
            "work.manage",
        ),
        f"/work/sprints/{sprint.pk}/": ({"card": card.pk, "into": "sprint"}, "work.edit"),
    }
    for role, (client, token) in people.items():
        for url, permission in pages.items():
            assert client.get(url).status_code == (200 if allows(role, permission) else 403), (
                url,
                role,
            )
        api = client.get("/api/work/boards/brand-board", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert api.status_code == (200 if allows(role, "work.view") else 403)
        for url, (body, permission) in writes.items():
            if allows(role, permission):
                continue
            before = _ledger()
            assert client.post(url, body).status_code == 403, (url, role)
            assert _ledger() == before
    staff = people[Role.STAFF][0]
    marketer = people[Role.MARKETER][0]
    assert not allows(Role.STAFF, "work.manage") and allows(Role.STAFF, "work.edit")
    for url, (body, permission) in writes.items():
        client = marketer if permission == "work.manage" else staff
        assert client.post(url, body).status_code == 302, url
    assert _ledger()[:3] == ([("a", "Review", sprint.pk)], 2, 2)
