"""@mentions in card comments: who is notified (members only, not the author, once per
comment, only the newly mentioned on an edit), reading them (page, navigation count,
marking read) and the same over the REST API."""

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, comments
from pacer.work.models import Comment, Notification
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
LATER = NOW.replace(hour=11)


@pytest.fixture
def card(board):
    return actions.create_card(board, title="Spring email", now=NOW)


@pytest.fixture
def cy(workspace):
    return core.create_user(workspace, "Cy", "correct-horse-3", Role.ANALYST)


def _notified():
    return sorted(Notification.objects.values_list("user__username", "comment__body", "created_at"))


def test_members_mentioned_are_notified_once_each_and_nobody_else(
    board, card, admin, bob, cy, workspace
):
    other = core.create_workspace("Other", slug="other")
    core.create_user(other, "olga", "correct-horse-4", Role.ADMIN)
    body = "@bob and @BOB again, @cy. @ada (me), @olga (not a member) and @nobody"
    comment = comments.add_comment(card, body, now=NOW, actor=admin)
    assert _notified() == [("Cy", body, NOW), ("bob", body, NOW)]
    assert set(Notification.objects.values_list("card", "comment", "workspace", "read_at")) == {
        (card.pk, comment.pk, workspace.pk, None)
    }
    assert comments.mentioned_names("mail@bob.com, @bob. @c.y!") == ["bob", "c.y"]


def test_an_edit_notifies_only_the_newly_mentioned(board, card, admin, bob, cy):
    comment = comments.add_comment(card, "@bob please look", now=NOW, actor=admin)
    comments.edit_comment(comment, "please look", now=LATER, actor=admin)  # bob removed
    comments.edit_comment(comment, "@bob @cy please look", now=LATER, actor=admin)
    assert _notified() == [
        ("Cy", "@bob @cy please look", LATER),
        ("bob", "@bob @cy please look", NOW),  # not a second time for bob
    ]
    comment.refresh_from_db()
    assert (comment.body, comment.edited_at) == ("@bob @cy please look", LATER)
    edits = AuditEntry.objects.filter(action="card.comment_edit").order_by("pk")
    assert [e.after["notified"] for e in edits] == [[], ["Cy"]]


def test_a_rerun_of_the_notifying_makes_no_second_notification(card, admin, bob):
    comment = comments.add_comment(card, "@bob", now=NOW, actor=admin)
    assert comments._notify(comment, card, LATER) == []
    assert _notified() == [("bob", "@bob", NOW)]
    with pytest.raises(IntegrityError), transaction.atomic():  # the unique key holds it
        Notification.objects.create(
            workspace=card.workspace, user=bob, card=card, comment=comment, created_at=LATER
        )


