"""A board's team must be one of the workspace's teams: the board form and the REST API
refuse any other key (422 naming ``team``, nothing written), through the same action."""

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.teams import actions as teams
from pacer.work import actions
from pacer.work.models import Board, Column

pytestmark = pytest.mark.django_db
COLUMNS = [{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}]


def _nothing_written():
    return Board.objects.count(), Column.objects.count(), AuditEntry.objects.count()


def test_the_board_form_refuses_a_team_that_is_not_the_workspaces(workspace, admin):
    client = Client()
    client.force_login(admin)
    before = _nothing_written()
    page = client.post(
        "/work/boards/", {"name": "X", "slug": "x", "team": "no-such", "columns": "A:todo, B:done"}
    )
    assert page.status_code == 422
    assert page.context["errors"] == {
        "team": "no team 'no-such' in this workspace: choose one of its teams"
    }
    assert _nothing_written() == before
    made = client.post(
        "/work/boards/", {"name": "X", "slug": "x", "team": "cx", "columns": "A:todo, B:done"}
    )
    assert made.status_code == 302 and Board.objects.get().team == "cx"


def test_the_api_refuses_another_workspaces_team_and_takes_its_own(workspace, admin, client):
    other = core.create_workspace("Other", slug="other")
    teams.create_team(other, key="theirs", name="Theirs")
    _, token = core.issue_api_key(workspace, "personal", "test", user=admin)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"slug": "b", "name": "B", "team": "theirs", "columns": COLUMNS}
    before = _nothing_written()
    refused = client.post("/api/work/boards", body, content_type="application/json", **headers)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "team": "no team 'theirs' in this workspace: choose one of its teams"
    }
    assert _nothing_written() == before
    made = client.post(
        "/api/work/boards",
        {**body, "team": "product"},
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201 and made.json()["team"] == "product"


def test_a_board_needs_a_team(workspace):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_board(workspace, team="", slug="b", name="B", columns=COLUMNS)
    assert refused.value.errors == {
        "team": "use 1-60 lowercase letters, digits or '-', starting with one"
    }
