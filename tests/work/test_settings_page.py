"""The board's settings page: every form (columns added, changed, moved and removed with
a column for their cards; the limit per person; swimlanes) changes the board as the
actions do, and a refusal shows the reason under its own form with nothing changed."""

from html import unescape

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions
from pacer.work.models import Card, CardEvent
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"
URL = "/work/boards/brand-board/settings/"


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def ada(admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return client


def _columns(board):
    return list(board.columns.values_list("name", "stage", "wip_limit"))


def _ledger(board):
    return (
        _columns(board),
        list(board.swimlanes.values_list("name", "position")),
        board.__class__.objects.get(pk=board.pk).person_wip_limit,
        sorted(Card.objects.values_list("title", "column__name", "swimlane__name")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_page_shows_each_column_with_its_limit_cards_and_remove_dialog(ada, board):
    actions.create_card(board, title="c1", column=column(board, "Review").pk, now=NOW)
    page = ada.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    doing, review = column(board, "Doing"), column(board, "Review")
    assert f'id="column-{doing.pk}-wip_limit" name="wip_limit" type="number" value="2"' in html
    assert f'id="column-{review.pk}-wip_limit" name="wip_limit" type="number" value=""' in html
    # a column holding cards asks where they go; an empty one does not
    assert f'id="column-{review.pk}-move_cards_to"' in html
    assert f'id="column-{doing.pk}-move_cards_to"' not in html
    assert "'Review' holds 1 card." in html
    assert f'href="{URL}"' in ada.get("/work/boards/brand-board/").content.decode()


def test_a_column_limit_is_changed_and_cleared(ada, board):
    doing = column(board, "Doing")
    form = {"op": "column-change", "column": doing.pk, "name": "Making", "stage": "doing"}
    response = ada.post(URL, {**form, "wip_limit": "5"})
    assert response.status_code == 302 and response["Location"] == URL
    assert _columns(board)[1] == ("Making", "doing", 5)
    ada.post(URL, {**form, "wip_limit": ""})
    assert _columns(board)[1] == ("Making", "doing", None)
    assert AuditEntry.objects.filter(action="board.column_update").count() == 2


@pytest.mark.parametrize(
    ("form", "field", "reason"),
    [
        ({"name": "Making", "stage": "doing", "wip_limit": "0"}, "wip_limit", "between 1"),
        ({"name": "Making", "stage": "doing", "wip_limit": "x"}, "wip_limit", "whole number"),
        ({"name": "Review", "stage": "doing", "wip_limit": ""}, "name", "already on this board"),
        ({"name": "", "stage": "doing", "wip_limit": ""}, "name", "must not be empty"),
        ({"name": "Making", "stage": "late", "wip_limit": ""}, "stage", "must be one of"),
    ],
)
def test_a_refused_column_change_is_shown_under_its_field_and_changes_nothing(
    ada, board, form, field, reason
):
    doing = column(board, "Doing")
    before = _ledger(board)
    response = ada.post(URL, {"op": "column-change", "column": doing.pk, **form})
    assert response.status_code == 422
    assert _ledger(board) == before
    html = response.content.decode()
    error = html.split(f'id="column-{doing.pk}-{field}-error"', 1)[1].split("</div>", 1)[0]
    assert reason in error
    # what was typed is shown again, in that column's form only
    assert f'id="column-{doing.pk}-name" name="name" type="text" value="{form["name"]}"' in html


def test_columns_are_added_and_moved_left_and_right(ada, board):
    ada.post(URL, {"op": "column-add", "name": "QA", "stage": "doing", "wip_limit": "1",
                   "position": "2"})  # fmt: skip
    assert [c[0] for c in _columns(board)] == ["Backlog", "Doing", "QA", "Review", "Done"]
    assert _columns(board)[2] == ("QA", "doing", 1)
    qa = column(board, "QA")
    ada.post(URL, {"op": "column-move", "column": qa.pk, "direction": "up"})
    assert [c[0] for c in _columns(board)] == ["Backlog", "QA", "Doing", "Review", "Done"]
    ada.post(URL, {"op": "column-move", "column": qa.pk, "direction": "down"})
    ada.post(URL, {"op": "column-move", "column": qa.pk, "direction": "down"})
    assert [c[0] for c in _columns(board)] == ["Backlog", "Doing", "Review", "QA", "Done"]
    # the rightmost cannot move further right: refused, named, nothing moved
    done = column(board, "Done")
    before = _ledger(board)
    response = ada.post(URL, {"op": "column-move", "column": done.pk, "direction": "down"})
    assert response.status_code == 422
    assert f'id="column-{done.pk}-form"' in response.content.decode()
    assert "Position: must be a whole number from 0 to 4" in response.content.decode()
    assert _ledger(board) == before


def test_a_column_with_cards_is_removed_only_into_another_column(ada, board):
    review, doing = column(board, "Review"), column(board, "Doing")
    actions.create_card(board, title="r1", column=review.pk, now=NOW)
    before = _ledger(board)
    refused = ada.post(URL, {"op": "column-remove", "column": review.pk, "move_cards_to": ""})
    assert refused.status_code == 422
    assert "'Review' holds 1 card; name the column they should move to" in unescape(
        refused.content.decode()
    )
    assert _ledger(board) == before
    done = ada.post(URL, {"op": "column-remove", "column": review.pk, "move_cards_to": doing.pk})
    assert done.status_code == 302
    assert [c[0] for c in _columns(board)] == ["Backlog", "Doing", "Done"]
    assert Card.objects.get(title="r1").column == doing


def test_the_limit_per_person_is_set_and_refused_when_bad(ada, board):
    assert ada.post(URL, {"op": "person-limit", "person_wip_limit": "4"}).status_code == 302
    board.refresh_from_db()
    assert board.person_wip_limit == 4
    before = _ledger(board)
    refused = ada.post(URL, {"op": "person-limit", "person_wip_limit": "-1"})
    assert refused.status_code == 422
    assert 'id="person-limit-person_wip_limit-error"' in refused.content.decode()
    assert _ledger(board) == before
    ada.post(URL, {"op": "person-limit", "person_wip_limit": ""})
    board.refresh_from_db()
    assert board.person_wip_limit is None


def test_swimlanes_are_added_renamed_moved_and_removed(ada, board):
    ada.post(URL, {"op": "lane-add", "name": "Urgent", "position": "0"})
    lanes = lambda: list(board.swimlanes.values_list("name", flat=True))  # noqa: E731
    assert lanes() == ["Urgent", "Expedite", "Standard"]
    urgent = board.swimlanes.get(name="Urgent")
    ada.post(URL, {"op": "lane-rename", "swimlane": urgent.pk, "name": "Hot"})
    ada.post(URL, {"op": "lane-move", "swimlane": urgent.pk, "direction": "down"})
    assert lanes() == ["Expedite", "Hot", "Standard"]
    card = actions.create_card(board, title="h", swimlane=urgent.pk, now=NOW)
    before = _ledger(board)
    refused = ada.post(URL, {"op": "lane-rename", "swimlane": urgent.pk, "name": "standard"})
    assert refused.status_code == 422
    assert f'id="lane-{urgent.pk}-name-error"' in refused.content.decode()
    assert _ledger(board) == before
    ada.post(URL, {"op": "lane-remove", "swimlane": urgent.pk})
    assert lanes() == ["Expedite", "Standard"]
    card.refresh_from_db()
    assert card.swimlane is None


def test_an_unknown_form_or_another_boards_column_is_refused(ada, board, workspace):
    other = actions.create_board(
        workspace, team="product", slug="other", name="Other",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )  # fmt: skip
    before = _ledger(board)
    assert ada.post(URL, {"op": "drop-table"}).status_code == 422
    foreign = other.columns.first()
    response = ada.post(URL, {"op": "column-change", "column": foreign.pk, "name": "Z",
                              "stage": "todo", "wip_limit": ""})  # fmt: skip
    assert response.status_code == 422
    assert "Column: is not a column of this board" in response.content.decode()
    assert _ledger(board) == before
    assert other.columns.first().name == "A"


def test_only_managers_reach_the_settings_and_see_its_link(board, workspace):
    core.create_user(workspace, "sam", PASSWORD, Role.STAFF)
    client = Client()
    client.login(username="sam", password=PASSWORD)
    before = _ledger(board)
    assert client.get(URL).status_code == 403
    doing = column(board, "Doing")
    form = {"op": "column-change", "column": doing.pk, "name": "D", "stage": "doing"}
    assert client.post(URL, {**form, "wip_limit": "9"}).status_code == 403
    assert _ledger(board) == before
    assert URL not in client.get("/work/boards/brand-board/").content.decode()
