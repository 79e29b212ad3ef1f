"""A person's messages (the outbox rows addressed to their contacts), what they did with
them (opens, clicks, unsubscribes) and their clicks as touchpoints (emails' and texts'),
for the privacy export and erasure: the outbox keys messages by contact id, not by a
foreign key."""

from django.db.models import QuerySet

from pacer.core.models import Workspace
from pacer.messaging.models import Click, Message, MessageEvent


def person_rows(workspace: Workspace, contact_ids) -> dict[str, QuerySet]:
    messages = Message.objects.filter(workspace=workspace, contact_id__in=list(contact_ids))
    events = MessageEvent.objects.filter(workspace=workspace, message__in=messages)
    # the events first: an erasure deletes in this order and counts each model's rows
    clicks = Click.objects.filter(workspace=workspace, contact_id__in=list(contact_ids))
    return {
        Click._meta.label_lower: clicks.order_by("pk"),
        MessageEvent._meta.label_lower: events.order_by("pk"),
        Message._meta.label_lower: messages.order_by("pk"),
    }
