"""Boards name their team (not its key) and take it from a select of the workspace's
teams, by name; a board whose team key is no team shows the key, marked in the select."""

import pytest
from django.test import Client

from pacer.teams import actions as teams
from pacer.work import actions

pytestmark = pytest.mark.django_db
COLUMNS = [{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}]


@pytest.fixture
def staff(workspace, admin):
    teams.create_team(workspace, key="studio-x", name="Brand studio")
    teams.create_team(workspace, key="abm-x", name="Account-based marketing")
    actions.create_board(
        workspace, team="studio-x", slug="b", name="Campaign board", columns=COLUMNS
    )
    client = Client()
    client.force_login(admin)
    return client


def test_boards_show_team_names_and_take_the_team_from_a_select(staff):
    page = staff.get("/work/boards/")
    rows = [[cell.text for cell in row] for row in page.context["table"].rows]
    assert rows[0][:2] == ["Campaign board", "Brand studio"]
    options = page.context["teams"]
    assert options[0] == ("", "Choose a team")
    assert [label for _, label in options[1:]] == sorted(
        (label for _, label in options[1:]), key=str.lower
    )
    assert ("studio-x", "Brand studio") in options and (
        "abm-x",
        "Account-based marketing",
    ) in options
    html = page.content.decode()
    assert '<select id="field-team" name="team" required>' in html
    assert '<option value="studio-x">Brand studio</option>' in html
    assert "Team Brand studio" in staff.get("/work/boards/b/").content.decode()


def test_a_refused_board_keeps_a_key_that_is_no_team_marked(staff):
    page = staff.post("/work/boards/", {"name": "X", "slug": "x", "team": "no-such", "columns": ""})
    assert page.status_code == 422
    assert page.context["teams"][-1] == ("no-such", "no-such (no such team)")
