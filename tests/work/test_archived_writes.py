"""An archived card is read-only everywhere: every write over the REST API (its fields,
labels, comments, links, attachments, sprint) and on its page (checklist, block) is
refused at ``card`` by the one guard (``checks.writable``), with nothing written: not the
card, nor what is on it, nor its history, audit log, mentions or stored files."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from pacer.core.models import AuditEntry
from pacer.work import actions, archive, attachments, comments, labels, sprints
from pacer.work.models import Card, CardEvent, Notification
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
REFUSED = {"card": "is archived: restore it first"}


def _stored() -> list[Path]:
    root = Path(settings.DATA_DIR) / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _everything(card: Card):
    """The card's row and everything on it, its history, the audit log and the files."""
    fresh = Card.objects.get(pk=card.pk)
    return (
        {f.name: getattr(fresh, f.attname) for f in Card._meta.concrete_fields},
        sorted(fresh.labels.values_list("name", flat=True)),
        list(fresh.comments.values_list("pk", "body", "edited_at")),
        list(fresh.links.values_list("kind", "target_id")),
        list(fresh.checklist.values_list("text", "done")),
        list(fresh.attachments.values_list("filename", "key")),
        CardEvent.objects.filter(card=fresh).count(),
        AuditEntry.objects.count(),
        Notification.objects.count(),
        _stored(),
    )


@pytest.fixture
def archived(board, admin, bob):
    """A card with a label, a comment by ada, a link, a checklist item and a file, in a
    sprint; then archived."""
    sprint = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=2, capacity=10)
    card = actions.create_card(board, title="Shelved", estimate=3, now=NOW)
    label = labels.create_label(board, name="Urgent", colour="red", now=NOW)
    labels.change_labels(card, add=[label.pk], now=NOW)
    comments.add_comment(card, "first thoughts", now=NOW, actor=admin)
    actions.add_link(card, "journey", "j-1")
    actions.add_checklist_item(card, "draft")
    attachments.upload(card, filename="a.png", data=PNG, now=NOW, actor=admin)
    sprints.plan(card, sprint)
    archive.archive_card(card, now=NOW, actor=admin)
    return card


def test_every_api_write_to_an_archived_card_is_refused_with_nothing_written(
    api, archived, board, admin, bob, client
):
    card_id = archived.pk
    comment = archived.comments.get()
    link = archived.links.get()
    file = archived.attachments.get()
    other = labels.create_label(board, name="Design", colour="blue", now=NOW)
    before = _everything(archived)
    calls = [
        ("patch", f"/cards/{card_id}", {"title": "Changed", "assignee": bob.pk}),
        ("patch", f"/cards/{card_id}", {"labels": [other.pk]}),
        ("post", f"/cards/{card_id}/comments", {"body": "@bob look"}),
        ("patch", f"/comments/{comment.pk}", {"body": "edited @bob"}),
        ("delete", f"/comments/{comment.pk}", None),
        ("post", f"/cards/{card_id}/links", {"kind": "journey", "target_id": "j-2"}),
        ("delete", f"/cards/{card_id}/links/{link.pk}", None),
        ("delete", f"/attachments/{file.pk}", None),
        ("post", f"/cards/{card_id}/move", {"column": column(board, "Doing").pk}),
    ]
    for method, path, body in calls:
        answer = api(method, path, body)
        assert (method, path, answer.status_code, answer.json()["errors"]) == (
            method,
            path,
            422,
            REFUSED,
        )
        assert _everything(archived) == before, (method, path)
    upload = api(
        "post",
        f"/cards/{card_id}/attachments",
        {"file": SimpleUploadedFile("b.png", PNG, "image/png")},
        multipart=True,
    )
    assert (upload.status_code, upload.json()["errors"]) == (422, REFUSED)
    assert _everything(archived) == before


def test_every_action_on_an_archived_card_is_refused_by_the_one_guard(archived, admin, board):
    before = _everything(archived)
    item = archived.checklist.get()
    for write in (
        lambda: actions.update_card(archived, title="x", now=NOW),
        lambda: actions.set_blocked(archived, "legal", now=NOW),
        lambda: actions.add_checklist_item(archived, "more"),
        lambda: actions.tick(item, True),
        lambda: actions.remove_checklist_item(item),
        lambda: actions.remove_link(archived, archived.links.get().pk),
        lambda: labels.change_labels(archived, remove=[archived.labels.get().pk], now=NOW),
        lambda: comments.add_comment(archived, "hi", now=NOW, actor=admin),
        lambda: comments.delete_comment(archived.comments.get(), actor=admin, role="admin"),
        lambda: attachments.delete(archived.attachments.get()),
        lambda: sprints.plan(archived, None),
    ):
        with pytest.raises(Exception) as refused:
            write()
        assert refused.value.errors == REFUSED
        assert _everything(archived) == before


def test_the_card_page_refuses_a_write_to_an_archived_card(ada, archived):
    before = _everything(archived)
    item = archived.checklist.get()
    for form in (
        {"op": "tick", "item": item.pk, "done": "1"},
        {"op": "checklist", "text": "more"},
        {"op": "block", "blocked_reason": "legal"},
        {"op": "comment_delete", "comment": archived.comments.get().pk},
    ):
        answer = ada.post(f"/work/cards/{archived.pk}/", form)
        assert answer.status_code == 422 and "is archived: restore it first" in answer.text
        assert _everything(archived) == before
    upload = ada.post(
        f"/work/cards/{archived.pk}/attachments/",
        {"file": SimpleUploadedFile("b.png", PNG, "image/png")},
    )
    assert upload.status_code == 422 and "is archived: restore it first" in upload.text
    assert _everything(archived) == before


def test_a_deadline_card_archived_is_left_as_it_is_by_its_deadline(board, workspace):
    card, _ = actions.create_card_for_deadline(
        workspace,
        key="content:1:due",
        title="Review",
        due="2026-03-20",
        now=NOW,
        board="brand-board",
    )
    archive.archive_card(card, now=NOW)
    before = _everything(card)
    again, created = actions.create_card_for_deadline(
        workspace,
        key="content:1:due",
        title="Review v2",
        due="2026-03-27",
        now=NOW,
        board="brand-board",
    )
    assert (again.pk, created, again.title) == (card.pk, False, "Review")
    assert _everything(card) == before
