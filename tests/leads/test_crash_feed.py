"""The leads subscriber killed mid-delivery: a real process delivering the change feed to
``pacer.leads.feed`` dies by SIGKILL at the moments that matter (``pacer.core.faults``
points inside the delivery transaction and right after it). After each kill the leads
and everything made with them (stage history, owner, the agents' counters, timers, the
first-response task, the auto-reply, the assignment's audit entry) exist exactly for the
"Lead Created" events of the batches before the subscriber's cursor, each once and
exactly as an undisturbed delivery made them; a rerun then ends as the undisturbed run.
"""

from collections import Counter

import pytest
from django.utils import timezone

from pacer.core import actions as core_actions
from pacer.core.feed import deliver
from pacer.core.models import AuditEntry, Role
from pacer.ingest.actions import accept
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.feed import SUBSCRIBER
from pacer.leads.models import Agent, Lead, Notice, SlaPolicy, StageChange
from pacer.people.actions import upsert_locations
from tests.core.feed_processes import SIGKILL, delivered_batches, position, run_delivery

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
LEADS_FEED = "pacer.leads.feed.SUBSCRIBER"
PEOPLE = 12
WEIGHTS = {"ann": 3.0, "ben": 1.0, "cat": 2.0}
# Each armed point must be reached: after the deliveries the earlier kills committed, a
# process delivering 2 batches at a time still finds more (22 batches in all).
FAULTS = [
    "feed.handled:1",  # leads, tasks, timers, notices written; cursor not moved
    "leads.feed.recorded:2",  # the first batch's lead made, the second's not, in one delivery
    "feed.advanced:1",  # leads and the cursor written, before COMMIT
    "feed.committed:1",  # one delivery committed, killed right after
    "feed.handled:2",  # one delivery committed, the next killed before its cursor moved
    "feed.advanced:3",  # two committed, the third killed before COMMIT
]


def business(slug: str):
    """A workspace with a location, three weighted agents and a follow-up policy."""
    workspace = core_actions.create_workspace(slug, slug=slug)
    (north,) = upsert_locations(workspace, [{"code": "north", "name": "North"}])
    for name, weight in WEIGHTS.items():
        user = core_actions.create_user(workspace, f"{slug}-{name}", "correct-horse-1", Role.STAFF)
        Agent.objects.create(
            workspace=workspace, user=user, location_id=north.pk, weight=weight, max_open=100
        )
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    return workspace


def arrive(workspace) -> None:
    """Twelve leads, each processed on its own (a batch each), with visits between them
    (batches without leads): 22 batches."""
    now = timezone.now()
    for n in range(PEOPLE):
        actions.capture(
            workspace,
            {"email": f"p{n}@x.test", "location": "north", "submission_id": f"s{n}"},
            source="form",
            received_at=now,
        )
        process_pending(workspace)
        if n % 6 != 5:
            visit = {"type": "page", "messageId": f"v{n}", "anonymousId": f"visitor-{n}"}
            accept(workspace, [visit], received_at=now)
            process_pending(workspace)


def state(workspace) -> dict[str, tuple]:
    """Each lead, by its person's email, with everything its delivery made (owners named
    without the workspace's prefix; times that depend on when it ran left out)."""
    prefix = f"{workspace.slug}-"
    assigned = Counter(
        AuditEntry.objects.filter(workspace=workspace, action="leads.assign").values_list(
            "object_id", flat=True
        )
    )
    leads = {}
    for lead in Lead.objects.filter(workspace=workspace).select_related("contact", "owner"):
        leads[lead.contact.email] = (
            lead.stage,
            lead.owner.username.removeprefix(prefix) if lead.owner else None,
            lead.assignment_round,
            lead.respond_by is not None,
            sorted(lead.history.values_list("from_stage", "to_stage", "by")),
            sorted(
                (key, user.removeprefix(prefix))
                for key, user in lead.tasks.values_list("key", "assignee__username")
            ),
            sorted(lead.timers.values_list("kind", "assignment_round", "fired_at")),
            sorted(lead.notices.values_list("key", "to_email", "subject")),
            assigned[str(lead.pk)],
        )
    return leads


def agents_counters(workspace) -> dict[str, int]:
    prefix = f"{workspace.slug}-"
    return {
        agent.user.username.removeprefix(prefix): agent.assigned
        for agent in Agent.objects.filter(workspace=workspace).select_related("user")
    }


def lead_events_before_the_cursor(workspace) -> set[str]:
    """The emails of the "Lead Created" events in the batches the subscriber has had."""
    emails = set()
    for batch in delivered_batches(workspace, SUBSCRIBER.name):
        if batch.first_event_id is not None:
            emails.update(
                Event.objects.filter(
                    workspace=workspace,
                    event=actions.LEAD_EVENT,
                    id__range=(batch.first_event_id, batch.last_event_id),
                ).values_list("contact__email", flat=True)
            )
    return emails


def test_leads_delivery_killed_at_each_point_makes_each_lead_and_its_work_once():
    clean = business("clean")
    arrive(clean)
    while deliver(SUBSCRIBER, limit=2):
        pass
    expected = state(clean)
    assert len(expected) == PEOPLE
    # the undisturbed run: every lead assigned with its task, three timers and auto-reply
    assert expected["p0@x.test"] == (
        "lead",
        "ann",
        1,
        True,
        [("", "lead", "capture")],
        [("first-response", "ann")],
        [("breach", 1, None), ("reassign", 1, None), ("remind", 1, None)],
        [("auto-reply", "p0@x.test", "Thanks, we have your request")],
        1,
    )
    assert sorted(agents_counters(clean).values()) == [2, 4, 6]

    crashed = business("crashed")
    arrive(crashed)
    start = position(SUBSCRIBER.name)
    kills = []
    for fault in FAULTS:
        status, output = run_delivery(LEADS_FEED, fault=fault)
        assert status == SIGKILL, f"{fault} was not reached: {output[-2000:]}"
        made = state(crashed)
        delivered = lead_events_before_the_cursor(crashed)
        kills.append((fault, len(delivered)))
        # exactly the leads of the batches before the cursor, each as the clean run made it
        assert set(made) == delivered, kills
        assert made == {email: expected[email] for email in delivered}, kills
        counters = agents_counters(crashed)
        assert sum(counters.values()) == len(made), kills
        owned = Counter(lead[1] for lead in made.values())
        assert counters == {name: owned[name] for name in WEIGHTS}, kills
    assert position(SUBSCRIBER.name) > start
    assert 0 < kills[-1][1] < PEOPLE, kills  # the kills left some leads to make

    status, output = run_delivery(LEADS_FEED)
    assert status == 0, output[-2000:]
    assert state(crashed) == expected
    assert agents_counters(crashed) == agents_counters(clean)
    assert Notice.objects.filter(workspace=crashed).count() == PEOPLE
    assert StageChange.objects.filter(workspace=crashed).count() == PEOPLE
