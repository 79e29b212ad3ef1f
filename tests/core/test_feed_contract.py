"""The change feed's edges: what prune keeps, and one delivery to every registered
subscriber (found by mutation testing: docs/testing.md)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pacer.core import feed
from pacer.core.models import ChangeBatch, FeedCursor
from pacer.ingest.actions import ingest

pytestmark = pytest.mark.django_db(transaction=True)


def _batches(workspace, *ages_in_hours):
    """Batches published ``ages_in_hours`` ago, oldest first."""
    batches = []
    for n, age in enumerate(ages_in_hours, start=1):
        batch = feed.publish(workspace.pk, source="test", contact_ids=[n])
        ChangeBatch.objects.filter(pk=batch.pk).update(
            created_at=timezone.now() - timedelta(hours=age)
        )
        batches.append(batch.pk)
    return batches


def _handled_by(monkeypatch, *names):
    """Register subscribers ``names``, each having handled everything published so far."""
    last = ChangeBatch.objects.order_by("-id").values_list("pk", flat=True).first()
    subscribers = [feed.Subscriber(name, lambda batches: None) for name in names]
    for subscriber in subscribers:
        FeedCursor.objects.create(subscriber=subscriber.name, position=last)
    monkeypatch.setattr(feed, "subscribers", lambda: subscribers)


def _left():
    return list(ChangeBatch.objects.order_by("id").values_list("pk", flat=True))


def test_prune_keeps_a_week_by_default(workspace, monkeypatch):
    older, newer = _batches(workspace, 7 * 24 + 12, 6 * 24 + 12)
    _handled_by(monkeypatch, "reader")
    assert feed.prune() == 1
    assert _left() == [newer]


def test_prune_keeps_recent_batches_every_subscriber_has_handled(workspace, monkeypatch):
    batches = _batches(workspace, 1, 0)
    _handled_by(monkeypatch, "reader", "writer")
    assert feed.prune(keep_days=7) == 0
    assert _left() == batches


def test_prune_deletes_nothing_while_a_registered_subscriber_has_never_run(workspace, monkeypatch):
    batches = _batches(workspace, 30 * 24, 20 * 24)
    _handled_by(monkeypatch, "reader")
    never_ran = feed.Subscriber("new", lambda batches: None)
    registered = feed.subscribers()
    monkeypatch.setattr(feed, "subscribers", lambda: [*registered, never_ran])
    assert feed.prune(keep_days=7) == 0
    assert _left() == batches


def test_deliver_all_hands_each_registered_subscriber_its_batches(workspace):
    now = timezone.now()
    for n in range(3):
        ingest(
            workspace,
            [{"type": "identify", "messageId": f"i{n}", "userId": f"u{n}"}],
            received_at=now,
        )
    published = _left()
    assert len(published) == 3
    names = [subscriber.name for subscriber in feed.subscribers()]
    assert names  # the leads domain follows the feed
    assert feed.deliver_all() == 3 * len(names)
    positions = dict(FeedCursor.objects.values_list("subscriber", "position"))
    assert positions == {name: published[-1] for name in names}
    assert feed.deliver_all() == 0
