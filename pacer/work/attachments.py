"""Files on cards: upload (size limit, type judged by the bytes, never by the name; nothing
kept on a refusal), list, read, delete. The bytes are in ``pacer.core.storage`` under
``attachments/``; the row is written only after the file is, and a failed row removes
the file again."""

import hashlib
import io
import uuid
from datetime import datetime

from django.db import transaction
from django.http import FileResponse

from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.storage import storage
from pacer.work import checks
from pacer.work.models import Attachment, Card

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_CARD = 50
# the types accepted, by their first bytes (the file's name and stated type are ignored)
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
)


def files():
    return storage("attachments")


def sniff(data: bytes) -> str | None:
    """The content type the bytes are, by signature, or ``None``."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for magic, kind in SIGNATURES if data.startswith(magic)), None)


def _filename(name: str) -> str:
    cleaned = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    cleaned = "".join(ch for ch in cleaned if ch.isprintable())[:200]
    return cleaned or "attachment"


def upload(card: Card, *, filename: str, data: bytes, now: datetime, actor=None) -> Attachment:
    """Attach a PNG, JPEG, GIF, WebP or PDF file of at most ``MAX_BYTES`` to a card."""
    if not data:
        raise ValidationFailed({"file": "is empty"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": f"is {len(data):,} bytes; the limit is {MAX_BYTES:,}"})
    kind = sniff(data)
    if kind is None:
        raise ValidationFailed(
            {"file": "is not a PNG, JPEG, GIF, WebP or PDF file (judged by its content)"}
        )
    if card.attachments.count() >= MAX_PER_CARD:
        raise ValidationFailed({"file": f"a card holds at most {MAX_PER_CARD} attachments"})
    key = f"{card.workspace_id}/{card.pk}/{uuid.uuid4().hex}"
    files().save(key, data)
    try:
        with transaction.atomic():
            checks.writable(card)
            attachment = Attachment.objects.create(
                workspace_id=card.workspace_id,
                card=card,
                filename=_filename(filename),
                content_type=kind,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
                key=key,
                uploaded_by=checks.acting_user(actor),
                uploaded_at=now,
            )
            audit.record(
                card.workspace,
                "card.attach",
                card,
                actor=actor,
                after={"file": attachment.filename, "size": attachment.size, "type": kind},
            )
    except BaseException:
        files().delete(key)
        raise
    return attachment


def read(attachment: Attachment) -> bytes:
    return files().read(attachment.key)


def download(attachment: Attachment) -> FileResponse:
    """The file as a download, for the page and the API alike: never shown inline (its
    type was judged by its bytes), and no sniffing by the browser."""
    response = FileResponse(
        io.BytesIO(read(attachment)),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@transaction.atomic
def delete(attachment: Attachment, *, actor=None) -> None:
    """Remove the attachment; its file goes once the removal is committed."""
    checks.writable(attachment.card)
    key = attachment.key
    audit.record(
        attachment.card.workspace,
        "card.detach",
        attachment.card,
        actor=actor,
        before={"file": attachment.filename, "size": attachment.size},
    )
    attachment.delete()
    transaction.on_commit(lambda: files().delete(key))
