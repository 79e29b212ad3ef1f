"""Messages on a contact's timeline (``pacer.core.timeline``): each email and text sent to
them, and what they did with an email (opened, clicked, unsubscribed, bounced,
complained), each when it happened."""

from django.urls import reverse

from pacer.core.timeline import Wording, query_source
from pacer.messaging.models import EventKind, Message, MessageEvent, SmsMessage

DETAIL_LENGTH = 200


def _emails(workspace_id: int, contact_id: int):
    return Message.objects.filter(
        workspace_id=workspace_id, contact_id=contact_id, sent_at__isnull=False
    ).select_related("broadcast")


def _email(row: Message, contact_id: int) -> Wording:
    """An email named by its broadcast (the subject is a template: what the contact read
    is on the broadcast's page)."""
    return Wording(
        title=f"Email sent: {row.broadcast.name}",
        detail=f"to {row.email}"[:DETAIL_LENGTH],
        href=reverse("broadcast", args=[row.broadcast_id]),
    )


def _responses(workspace_id: int, contact_id: int):
    return MessageEvent.objects.filter(
        workspace_id=workspace_id, message__contact_id=contact_id
    ).select_related("message__broadcast")


def _response(row: MessageEvent, contact_id: int) -> Wording:
    return Wording(
        title=f"Email {EventKind(row.kind).label.lower()}: {row.message.broadcast.name}",
        detail=(row.url if row.kind == EventKind.CLICK else row.detail)[:DETAIL_LENGTH],
        href=reverse("broadcast", args=[row.message.broadcast_id]),
    )


def _texts(workspace_id: int, contact_id: int):
    return SmsMessage.objects.filter(
        workspace_id=workspace_id, contact_id=contact_id, sent_at__isnull=False
    )


def _text(row: SmsMessage, contact_id: int) -> Wording:
    return Wording(title="Text sent", detail=f"to {row.to_number} · {row.text}"[:DETAIL_LENGTH])


EMAILS = query_source("email", "Emails sent", _emails, "sent_at", _email)
# what the contact did with the emails sent to them
RESPONSES = query_source("email-response", "Email activity", _responses, "at", _response)
TEXTS = query_source("text", "Texts sent", _texts, "sent_at", _text)
