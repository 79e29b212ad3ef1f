"""The change feed: what changed, durably and in order, for any number of subscribers.

Whatever changes contacts (event processing, CSV import, merges, CLV write-back) calls
``publish`` inside the transaction that makes the change, so a batch exists exactly when
its change committed; batch ids become visible in id order (on PostgreSQL the insert
takes an advisory lock, as the warehouse's cursor tables do).

A subscriber (leads, segments, journeys, ...) is a ``Subscriber`` listed in its domain's
``DomainConfig.subscribers``. ``deliver`` hands it the batches after its cursor, in order,
and moves the cursor in the same transaction as the subscriber's own writes: if the
handler fails, neither its writes nor the cursor move, and the same batches come again.
Handlers must therefore be idempotent for effects outside the database (an email, a
webhook): key them once in the database. Each subscriber goes at its own pace; two
workers delivering to the same subscriber take turns on its cursor row.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from pacer.core import faults
from pacer.core.bulk import lock_appends
from pacer.core.domains import loaded
from pacer.core.models import ChangeBatch, FeedCursor
from pacer.core.worker import wake

BATCHES_PER_DELIVERY = 100
# A delivery holds its transaction (on SQLite the one write lock: every writer, a login
# included, waits) while the subscriber works, so it also stops at this many contacts: a
# backlog of big batches (an import, the demo's history) goes a few thousand contacts per
# commit instead of 100 batches of thousands each. One batch always goes, whatever its size.
CONTACTS_PER_DELIVERY = 5000
DELIVERY_LOOP = "change-feed"  # the worker's loop running ``deliver_all`` (pacer.core.apps)


@dataclass(frozen=True)
class Subscriber:
    """``handle(batches)`` is called inside the delivery transaction with up to
    ``BATCHES_PER_DELIVERY`` batches (and ``CONTACTS_PER_DELIVERY`` contacts), oldest
    first."""

    name: str
    handle: Callable[[list[ChangeBatch]], None]


def publish(
    workspace_id: int,
    *,
    source: str,
    contact_ids: Iterable[int] = (),
    merges: Iterable[tuple[int, int]] = (),
    event_ids: tuple[int, int] | None = None,
) -> ChangeBatch | None:
    """Record a change; call it inside the transaction that makes it. Nothing to say,
    nothing recorded."""
    contacts = sorted(set(contact_ids))
    merged = [list(pair) for pair in merges]
    if not contacts and not merged and event_ids is None:
        return None
    lock_appends(ChangeBatch)
    first, last = event_ids or (None, None)
    batch = ChangeBatch.objects.create(
        workspace_id=workspace_id,
        source=source,
        contact_ids=contacts,
        merges=merged,
        first_event_id=first,
        last_event_id=last,
        created_at=timezone.now(),
    )
    # this process's delivery loop (if it runs here) delivers as soon as the batch commits
    transaction.on_commit(lambda: wake(DELIVERY_LOOP))
    return batch


def subscribers() -> list[Subscriber]:
    return loaded("subscribers")


def _bounded(batches: list[ChangeBatch]) -> list[ChangeBatch]:
    """The oldest of ``batches`` up to ``CONTACTS_PER_DELIVERY`` contacts (at least one)."""
    kept, contacts = [], 0
    for batch in batches:
        contacts += len(batch.contact_ids)
        if kept and contacts > CONTACTS_PER_DELIVERY:
            break
        kept.append(batch)
    return kept


def deliver(subscriber: Subscriber, *, limit: int = BATCHES_PER_DELIVERY) -> int:
    """Hand ``subscriber`` its next batches; returns how many."""
    FeedCursor.objects.get_or_create(subscriber=subscriber.name)
    with transaction.atomic():
        cursor = FeedCursor.objects.select_for_update().get(subscriber=subscriber.name)
        batches = _bounded(
            list(ChangeBatch.objects.filter(id__gt=cursor.position).order_by("id")[:limit])
        )
        if not batches:
            return 0
        subscriber.handle(batches)
        faults.point("feed.handled")  # the subscriber's writes made, the cursor not moved
        cursor.position, cursor.updated_at = batches[-1].id, timezone.now()
        cursor.save(update_fields=["position", "updated_at"])
        faults.point("feed.advanced")  # writes and cursor both made, before COMMIT
    faults.point("feed.committed")
    return len(batches)


def deliver_all() -> int:
    """One delivery to every registered subscriber (the worker's ``change-feed`` loop)."""
    return sum(deliver(subscriber) for subscriber in subscribers())


def catch_up() -> int:
    """Deliver to every subscriber until none has anything left (a demo's or a load's
    whole history at once, before anything waits on it); returns how many were handed."""
    handed = total = deliver_all()
    while handed:
        handed = deliver_all()
        total += handed
    return total


def prune(*, keep_days: int = 7) -> int:
    """Delete batches every registered subscriber has handled and older than
    ``keep_days``; returns how many."""
    names = [s.name for s in subscribers()]
    positions = list(
        FeedCursor.objects.filter(subscriber__in=names).values_list("position", flat=True)
    )
    if len(positions) < len(names):
        return 0  # a subscriber that has never run still needs everything
    old = ChangeBatch.objects.filter(created_at__lt=timezone.now() - timedelta(days=keep_days))
    if positions:
        old = old.filter(id__lte=min(positions))
    deleted, _ = old.delete()
    return deleted
