"""Files on cards: accepted by content (not by name), refused over the size limit or of
another type with nothing kept (no row, no file, no audit entry), read back byte for
byte, deleted with their file; and the pages that upload, download and delete them."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions, attachments
from pacer.work.models import Attachment
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db(transaction=True)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
PDF = b"%PDF-1.7\n%fake but starts right\n"


def _stored() -> list[Path]:
    root = Path(settings.DATA_DIR) / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def card(board):
    return actions.create_card(board, title="with files", now=NOW)


def test_a_file_is_attached_by_its_content_and_read_back(card, admin):
    before = set(_stored())
    attachment = attachments.upload(
        card, filename="../../brief.txt", data=PDF, now=NOW, actor=admin
    )
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "brief.txt",
        "application/pdf",
        len(PDF),
    )
    assert attachments.read(attachment) == PDF
    assert len(set(_stored()) - before) == 1
    assert AuditEntry.objects.filter(action="card.attach").count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", "is empty"),
        (b"<html>not a picture</html>", "is not a PNG, JPEG, GIF, WebP or PDF file"),
        (b"MZ\x90\x00 an executable named .png", "is not a PNG, JPEG, GIF, WebP or PDF file"),
        (PNG + b"\x00" * attachments.MAX_BYTES, "the limit is 10,485,760"),
    ],
)
def test_a_refused_file_leaves_nothing_behind(card, data, error):
    before = (set(_stored()), Attachment.objects.count(), AuditEntry.objects.count())
    with pytest.raises(ValidationFailed) as refused:
        attachments.upload(card, filename="picture.png", data=data, now=NOW)
    assert error in refused.value.errors["file"]
    assert (set(_stored()), Attachment.objects.count(), AuditEntry.objects.count()) == before


def test_a_row_that_cannot_be_written_takes_its_file_away(card, monkeypatch):
    before = set(_stored())

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Attachment.objects, "create", broken)
    with pytest.raises(RuntimeError):
        attachments.upload(card, filename="a.png", data=PNG, now=NOW)
    assert set(_stored()) == before


def test_deleting_an_attachment_removes_its_file(card):
    attachment = attachments.upload(card, filename="a.png", data=PNG, now=NOW)
    path = Path(settings.DATA_DIR) / "attachments" / attachment.key
    assert path.exists()
    attachments.delete(attachment)
    assert not path.exists() and not Attachment.objects.exists()


def test_the_card_page_uploads_downloads_and_deletes(card, admin, workspace):
    from pacer.core import actions as core
    from pacer.core.roles import Role

    client = Client()
    client.force_login(admin)
    upload = SimpleUploadedFile("photo.png", PNG, content_type="text/plain")
    response = client.post(f"/work/cards/{card.pk}/attachments/", {"file": upload})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == "image/png"  # by content: the stated type is ignored
    page = client.get(f"/work/cards/{card.pk}/").content.decode()
    assert f"/work/attachments/{attachment.pk}/" in page and "photo.png" in page
    download = client.get(f"/work/attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert 'attachment; filename="photo.png"' in download["Content-Disposition"]
    refused = client.post(
        f"/work/cards/{card.pk}/attachments/",
        {"file": SimpleUploadedFile("x.png", b"not an image")},
    )
    assert refused.status_code == 422 and "judged by its content" in refused.content.decode()
    assert Attachment.objects.count() == 1

    analyst = core.create_user(workspace, "ana", "long-password-1", Role.ANALYST)
    other = Client()
    other.force_login(analyst)
    assert other.get(f"/work/attachments/{attachment.pk}/").status_code == 200
    anonymous = Client().post(f"/work/attachments/{attachment.pk}/delete/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")
    assert Attachment.objects.count() == 1
    assert client.post(f"/work/attachments/{attachment.pk}/delete/").status_code == 302
    assert not Attachment.objects.exists()
    assert client.get(f"/work/attachments/{attachment.pk}/").status_code == 404
