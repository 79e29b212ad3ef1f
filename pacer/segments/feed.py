"""Segments follow the change feed: the contacts each batch touched (and both sides of
each merge) are re-evaluated against every dynamic segment of their workspace."""

from collections import defaultdict

from django.utils import timezone

from pacer.core.feed import Subscriber
from pacer.core.models import ChangeBatch, Workspace
from pacer.segments.actions import refresh_contacts


def handle(batches: list[ChangeBatch]) -> None:
    touched: dict[int, set[int]] = defaultdict(set)
    for batch in batches:
        touched[batch.workspace_id].update(batch.contact_ids)
        touched[batch.workspace_id].update(c for pair in batch.merges for c in pair)
    now = timezone.now()
    for workspace_id, contact_ids in touched.items():
        # only its id is read (a batch goes with its workspace: deleting one deletes both)
        refresh_contacts(Workspace(pk=workspace_id), contact_ids, now=now)


SUBSCRIBER = Subscriber("segments", handle)