def test_only_the_author_edits_a_comment_and_bad_text_is_refused(card, admin, bob):
    comment = comments.add_comment(card, "first words", now=NOW, actor=admin)
    for body, actor, errors in [
        ("@bob hijack", bob, {"comment": "only its author can edit a comment"}),
        ("@bob by nobody", None, {"comment": "only its author can edit a comment"}),
        ("   ", admin, {"body": "must not be empty"}),
        ("x" * 5_001, admin, {"body": "must be at most 5000 characters"}),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            comments.edit_comment(comment, body, now=LATER, actor=actor)
        assert refused.value.errors == errors
    assert list(Comment.objects.values_list("body", "edited_at")) == [("first words", None)]
    assert Notification.objects.count() == 0
    assert not AuditEntry.objects.filter(action="card.comment_edit").exists()


def test_mark_read_touches_only_the_users_own_unread_ones(card, admin, bob, cy):
    first = comments.add_comment(card, "@bob @cy one", now=NOW, actor=admin)
    comments.add_comment(card, "@bob two", now=NOW, actor=admin)
    cys = Notification.objects.get(user=cy, comment=first)
    bobs_first = Notification.objects.get(user=bob, comment=first)
    assert comments.mark_read(card.workspace, bob, now=LATER, ids=[cys.pk, bobs_first.pk]) == 1
    assert comments.mark_read(card.workspace, bob, now=LATER) == 1  # the other one
    assert comments.mark_read(card.workspace, bob, now=LATER) == 0
    assert sorted(Notification.objects.values_list("user__username", "read_at")) == [
        ("Cy", None),
        ("bob", LATER),
        ("bob", LATER),
    ]
    with pytest.raises(ValidationFailed):
        comments.mark_read(card.workspace, cy, now=LATER, ids=["x"])
    assert Notification.objects.get(user=cy).read_at is None


@pytest.fixture
def as_bob(bob, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: LATER)
    client = Client()
    client.force_login(bob)
    return client


def test_the_mentions_page_the_count_in_the_navigation_and_reading(card, admin, as_bob):
    comment = comments.add_comment(card, "@bob see the brief", now=NOW, actor=admin)
    comments.add_comment(card, "@bob and the budget", now=NOW, actor=admin)
    page = as_bob.get("/work/mentions/").content.decode()
    assert (
        'Mentions <span class="nav-badge">2<span class="visually-hidden"> unread</span></span>'
        in page
    )
    assert "2 unread mentions." in page and "@bob see the brief" in page
    [mine] = Notification.objects.filter(comment=comment)
    opened = as_bob.get(f"/work/mentions/{mine.pk}/")
    assert opened.status_code == 302
    assert opened["Location"] == f"/work/cards/{card.pk}/#comment-{comment.pk}"
    assert Notification.objects.get(pk=mine.pk).read_at == LATER
    page = as_bob.get(f"/work/cards/{card.pk}/").content.decode()
    assert f'id="comment-{comment.pk}"' in page
    assert 'class="nav-badge">1<' in page
    assert as_bob.post("/work/mentions/read/").status_code == 302
    page = as_bob.get("/work/mentions/").content.decode()
    assert "No unread mentions." in page and "nav-badge" not in page
    assert "@bob and the budget" in as_bob.get("/work/mentions/?show=all").content.decode()
    # somebody else's notification is not found
    admin_client = Client()
    admin_client.force_login(admin)
    assert admin_client.get(f"/work/mentions/{mine.pk}/").status_code == 404


def test_editing_a_comment_on_the_card_page(card, admin, bob, cy, as_bob):
    theirs = comments.add_comment(card, "ada's note", now=NOW, actor=admin)
    url = f"/work/cards/{card.pk}/"
    assert as_bob.post(url, {"op": "comment", "body": "my note"}).status_code == 302
    mine = Comment.objects.get(body="my note")
    page = as_bob.get(url).content.decode()
    assert f'name="comment" value="{mine.pk}"' in page  # an edit form for one's own only
    assert f'name="comment" value="{theirs.pk}"' not in page
    edit = {"op": "comment_edit", "comment": mine.pk, "body": "my note, @cy"}
    assert as_bob.post(url, edit).status_code == 302
    assert _notified() == [("Cy", "my note, @cy", LATER)]
    refused = as_bob.post(url, {**edit, "comment": theirs.pk, "body": "@cy changed"})
    assert refused.status_code == 422
    assert "only its author can edit a comment" in refused.content.decode()
    assert Comment.objects.get(pk=theirs.pk).body == "ada's note"


def test_comments_and_mentions_over_the_api(card, workspace, admin, bob, client):
    _, token = core.issue_api_key(workspace, "personal", "test", user=bob)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    base = "/api/work"
    made = client.post(
        f"{base}/cards/{card.pk}/comments",
        {"body": "hello @ada"},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201
    comment_id = made.json()["id"]
    assert made.json()["author"] == "bob" and made.json()["edited_at"] is None
    edited = client.patch(
        f"{base}/comments/{comment_id}",
        {"body": "hello @ada, again"},
        content_type="application/json",
        **auth,
    )
    assert edited.status_code == 200 and edited.json()["body"] == "hello @ada, again"
    assert list(Notification.objects.values_list("user__username", "comment")) == [
        ("ada", comment_id)  # once, though the edit mentions ada again
    ]
    comments.add_comment(card, "@bob yours", now=NOW, actor=admin)
    listed = client.get(f"{base}/mentions?unread=true", **auth).json()
    assert [(m["card"], m["author"], m["body"], m["read_at"]) for m in listed] == [
        (card.pk, "ada", "@bob yours", None)
    ]
    marked = client.post(f"{base}/mentions/read", {}, content_type="application/json", **auth)
    assert marked.json() == {"marked": 1}
    assert client.get(f"{base}/mentions?unread=true", **auth).json() == []
    other = core.create_workspace("Other", slug="other")
    elsewhere = actions.create_board(
        other,
        team="product",
        slug="x",
        name="X",
        columns=[{"name": "A", "stage": "todo"}, {"name": "B", "stage": "done"}],
    )
    foreign = comments.add_comment(
        actions.create_card(elsewhere, title="t", now=NOW), "theirs", now=NOW
    )
    missing = client.patch(
        f"{base}/comments/{foreign.pk}", {"body": "x"}, content_type="application/json", **auth
    )
    assert missing.status_code == 404 and Comment.objects.get(pk=foreign.pk).body == "theirs"
    refused = client.patch(
        f"{base}/comments/{comment_id}", {"body": ""}, content_type="application/json", **auth
    )
    assert refused.status_code == 422 and "body" in refused.json()["errors"]
