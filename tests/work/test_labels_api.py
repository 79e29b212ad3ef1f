"""Labels and the card PATCH over the REST API: exact bodies, the same checks as the
pages (WIP limit per person, sprint capacity, labels and swimlanes of the card's board),
422 naming the field with nothing written, and the permission gate."""

from datetime import date

import pytest

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, labels, sprints
from pacer.work.models import Card, CardEvent, CardLabel, Label
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def _caller(client, workspace, user):
    _, token = core.issue_api_key(workspace, "personal", "test", user=user)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def call(method, path, body=None):
        send = getattr(client, method)
        if body is None:
            return send(f"/api/work{path}", **headers)
        return send(f"/api/work{path}", body, content_type="application/json", **headers)

    return call


@pytest.fixture
def api(workspace, admin, client):
    return _caller(client, workspace, admin)


def _ledger():
    return (
        sorted(Card.objects.values_list("pk", "title", "assignee", "estimate", "swimlane")),
        sorted(Label.objects.values_list("name", "colour")),
        sorted(CardLabel.objects.values_list("card_id", "label_id")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_labels_crud_over_the_api(api, board):
    made = api("post", "/boards/brand-board/labels", {"name": "Urgent", "colour": "red"})
    assert made.status_code == 201
    label_id = made.json()["id"]
    assert made.json() == {"id": label_id, "name": "Urgent", "colour": "red", "cards": 0}
    card = actions.create_card(board, title="a", now=NOW)
    labels.change_labels(card, add=[label_id], now=NOW)
    renamed = api("patch", f"/labels/{label_id}", {"name": "Hot"})
    assert renamed.json() == {"id": label_id, "name": "Hot", "colour": "red", "cards": 1}
    assert api("get", "/boards/brand-board/labels").json() == [renamed.json()]
    assert api("get", f"/cards/{card.pk}").json()["labels"] == [label_id]
    gone = api("delete", f"/labels/{label_id}")
    assert (gone.status_code, gone.json()) == (200, {"cards": 1})
    assert api("get", f"/cards/{card.pk}").json()["labels"] == []
    assert api("delete", f"/labels/{label_id}").status_code == 404


def test_a_duplicate_name_is_422_naming_the_field(api, board):
    api("post", "/boards/brand-board/labels", {"name": "Urgent", "colour": "red"})
    before = _ledger()
    again = api("post", "/boards/brand-board/labels", {"name": "URGENT", "colour": "blue"})
    assert again.status_code == 422
    assert again.json()["errors"] == {"name": "'URGENT' is already a label on this board"}
    bad = api("post", "/boards/brand-board/labels", {"name": "x", "colour": "teal"})
    assert bad.status_code == 422
    assert _ledger() == before


def test_patch_changes_only_the_fields_sent(api, board, admin, bob):
    lane = board.swimlanes.get(name="Standard")
    urgent = labels.create_label(board, name="Urgent", colour="red", now=NOW)
    card = actions.create_card(board, title="Draft", description="keep me", now=NOW)
    changed = api(
        "patch",
        f"/cards/{card.pk}",
        {
            "title": "Final",
            "assignee": bob.pk,
            "due": "2026-03-20",
            "estimate": 5,
            "swimlane": lane.pk,
            "labels": [urgent.pk],
        },
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert {k: body[k] for k in ("title", "assignee", "due", "estimate", "swimlane", "labels")} == {
        "title": "Final",
        "assignee": bob.pk,
        "due": "2026-03-20",
        "estimate": 5,
        "swimlane": lane.pk,
        "labels": [urgent.pk],
    }
    saved = Card.objects.get(pk=card.pk)
    assert (saved.description, saved.due, saved.column.name) == (
        "keep me",
        date(2026, 3, 20),
        "Backlog",
    )
    emptied = api("patch", f"/cards/{card.pk}", {"assignee": None, "labels": None}).json()
    assert (emptied["assignee"], emptied["labels"], emptied["title"]) == (None, [], "Final")
    assert AuditEntry.objects.filter(action="card.update").count() == 2
    assert AuditEntry.objects.filter(action="card.labels").count() == 2


def test_patch_refuses_labels_and_swimlanes_of_another_board(api, board, workspace):
    other = actions.create_board(
        workspace,
        team="content",
        slug="web",
        name="Web",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
        swimlanes=["Web lane"],
    )
    foreign = labels.create_label(other, name="Web", colour="green", now=NOW)
    card = actions.create_card(board, title="a", now=NOW)
    before = _ledger()
    refused = api("patch", f"/cards/{card.pk}", {"title": "b", "labels": [foreign.pk]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"labels": f"{foreign.pk}: not a label of this board"}
    lane = other.swimlanes.get()
    refused = api("patch", f"/cards/{card.pk}", {"title": "b", "swimlane": lane.pk})
    assert refused.json()["errors"] == {"swimlane": "is not a swimlane of this board"}
    assert api("patch", f"/cards/{card.pk}", {"title": None}).status_code == 422
    assert api("patch", f"/cards/{card.pk}", {}).status_code == 422
    assert _ledger() == before


def test_patch_over_the_limit_per_person_is_refused_unless_a_reason_is_given(api, board, bob):
    doing = column(board, "Doing")
    review = column(board, "Review")
    for title in ("x", "y"):
        actions.create_card(board, title=title, column=review.pk, assignee=bob.pk, now=NOW)
    third = actions.create_card(board, title="z", column=doing.pk, now=NOW)
    before = _ledger()
    refused = api("patch", f"/cards/{third.pk}", {"assignee": bob.pk, "title": "z2"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "assignee": "bob already has 2 cards in progress, the limit per person is 2; "
        "give a reason to go over"
    }
    assert _ledger() == before
    allowed = api(
        "patch", f"/cards/{third.pk}", {"assignee": bob.pk, "override_reason": "launch day"}
    )
    assert allowed.status_code == 200 and allowed.json()["assignee"] == bob.pk
    entry = AuditEntry.objects.get(action="card.wip_override")
    assert entry.after["override_reason"] == "launch day"
    assert set(entry.after["limits"]) == {"assignee"}


def test_patch_rechecks_the_sprint_capacity_on_a_new_estimate(api, board, admin):
    sprint = sprints.create_sprint(
        board, name="S1", start=date(2026, 3, 2), weeks=1, capacity=5, actor=admin
    )
    card = actions.create_card(board, title="a", estimate=3, now=NOW)
    sprints.plan(card, sprint, actor=admin)
    before = _ledger()
    refused = api("patch", f"/cards/{card.pk}", {"estimate": 8})
    assert refused.status_code == 422 and set(refused.json()["errors"]) == {"estimate"}
    assert _ledger() == before
    allowed = api("patch", f"/cards/{card.pk}", {"estimate": 8, "override_reason": "agreed"})
    assert allowed.json()["estimate"] == 8
    assert AuditEntry.objects.filter(action="card.capacity_override").count() == 1


def test_only_managers_manage_labels_and_everyone_may_label_cards(board, workspace, client):
    urgent = labels.create_label(board, name="Urgent", colour="red", now=NOW)
    card = actions.create_card(board, title="a", now=NOW)
    staff = core.create_user(workspace, "sam", "long-password-9", Role.STAFF)
    call = _caller(client, workspace, staff)
    before = _ledger()
    assert (
        call("post", "/boards/brand-board/labels", {"name": "N", "colour": "red"}).status_code
        == 403
    )
    assert call("patch", f"/labels/{urgent.pk}", {"name": "Hot"}).status_code == 403
    assert call("delete", f"/labels/{urgent.pk}").status_code == 403
    assert _ledger() == before
    assert call("get", "/boards/brand-board/labels").status_code == 200
    assert call("patch", f"/cards/{card.pk}", {"labels": [urgent.pk]}).status_code == 200


def test_bulk_over_the_api_adds_a_label(api, board):
    urgent = labels.create_label(board, name="Urgent", colour="red", now=NOW)
    cards = [actions.create_card(board, title=t, now=NOW) for t in ("a", "b")]
    done = api(
        "post", "/boards/brand-board/bulk", {"cards": [c.pk for c in cards], "add_label": urgent.pk}
    )
    assert done.status_code == 200, done.content
    assert [c["labels"] for c in done.json()["cards"]] == [[urgent.pk], [urgent.pk]]
