"""Archiving, restoring and deleting a card from its page and over the REST API, and a
board's Archived cards page: each through the permission gate, another workspace's card
404, a refusal with nothing changed."""

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, archive
from pacer.work.models import Card, CardEvent
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
PASSWORD = "long-password-1"


def _client(workspace, role):
    user = core.create_user(workspace, f"user-{role}", PASSWORD, role)
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    _, token = core.issue_api_key(workspace, "personal", "t", user=user)
    return client, {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def marketer(workspace):
    return _client(workspace, Role.MARKETER)


@pytest.fixture
def staff(workspace):
    return _client(workspace, Role.STAFF)


def _state():
    return (
        sorted(Card.objects.values_list("pk", "column__name", "archived_at")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
    )


def test_archive_restore_and_delete_from_the_card_page(board, marketer):
    client, _ = marketer
    card = actions.create_card(board, title="Spring flyer", now=NOW)

    page = client.get(f"/work/cards/{card.pk}/")
    assert 'id="archive-card"' in page.content.decode()
    archived = client.post(f"/work/cards/{card.pk}/archive/", follow=True)
    assert archived.redirect_chain == [(f"/work/cards/{card.pk}/", 302)]
    assert 'id="archived-banner"' in archived.content.decode()
    card.refresh_from_db()
    assert card.archived_at is not None
    board_page = client.get("/work/boards/brand-board/").content.decode()
    assert "Spring flyer" not in board_page
    shown = client.get(f"/work/cards/{card.pk}/").content.decode()
    assert 'id="archived-banner"' in shown and 'id="restore-form"' in shown
    assert 'id="delete-card"' in shown and 'id="archive-card"' not in shown
    assert 'id="card-form"' not in shown  # read-only while archived
    listed = client.get("/work/boards/brand-board/archived/").content.decode()
    assert "Spring flyer" in listed and f"/work/cards/{card.pk}/" in listed

    assert client.post(f"/work/cards/{card.pk}/restore/").status_code == 302
    card.refresh_from_db()
    assert card.archived_at is None
    assert "Spring flyer" in client.get("/work/boards/brand-board/").content.decode()

    client.post(f"/work/cards/{card.pk}/archive/")
    answer = client.post(f"/work/cards/{card.pk}/delete/")
    assert answer.status_code == 302 and answer["Location"] == "/work/boards/brand-board/archived/"
    assert not Card.objects.filter(pk=card.pk).exists()
    trail = AuditEntry.objects.filter(object_type="Card", object_id=str(card.pk)).order_by("id")
    assert list(trail.values_list("action", flat=True)) == [
        "card.create",
        "card.archive",
        "card.restore",
        "card.archive",
        "card.delete",
    ]


def test_a_change_to_an_archived_card_on_its_page_is_refused(board, marketer):
    client, _ = marketer
    card = actions.create_card(board, title="Archived", now=NOW)
    archive.archive_card(card, now=NOW)
    before = _state()
    answer = client.post(f"/work/cards/{card.pk}/", {"op": "edit", "title": "New"})
    assert answer.status_code == 422
    assert "is archived: restore it first" in answer.content.decode()
    assert _state() == before and Card.objects.get(pk=card.pk).title == "Archived"


def test_restoring_over_a_wip_limit_on_the_page_is_refused_then_made_with_a_reason(board, marketer):
    client, _ = marketer
    doing = column(board, "Doing").pk
    first = actions.create_card(board, title="first", column=doing, now=NOW)
    archive.archive_card(first, now=NOW)
    for title in ("second", "third"):
        actions.create_card(board, title=title, column=doing, now=NOW)
    before = _state()

    refused = client.post(f"/work/cards/{first.pk}/restore/")
    body = refused.content.decode()
    assert refused.status_code == 422
    assert "Column: &#x27;Doing&#x27; already holds 2 cards" in body
    assert 'href="#restore-reason"' in body and 'id="restore-reason"' in body
    assert _state() == before

    made = client.post(f"/work/cards/{first.pk}/restore/", {"override_reason": "launch"})
    assert made.status_code == 302
    assert Card.objects.filter(column_id=doing, archived_at__isnull=True).count() == 3
    assert CardEvent.objects.filter(card=first).last().override_reason == "launch"


def test_deleting_needs_the_manage_right_and_an_archived_card(board, marketer, staff):
    staff_client, _ = staff
    client, _ = marketer
    card = actions.create_card(board, title="kept", now=NOW)
    before = _state()
    refused = client.post(f"/work/cards/{card.pk}/delete/")
    assert refused.status_code == 422
    assert "archive it first" in refused.content.decode()
    assert _state() == before

    archive.archive_card(card, now=NOW)
    before = _state()
    assert staff_client.post(f"/work/cards/{card.pk}/delete/").status_code == 403
    assert 'id="delete-card"' not in staff_client.get(f"/work/cards/{card.pk}/").content.decode()
    assert _state() == before
    # staff may archive and restore (a card edit)
    assert staff_client.post(f"/work/cards/{card.pk}/restore/").status_code == 302


def test_another_workspaces_card_is_not_found(board, marketer):
    client, headers = marketer
    other = core.create_workspace("Other", slug="other")
    theirs_board = actions.create_board(
        other,
        team="cx",
        slug="theirs",
        name="T",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )
    theirs = actions.create_card(theirs_board, title="theirs", now=NOW)
    archived = actions.create_card(theirs_board, title="archived", now=NOW)
    archive.archive_card(archived, now=NOW)
    before = _state()
    for path in ("archive", "restore", "delete"):
        assert client.post(f"/work/cards/{theirs.pk}/{path}/").status_code == 404
        assert client.post(f"/work/cards/{archived.pk}/{path}/").status_code == 404
    assert client.get("/work/boards/theirs/archived/").status_code == 404
    for path in ("archive", "restore"):
        answer = client.post(
            f"/api/work/cards/{theirs.pk}/{path}", {}, content_type="application/json", **headers
        )
        assert answer.status_code == 404
    assert client.delete(f"/api/work/cards/{archived.pk}", **headers).status_code == 404
    assert _state() == before


def test_archive_restore_and_delete_over_the_api(board, marketer, staff):
    client, headers = marketer
    _, staff_headers = staff
    doing = column(board, "Doing").pk
    card = actions.create_card(board, title="api", column=doing, now=NOW)

    answer = client.post(f"/api/work/cards/{card.pk}/archive", **headers)
    assert answer.status_code == 200 and answer.json()["archived_at"] is not None
    board_json = client.get("/api/work/boards/brand-board", **headers).json()
    assert board_json["cards"] == []
    again = client.post(f"/api/work/cards/{card.pk}/archive", **headers)
    assert again.status_code == 422 and again.json()["errors"] == {"card": "is archived already"}

    for title in ("b", "c"):
        actions.create_card(board, title=title, column=doing, now=NOW)
    before = _state()
    over = client.post(
        f"/api/work/cards/{card.pk}/restore", {}, content_type="application/json", **headers
    )
    assert over.status_code == 422 and set(over.json()["errors"]) == {"column"}
    assert _state() == before
    made = client.post(
        f"/api/work/cards/{card.pk}/restore",
        {"override_reason": "launch"},
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 200 and made.json()["archived_at"] is None

    not_archived = client.delete(f"/api/work/cards/{card.pk}", **headers)
    assert not_archived.status_code == 422
    assert set(not_archived.json()["errors"]) == {"card"}
    client.post(f"/api/work/cards/{card.pk}/archive", **headers)
    before = _state()
    assert client.delete(f"/api/work/cards/{card.pk}", **staff_headers).status_code == 403
    assert _state() == before
    assert client.delete(f"/api/work/cards/{card.pk}", **headers).status_code == 204
    assert not Card.objects.filter(pk=card.pk).exists()


def test_the_archived_cards_page_pages_on_the_server(board, marketer):
    client, _ = marketer
    for number in range(30):
        card = actions.create_card(board, title=f"old {number:02}", now=NOW)
        archive.archive_card(card, now=NOW.replace(minute=number))
    first = client.get("/work/boards/brand-board/archived/").content.decode()
    assert "old 29" in first and "old 05" in first and "old 04" not in first
