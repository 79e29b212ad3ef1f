"""Reads for messaging pages and reports."""

from django.db.models import Count, Q

from pacer.core.models import Workspace
from pacer.messaging.models import (
    Broadcast,
    Message,
    MessageStatus,
    Sender,
    SuppressedAddress,
    Template,
)


def broadcasts(workspace: Workspace):
    """Broadcasts with their message counts per status, newest first."""
    counts = {
        status: Count("messages", filter=Q(messages__status=status))
        for status in MessageStatus.values
    }
    return (
        Broadcast.objects.filter(workspace=workspace)
        .select_related("template", "sender")
        .annotate(**counts)
        .order_by("-id")
    )


def broadcast(workspace: Workspace, broadcast_id: int) -> Broadcast | None:
    return broadcasts(workspace).filter(pk=broadcast_id).first()


def skip_reasons(workspace: Workspace, broadcast_id: int) -> list[tuple[str, int]]:
    """Why messages of a broadcast were skipped or failed, most common first."""
    rows = (
        Message.objects.filter(workspace=workspace, broadcast_id=broadcast_id)
        .exclude(reason="")
        .values("reason")
        .annotate(n=Count("id"))
        .order_by("-n", "reason")
    )
    return [(row["reason"], row["n"]) for row in rows]


def messages_of(workspace: Workspace, broadcast_id: int):
    return Message.objects.filter(workspace=workspace, broadcast_id=broadcast_id)


def templates(workspace: Workspace):
    return Template.objects.filter(workspace=workspace).order_by("name")


def template(workspace: Workspace, template_id: int) -> Template | None:
    return Template.objects.filter(workspace=workspace, pk=template_id).first()


def senders(workspace: Workspace):
    return Sender.objects.filter(workspace=workspace).order_by("name")


def suppressions(workspace: Workspace):
    return SuppressedAddress.objects.filter(workspace=workspace).order_by("-created_at")


def recipient_of(token: str) -> tuple[int, int, int | None] | None:
    """``(workspace id, contact id, broadcast id)`` of the message whose unsubscribe token
    this is (the per-recipient signature every email carries; nothing is written), or None
    for a token this install did not make. Lets another domain's link in an email know who
    clicked it."""
    from django.core import signing

    from pacer.messaging.actions import UNSUBSCRIBE_SALT

    try:
        workspace_id, message_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    found = (
        Message.objects.filter(workspace_id=workspace_id, pk=message_id)
        .values_list("workspace_id", "contact_id", "broadcast_id")
        .first()
    )
    return found
