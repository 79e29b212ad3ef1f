"""The change feed: published with the change, in order, to each subscriber at its pace."""

import pytest
from django.db import transaction

from pacer.core import feed
from pacer.core.models import AuditEntry, ChangeBatch, FeedCursor
from pacer.ingest.actions import ingest
from pacer.ingest.csv_io import import_contacts
from pacer.people.models import Contact

pytestmark = pytest.mark.django_db(transaction=True)


def _identify(message_id, **fields):
    return {"type": "identify", "messageId": message_id, **fields}


def test_processing_publishes_the_contacts_it_changed_merges_and_event_range(workspace):
    from django.utils import timezone

    now = timezone.now()
    for messages in (
        [{"type": "page", "messageId": "p1", "anonymousId": "anon-1"}],
        [_identify("i1", userId="u1", traits={"email": "ann@example.com"})],
        [
            {"type": "page", "messageId": "p2", "userId": "u1"},
            _identify("i2", anonymousId="anon-1", userId="u1"),
        ],
    ):
        ingest(workspace, messages, received_at=now)
    visitor, known = Contact.objects.filter(workspace=workspace).order_by("id")
    first, second, third = ChangeBatch.objects.order_by("id")
    assert (first.source, first.contact_ids, first.merges) == ("events", [visitor.pk], [])
    assert (second.contact_ids, second.merges) == ([known.pk], [])
    # the older contact survives; the batch names the survivor and the merge
    assert (third.contact_ids, third.merges) == ([visitor.pk], [[known.pk, visitor.pk]])
    known.refresh_from_db()
    assert known.merged_into_id == visitor.pk
    ids = list(workspace.event_set.order_by("id").values_list("id", flat=True))
    assert [(b.first_event_id, b.last_event_id) for b in (first, second, third)] == [
        (ids[0], ids[0]),
        (ids[1], ids[1]),
        (ids[2], ids[3]),
    ]


def test_a_change_that_rolls_back_publishes_nothing(workspace):
    with pytest.raises(RuntimeError), transaction.atomic():
        feed.publish(workspace.pk, source="test", contact_ids=[1])
        raise RuntimeError("the change failed")
    assert not ChangeBatch.objects.exists()
    assert feed.publish(workspace.pk, source="test") is None  # nothing to say
    assert not ChangeBatch.objects.exists()


def test_csv_import_publishes_the_contacts_it_created_and_updated(workspace):
    report = import_contacts(
        workspace,
        "email,first_name\nann@example.com,Ann\nbob@example.com,Bob\n",
        {"email": "email", "first_name": "first_name"},
    )
    assert report.created == 2
    batch = ChangeBatch.objects.get()
    assert batch.source == "contacts.import"
    assert batch.contact_ids == sorted(Contact.objects.values_list("pk", flat=True))
    import_contacts(
        workspace,
        "email,first_name\nann@example.com,Anne\n",
        {"email": "email", "first_name": "first_name"},
    )
    ann = Contact.objects.get(email="ann@example.com")
    assert ChangeBatch.objects.order_by("-id").first().contact_ids == [ann.pk]


class Recorder:
    def __init__(self, name, fail_after=None):
        self.name, self.fail_after, self.seen = name, fail_after, []
        self.subscriber = feed.Subscriber(name, self.handle)

    def handle(self, batches):
        for batch in batches:
            AuditEntry.objects.create(
                workspace_id=batch.workspace_id,
                action=f"{self.name}.saw",
                object_type="ChangeBatch",
                object_id=str(batch.pk),
            )
        if self.fail_after is not None and len(self.seen) + len(batches) > self.fail_after:
            raise RuntimeError("subscriber failed")
        self.seen += [b.pk for b in batches]


def test_each_subscriber_gets_every_batch_once_in_order_at_its_own_pace(workspace):
    published = [feed.publish(workspace.pk, source="test", contact_ids=[n]).pk for n in range(1, 8)]
    fast, slow = Recorder("fast"), Recorder("slow")
    assert feed.deliver(fast.subscriber) == 7
    assert feed.deliver(slow.subscriber, limit=3) == 3
    assert fast.seen == published and slow.seen == published[:3]
    assert feed.deliver(fast.subscriber) == 0
    assert feed.deliver(slow.subscriber) == 4
    assert slow.seen == published
    assert dict(FeedCursor.objects.values_list("subscriber", "position")) == {
        "fast": published[-1],
        "slow": published[-1],
    }


def test_a_delivery_stops_at_its_contact_bound_and_always_takes_one_batch(workspace, monkeypatch):
    """A backlog of big batches is handed over a bounded number of contacts per commit
    (the commit holds SQLite's write lock: logins wait behind it), the first batch whatever
    its size; the cursor moves only past what was handed."""
    monkeypatch.setattr(feed, "CONTACTS_PER_DELIVERY", 5)
    sizes = [3, 2, 1, 9, 4]
    published = [
        feed.publish(workspace.pk, source="test", contact_ids=range(1, size + 1)).pk
        for size in sizes
    ]
    reader = Recorder("reader")
    handed = [feed.deliver(reader.subscriber) for _ in range(5)]
    assert handed == [2, 1, 1, 1, 0]  # 3+2; 1 (+9 is over); 9 alone; 4
    assert reader.seen == published
    assert FeedCursor.objects.get(subscriber="reader").position == published[-1]


def test_a_failing_subscriber_keeps_its_place_and_its_writes_roll_back(workspace):
    published = [feed.publish(workspace.pk, source="test", contact_ids=[n]).pk for n in range(1, 5)]
    flaky = Recorder("flaky", fail_after=0)
    with pytest.raises(RuntimeError):
        feed.deliver(flaky.subscriber)
    assert FeedCursor.objects.get(subscriber="flaky").position == 0
    assert not AuditEntry.objects.filter(action="flaky.saw").exists()
    flaky.fail_after = None
    assert feed.deliver(flaky.subscriber) == 4
    assert flaky.seen == published
    assert AuditEntry.objects.filter(action="flaky.saw").count() == 4


def test_prune_keeps_what_a_subscriber_has_not_handled(workspace, settings):
    from datetime import timedelta

    from django.utils import timezone

    old = [feed.publish(workspace.pk, source="test", contact_ids=[n]) for n in range(1, 5)]
    ChangeBatch.objects.filter(pk__in=[b.pk for b in old]).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    reader = Recorder("reader")
    feed.deliver(reader.subscriber, limit=2)
    registered = feed.subscribers
    feed.subscribers = lambda: [reader.subscriber]
    try:
        assert feed.prune(keep_days=7) == 2
    finally:
        feed.subscribers = registered
    assert list(ChangeBatch.objects.order_by("id").values_list("pk", flat=True)) == [
        b.pk for b in old[2:]
    ]


def test_catch_up_hands_every_subscriber_everything_over_as_many_deliveries_as_it_takes(
    workspace, monkeypatch
):
    monkeypatch.setattr(feed, "CONTACTS_PER_DELIVERY", 2)
    published = [
        feed.publish(workspace.pk, source="test", contact_ids=[n, n + 1]).pk for n in (1, 3, 5)
    ]
    names = [subscriber.name for subscriber in feed.subscribers()]
    assert len(names) >= 2  # the domains' registered subscribers
    # one batch per delivery (each is at the bound): three rounds, then one finding nothing
    assert feed.catch_up() == 3 * len(names)
    positions = dict(
        FeedCursor.objects.filter(subscriber__in=names).values_list("subscriber", "position")
    )
    assert positions == dict.fromkeys(names, published[-1])
    assert feed.catch_up() == 0
