"""A person's messages (the outbox rows addressed to their contacts), for the privacy
export and erasure: the outbox keys messages by contact id, not by a foreign key."""

from django.db.models import QuerySet

from pacer.core.models import Workspace
from pacer.messaging.models import Message


def person_rows(workspace: Workspace, contact_ids) -> dict[str, QuerySet]:
    rows = Message.objects.filter(workspace=workspace, contact_id__in=list(contact_ids))
    return {Message._meta.label_lower: rows.order_by("pk")}
