"""Files on cards over the REST API: listed, uploaded (multipart; type judged by the bytes,
size and count limits, nothing kept on a refusal), downloaded byte for byte through the
gate, deleted with an audit entry; another workspace's files are not found."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, attachments
from pacer.work.models import Attachment
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 40
PDF = b"%PDF-1.7\n%a report\n"


def _stored() -> list[Path]:
    root = Path(settings.DATA_DIR) / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _ledger():
    return (
        sorted(Attachment.objects.values_list("filename", "size")),
        _stored(),
        AuditEntry.objects.count(),
    )


@pytest.fixture
def card(board):
    return actions.create_card(board, title="with files", now=NOW)


def _client(workspace, name: str, role: str):
    user = core.create_user(workspace, name, "correct-horse-7", role)
    _, token = core.issue_api_key(workspace, "personal", name, user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def api(workspace):
    return _client(workspace, "mia", Role.MARKETER)


def _upload(api, card_id, data: bytes, name: str = "brief.png"):
    return api.post(
        f"/api/work/cards/{card_id}/attachments", {"file": SimpleUploadedFile(name, data)}
    )


def test_a_file_is_uploaded_listed_downloaded_and_deleted(api, card):
    files_before = set(_stored())  # another test's files may still be in the data dir
    created = _upload(api, card.pk, PNG, "../../etc/brief.txt")
    assert created.status_code == 201, created.content
    body = created.json()
    assert {k: body[k] for k in ("card", "filename", "content_type", "size", "uploaded_by")} == {
        "card": card.pk,
        "filename": "brief.txt",  # the path is dropped; the type is the bytes', not the name's
        "content_type": "image/png",
        "size": len(PNG),
        "uploaded_by": "mia",
    }
    assert AuditEntry.objects.filter(action="card.attach").count() == 1
    _upload(api, card.pk, PDF, "report.pdf")
    listed = api.get(f"/api/work/cards/{card.pk}/attachments").json()
    assert [(a["filename"], a["content_type"]) for a in listed] == [
        ("brief.txt", "image/png"),
        ("report.pdf", "application/pdf"),
    ]

    download = api.get(body["download"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"

    assert api.delete(f"/api/work/attachments/{body['id']}").status_code == 204
    assert [a["filename"] for a in api.get(f"/api/work/cards/{card.pk}/attachments").json()] == [
        "report.pdf"
    ]
    assert len(set(_stored()) - files_before) == 1
    removal = AuditEntry.objects.get(action="card.detach")
    assert removal.before == {"file": "brief.txt", "size": len(PNG)}
    assert api.get(body["download"]).status_code == 404


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GIF", "is not a PNG, JPEG, GIF, WebP or PDF file"),
        (b"<svg onload=alert(1)>", "is not a PNG, JPEG, GIF, WebP or PDF file"),
        (b"", "is empty"),
        (PNG + b"\x00" * attachments.MAX_BYTES, "the limit is 10,485,760"),
    ],
)
def test_a_refused_upload_names_the_file_and_keeps_nothing(api, card, data, reason):
    before = _ledger()
    refused = _upload(api, card.pk, data, "x.png")
    assert refused.status_code == 422
    assert reason in refused.json()["errors"]["file"]
    assert _ledger() == before


def test_an_upload_without_a_file_is_refused_naming_the_field(api, card):
    before = _ledger()
    refused = api.post(f"/api/work/cards/{card.pk}/attachments", {})
    assert refused.status_code == 422
    assert "file" in str(refused.json()["errors"])
    assert _ledger() == before


def test_a_card_holds_at_most_its_limit_of_files(api, card, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_PER_CARD", 2)
    assert _upload(api, card.pk, PNG).status_code == 201
    assert _upload(api, card.pk, PNG).status_code == 201
    before = _ledger()
    refused = _upload(api, card.pk, PNG)
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"file": "a card holds at most 2 attachments"}
    assert _ledger() == before


def test_staff_read_files_and_another_workspace_finds_none(api, card, workspace):
    file_id = _upload(api, card.pk, PNG).json()["id"]
    staff = _client(workspace, "sam", Role.STAFF)
    assert staff.get(f"/api/work/cards/{card.pk}/attachments").status_code == 200
    assert b"".join(staff.get(f"/api/work/attachments/{file_id}").streaming_content) == PNG
    other = core.create_workspace("Other", slug="other")
    stranger = _client(other, "zed", Role.ADMIN)
    before = _ledger()
    assert stranger.get(f"/api/work/attachments/{file_id}").status_code == 404
    assert stranger.delete(f"/api/work/attachments/{file_id}").status_code == 404
    assert stranger.get(f"/api/work/cards/{card.pk}/attachments").status_code == 404
    assert _upload(stranger, card.pk, PNG).status_code == 404
    assert _ledger() == before
