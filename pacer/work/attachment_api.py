"""A card's attachments over the REST API: upload (checked by its bytes), list,
download through the gate, delete."""

from datetime import datetime

from django.utils import timezone
from ninja import Field, File, Router, Schema, Status, UploadedFile

from pacer.core.api_schema import ERRORS, NOT_FOUND, Id
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.permissions import endpoint
from pacer.work import attachments
from pacer.work.api import WRITE, _card
from pacer.work.models import Attachment

router = Router(tags=["work"])


class AttachmentOut(Schema):
    id: int
    card: int
    filename: str
    content_type: str = Field(description="judged by the file's bytes, never by its name")
    size: int = Field(description="in bytes")
    sha256: str
    uploaded_by: str | None
    uploaded_at: datetime
    download: str = Field(description="the path that answers the file (through the gate)")


def _attachment_out(found: Attachment) -> dict:
    return {
        "id": found.pk,
        "card": found.card_id,
        "filename": found.filename,
        "content_type": found.content_type,
        "size": found.size,
        "sha256": found.sha256,
        "uploaded_by": found.uploaded_by.get_username() if found.uploaded_by else None,
        "uploaded_at": found.uploaded_at,
        "download": f"/api/work/attachments/{found.pk}",
    }


def _attachment(request, attachment_id: int) -> Attachment:
    found = (
        Attachment.objects.filter(workspace=request.workspace, pk=attachment_id)
        .select_related("card__workspace", "uploaded_by")
        .first()
    )
    if found is None:
        raise NotFound("attachment_id", f"no attachment {attachment_id} in this workspace")
    return found


@router.get(
    "/cards/{card_id}/attachments", response={200: list[AttachmentOut], **ERRORS, **NOT_FOUND}
)
@endpoint("work.view")
def list_attachments(request, card_id: Id):
    """The card's files, oldest first (a card holds at most 50)."""
    card = _card(request, card_id)
    return [_attachment_out(a) for a in card.attachments.select_related("uploaded_by")]


@router.post(
    "/cards/{card_id}/attachments",
    response={201: AttachmentOut, **WRITE},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {"properties": {"file": {"maxLength": attachments.MAX_BYTES}}}
                }
            }
        }
    },
)
@endpoint("work.edit")
def upload_attachment(request, card_id: Id, file: File[UploadedFile]):
    """Attach a file (multipart, field ``file``): PNG, JPEG, GIF, WebP or PDF, judged by
    its bytes, at most 10 MB; anything else is refused (422, ``file``) and nothing kept."""
    card = _card(request, card_id)
    if file.size > attachments.MAX_BYTES:
        raise ValidationFailed(
            {"file": f"is {file.size:,} bytes; the limit is {attachments.MAX_BYTES:,}"}
        )
    found = attachments.upload(
        card, filename=file.name or "", data=file.read(), now=timezone.now(), actor=request.user
    )
    return Status(201, _attachment_out(found))


DOWNLOAD_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")


@router.get(
    "/attachments/{attachment_id}",
    response={**ERRORS, **NOT_FOUND},
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, as a download, in the type its bytes are",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in DOWNLOAD_TYPES
                },
            }
        }
    },
)
@endpoint("work.view")
def download_attachment(request, attachment_id: Id):
    """The file's bytes (``Content-Disposition: attachment``, never shown inline)."""
    return attachments.download(_attachment(request, attachment_id))


@router.delete("/attachments/{attachment_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("work.edit")
def delete_attachment(request, attachment_id: Id):
    """Remove a file from its card (audited; its bytes go once the removal is committed)."""
    attachments.delete(_attachment(request, attachment_id), actor=request.user)
    return Status(204, None)
