"""Two processes delivering the change feed to the same subscriber at the same moment take
turns on its cursor: every batch is handed to each subscriber once in all, and what the
leads and segments subscribers make is what one undisturbed delivery makes (each lead,
its task, timers and auto-reply once; each entry into a segment once). On PostgreSQL the
cursor row's lock (``SELECT ... FOR UPDATE``) is what makes them take turns; on SQLite
the database's single writer does, and one process ends up delivering everything."""

import pytest
from django.db import connection

from pacer.core.feed import deliver
from pacer.core.models import ChangeBatch
from pacer.leads.feed import SUBSCRIBER as LEADS
from pacer.segments import actions as segments
from pacer.segments.feed import SUBSCRIBER as SEGMENTS
from tests.core.feed_processes import position, together
from tests.leads.test_crash_feed import PEOPLE, agents_counters, arrive, business, state
from tests.segments.test_crash_feed import assert_members_follow_the_history, field, history

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def site(slug: str):
    """Leads' agents and policy, and a segment of everyone at the lead stage."""
    workspace = business(slug)
    condition = field("lifecycle_stage", "eq", "lead")
    definition = {"type": "group", "op": "and", "negate": False, "children": [condition]}
    segments.create_segment(workspace, name="Leads", definition=definition)
    return workspace


def test_two_deliverers_at_once_hand_each_batch_over_once_and_make_each_effect_once(tmp_path):
    clean = site("clean")
    arrive(clean)
    for subscriber in (LEADS, SEGMENTS):
        while deliver(subscriber, limit=1):
            pass
    expected_leads, expected_history = state(clean), history(clean)
    assert expected_history == {("Leads", f"p{n}@x.test"): ["entered"] for n in range(PEOPLE)}

    busy = site("busy")
    arrive(busy)
    batches = ChangeBatch.objects.filter(workspace=busy).count()
    last = ChangeBatch.objects.filter(workspace=busy).latest("id").pk
    handed = together(
        {
            "leads-1": ("pacer.leads.feed.SUBSCRIBER", 1),
            "leads-2": ("pacer.leads.feed.SUBSCRIBER", 1),
            "segments-1": ("pacer.segments.feed.SUBSCRIBER", 1),
            "segments-2": ("pacer.segments.feed.SUBSCRIBER", 1),
        },
        tmp_path,
    )
    assert handed["leads-1"] + handed["leads-2"] == batches, handed
    assert handed["segments-1"] + handed["segments-2"] == batches, handed
    if connection.vendor == "postgresql":
        # both really took part (a run where one did everything would prove nothing).
        # SQLite lets one writer at a time into the file, and its busy handler's back-off
        # lets the process that just committed take the lock again: one takes everything.
        assert min(handed.values()) > 0, handed
    assert position(LEADS.name) == position(SEGMENTS.name) == last
    assert state(busy) == expected_leads
    assert agents_counters(busy) == agents_counters(clean)
    assert history(busy) == expected_history
    assert_members_follow_the_history(busy)
