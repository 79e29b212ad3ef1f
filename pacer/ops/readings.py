"""Current values of what operators watch, read from the database at scrape time.

Each function is one cheap, indexed query (or none), so ``/metrics`` can be scraped
every few seconds. Operations reads other domains' state here (and only here).
"""

import math
from datetime import datetime

from django.conf import settings
from django.db.models import Count
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from pacer.core import feed
from pacer.core.models import ChangeBatch, FeedCursor
from pacer.ingest.selectors import pending_window
from pacer.warehouse.sync import last_sync

QUEUED = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


def processing_lag_seconds(now: datetime) -> float:
    """How long the oldest pending event has waited since it was received (0 if none)."""
    window = pending_window()
    if window is None:
        return 0.0
    return max(0.0, (now - window[0]).total_seconds())


def task_queue_depth() -> dict[tuple[str, str], int]:
    """Background tasks ready or running, by (queue, status), every configured queue
    present (0 when empty)."""
    queues = settings.TASKS["default"].get("QUEUES") or ["default"]
    depth = {(queue, status.lower()): 0 for queue in queues for status in QUEUED}
    counted = (
        DBTaskResult.objects.filter(status__in=QUEUED)
        .values_list("queue_name", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for queue, status, n in counted:
        depth[(queue, status.lower())] = n
    return depth


def warehouse_sync_age_seconds(now: datetime) -> float:
    """Seconds since the last successful warehouse sync finished (infinity if none has)."""
    run = last_sync()
    if run is None or run.finished_at is None:
        return math.inf
    return max(0.0, (now - run.finished_at).total_seconds())


def feed_lag_batches(names: list[str] | None = None) -> int:
    """Change-feed batches the slowest of the subscribers (by default the registered
    ones) has not handled yet (0 with none)."""
    if names is None:
        names = [subscriber.name for subscriber in feed.subscribers()]
    if not names:
        return 0
    positions = dict(
        FeedCursor.objects.filter(subscriber__in=names).values_list("subscriber", "position")
    )
    slowest = min(positions.get(name, 0) for name in names)
    return ChangeBatch.objects.filter(id__gt=slowest).count()
