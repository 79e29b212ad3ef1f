"""Messages on a contact's timeline (``pacer.core.timeline``): each email and text sent to
them, and what they did with an email (opened, clicked, unsubscribed, bounced,
complained), each when it happened."""

from django.urls import reverse

from pacer.core.timeline import Bound, Entry, TimelineSource, keyset
from pacer.messaging.models import EventKind, Message, MessageEvent, SmsMessage

DETAIL_LENGTH = 200


def email_entries(
    workspace_id: int,
    contact_id: int,
    *,
    older_than: Bound | None = None,
    newer_than: Bound | None = None,
    limit: int,
) -> list[Entry]:
    """The emails sent to the contact, named by their broadcast (the subject is a
    template: what the contact read is on the broadcast's page)."""
    rows = Message.objects.filter(
        workspace_id=workspace_id, contact_id=contact_id, sent_at__isnull=False
    ).select_related("broadcast")
    rows = keyset(rows, "sent_at", older_than=older_than, newer_than=newer_than, limit=limit)
    return [
        Entry(
            at=row.sent_at,
            kind="email",
            id=row.pk,
            title=f"Email sent: {row.broadcast.name}",
            detail=f"to {row.email}"[:DETAIL_LENGTH],
            href=reverse("broadcast", args=[row.broadcast_id]),
        )
        for row in rows
    ]


def response_entries(
    workspace_id: int,
    contact_id: int,
    *,
    older_than: Bound | None = None,
    newer_than: Bound | None = None,
    limit: int,
) -> list[Entry]:
    """What the contact did with the emails sent to them."""
    rows = MessageEvent.objects.filter(
        workspace_id=workspace_id, message__contact_id=contact_id
    ).select_related("message__broadcast")
    rows = keyset(rows, "at", older_than=older_than, newer_than=newer_than, limit=limit)
    return [
        Entry(
            at=row.at,
            kind="email-response",
            id=row.pk,
            title=f"Email {EventKind(row.kind).label.lower()}: {row.message.broadcast.name}",
            detail=(row.url if row.kind == EventKind.CLICK else row.detail)[:DETAIL_LENGTH],
            href=reverse("broadcast", args=[row.message.broadcast_id]),
        )
        for row in rows
    ]


def text_entries(
    workspace_id: int,
    contact_id: int,
    *,
    older_than: Bound | None = None,
    newer_than: Bound | None = None,
    limit: int,
) -> list[Entry]:
    """The texts sent to the contact."""
    rows = SmsMessage.objects.filter(
        workspace_id=workspace_id, contact_id=contact_id, sent_at__isnull=False
    )
    rows = keyset(rows, "sent_at", older_than=older_than, newer_than=newer_than, limit=limit)
    return [
        Entry(
            at=row.sent_at,
            kind="text",
            id=row.pk,
            title="Text sent",
            detail=f"to {row.to_number} · {row.text}"[:DETAIL_LENGTH],
        )
        for row in rows
    ]


EMAILS = TimelineSource("email", "Emails sent", email_entries)
RESPONSES = TimelineSource("email-response", "Email activity", response_entries)
TEXTS = TimelineSource("text", "Texts sent", text_entries)
