"""The ``change-feed-prune`` loop has nothing a kill can break: ``prune`` is one DELETE
of batches every subscriber has handled (the database applies it whole or not at all)
and writes nothing else, so a killed run leaves the feed as it was or pruned. What it
must be is idempotent: run twice, the second run deletes nothing and changes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pacer.core import feed
from pacer.core.models import ChangeBatch, FeedCursor
from pacer.ingest.actions import ingest

pytestmark = pytest.mark.django_db(transaction=True)


def test_prune_run_twice_deletes_once_and_then_changes_nothing(workspace):
    now = timezone.now()
    for n in range(4):
        ingest(
            workspace,
            [{"type": "identify", "messageId": f"i{n}", "userId": f"u{n}"}],
            received_at=now,
        )
    while feed.deliver_all():
        pass
    delivered = list(ChangeBatch.objects.order_by("id").values_list("id", flat=True))
    late = feed.publish(workspace.pk, source="test", contact_ids=[1]).pk
    batches = [*delivered, late]
    assert len(batches) == 5
    positions = FeedCursor.objects.filter(subscriber__in=[s.name for s in feed.subscribers()])
    assert set(positions.values_list("position", flat=True)) == {delivered[-1]}
    # the first three a week old, the fourth recent; the fifth old but not yet delivered
    ChangeBatch.objects.filter(id__in=[*batches[:3], batches[4]]).update(
        created_at=now - timedelta(days=8)
    )
    cursors = sorted(FeedCursor.objects.values_list("subscriber", "position"))

    assert feed.prune() == 3
    left = list(ChangeBatch.objects.order_by("id").values_list("id", "created_at"))
    assert [pk for pk, _ in left] == batches[3:]
    assert feed.prune() == 0
    assert list(ChangeBatch.objects.order_by("id").values_list("id", "created_at")) == left
    assert sorted(FeedCursor.objects.values_list("subscriber", "position")) == cursors
