"""The segments subscriber killed mid-delivery: a real process delivering the change feed
to ``pacer.segments.feed`` dies by SIGKILL at the moments that matter
(``pacer.core.faults`` points between two segments' changes, before the cursor moves,
before COMMIT, after it). After each kill, every contact a delivered batch touched has
exactly the memberships and the entered/exited history an undisturbed delivery gives,
every other contact the history it had before, and the memberships are what the history
says; a rerun then ends as the undisturbed run. Two rounds: people become leads (enter
"Leads"), then half of them buy (leave "Leads", enter "Buyers")."""

from collections import defaultdict

import pytest
from django.utils import timezone

from pacer.core import actions as core_actions
from pacer.core.feed import deliver
from pacer.ingest.actions import accept
from pacer.ingest.processing import process_pending
from pacer.people.models import Contact
from pacer.segments import actions
from pacer.segments.feed import SUBSCRIBER
from pacer.segments.models import Membership, MembershipChange
from tests.core.feed_processes import SIGKILL, delivered_batches, run_delivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
SEGMENTS_FEED = "pacer.segments.feed.SUBSCRIBER"
PEOPLE = 10
# With 2 batches per delivery and 10 batches a round, each point is still reached after
# the deliveries the earlier kills committed (3 of 5).
FAULTS = [
    "feed.handled:1",  # both segments' changes written; cursor not moved
    "segments.refresh.applied:1",  # the first batch's changes to both segments written
    "feed.advanced:1",  # changes and cursor written, before COMMIT
    "feed.committed:1",  # one delivery committed, killed right after
    "segments.refresh.applied:3",  # one committed; the next killed after its first batch
    "feed.handled:2",  # one committed; the next killed before its cursor moved
]


def field(name, op, value):
    return {"type": "field", "field": name, "op": op, "value": value}


def audience(slug: str):
    workspace = core_actions.create_workspace(slug, slug=slug)
    for name, condition in (
        ("Leads", field("lifecycle_stage", "eq", "lead")),
        ("Buyers", field("order_count", "gte", 1)),
    ):
        definition = {"type": "group", "op": "and", "negate": False, "children": [condition]}
        actions.create_segment(workspace, name=name, definition=definition)
    return workspace


def one_by_one(workspace, messages: list[dict]) -> None:
    """Each message accepted and processed on its own: a change-feed batch each."""
    for message in messages:
        accept(workspace, [message], received_at=timezone.now())
        process_pending(workspace)


def round_of(number: int) -> list[dict]:
    if number == 1:  # everyone signs up: a lead (the Leads segment)
        return [
            {
                "type": "identify",
                "messageId": f"i{n}",
                "anonymousId": f"anon-{n}",
                "userId": f"user-{n}",
                "traits": {"email": f"p{n}@x.test"},
            }
            for n in range(PEOPLE)
        ]
    return [  # half of them buy (a customer: leaves Leads, enters Buyers), half look
        {
            "type": "track",
            "messageId": f"o{n}",
            "userId": f"user-{n}",
            "event": "Order Completed",
            "properties": {"order_id": f"o{n}", "total": 20},
        }
        if n % 2 == 0
        else {"type": "page", "messageId": f"p{n}", "userId": f"user-{n}", "name": "Shop"}
        for n in range(PEOPLE)
    ]


def history(workspace) -> dict[tuple[str, str], list[str]]:
    """Each contact's entries and exits per segment, oldest first, by segment name and
    the contact's email."""
    changes = defaultdict(list)
    for segment, email, change in (
        MembershipChange.objects.filter(workspace=workspace)
        .order_by("id")
        .values_list("segment__name", "contact__email", "change")
    ):
        changes[(segment, email)].append(change)
    return dict(changes)


def assert_members_follow_the_history(workspace) -> None:
    members = set(
        Membership.objects.filter(workspace=workspace).values_list(
            "segment__name", "contact__email"
        )
    )
    for key, changes in history(workspace).items():
        alternating = ["entered", "exited"] * len(changes)
        assert changes == alternating[: len(changes)], (key, changes)
        assert (key in members) == (changes[-1] == "entered"), (key, changes)
    assert members <= set(history(workspace))


def touched_emails(workspace, batches) -> set[str]:
    ids = {c for batch in batches for c in batch.contact_ids}
    ids |= {c for batch in batches for pair in batch.merges for c in pair}
    return set(Contact.objects.filter(pk__in=ids).values_list("email", flat=True))


def test_segment_delivery_killed_at_each_point_records_each_entry_and_exit_once():
    clean, crashed = audience("clean"), audience("crashed")
    before = {}  # the undisturbed history before the round
    kills = []
    for number in (1, 2):
        one_by_one(clean, round_of(number))
        while deliver(SUBSCRIBER, limit=2):
            pass
        expected = history(clean)
        one_by_one(crashed, round_of(number))
        already = {b.pk for b in delivered_batches(crashed, SUBSCRIBER.name)}
        for fault in FAULTS:
            status, output = run_delivery(SEGMENTS_FEED, fault=fault)
            assert status == SIGKILL, f"round {number}: {fault} not reached: {output[-2000:]}"
            delivered = [
                b for b in delivered_batches(crashed, SUBSCRIBER.name) if b.pk not in already
            ]
            touched = touched_emails(crashed, delivered)
            kills.append((number, fault, len(delivered)))
            assert_members_follow_the_history(crashed)
            now = history(crashed)
            for key in set(now) | set(expected) | set(before):
                wanted = expected if key[1] in touched else before
                assert now.get(key) == wanted.get(key), (key, kills)
        assert 0 < kills[-1][2] < PEOPLE, kills  # the kills left some batches undelivered
        status, output = run_delivery(SEGMENTS_FEED)
        assert status == 0, output[-2000:]
        assert history(crashed) == expected
        assert_members_follow_the_history(crashed)
        before = expected
    buyers = [f"p{n}@x.test" for n in range(0, PEOPLE, 2)]
    assert expected == {
        **{("Leads", f"p{n}@x.test"): ["entered"] for n in range(PEOPLE)},
        **{("Leads", email): ["entered", "exited"] for email in buyers},
        **{("Buyers", email): ["entered"] for email in buyers},
    }
