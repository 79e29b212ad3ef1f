"""Escalation chains: set, replaced and removed through the action, the settings page and
the REST API (every refusal names its field and writes nothing; every change audited);
each step fires at its exact time in the location's opening hours, to its recipients,
once (a loop run twice, two loops at once), and none after the first response."""

import contextlib
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import faults
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.leads import escalation
from pacer.leads.followup import log_activity
from pacer.leads.models import Agent, EscalationStep, Notice, SlaPolicy, Timer
from pacer.leads.timers import fire_due_timers
from pacer.messaging.models import WebhookDelivery
from pacer.messaging.webhooks import add_webhook
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import FRIDAY_LATE, agent, lead_at, member, sla

pytestmark = pytest.mark.django_db
RESPOND_BY = datetime(2026, 3, 31, 8, 10, tzinfo=UTC)  # Tuesday 09:10 in London
SECOND = timedelta(seconds=1)
WEDNESDAY_9 = datetime(2026, 4, 1, 9, tzinfo=UTC)  # re-assignment (600 min) at 10:10 UTC


@pytest.fixture
def team(workspace, north):
    """ann takes the leads of North, max manages it, cat works there, zoe is a member."""
    upsert_locations(workspace, [{"code": "south", "name": "South"}])
    people = {name: member(workspace, name) for name in ("ann", "max", "cat", "zoe")}
    agent(workspace, people["ann"], north)
    agent(workspace, people["max"], north, max_open=0, is_manager=True)
    agent(workspace, people["cat"], north, max_open=0)
    return people


CHAIN = [
    {"delay_minutes": 0, "to": "managers"},
    {"delay_minutes": 10, "to": "email", "address": "desk@north.test"},
    {"delay_minutes": 10, "to": "owner"},
    {"delay_minutes": 20, "to": "user", "user": "zoe"},
    {"delay_minutes": 480, "to": "webhook"},  # past closing: on Wednesday
]


def _state():
    return (
        sorted(
            EscalationStep.objects.values_list(
                "location_id", "position", "delay_minutes", "to", "user_id", "address"
            ),
            key=str,
        ),
        AuditEntry.objects.count(),
    )


def _setup(workspace, north, *, chain=CHAIN, reassign_minutes=600):
    sla(workspace, north)
    SlaPolicy.objects.update(reassign_minutes=reassign_minutes)
    add_webhook(workspace, url="https://hooks.example.com/pacer", event_types=["lead.escalated"])
    escalation.save_chain(workspace, {"location": "north", "steps": chain})


def _sent():
    notices = {(key, user or email) for key, user, email in _notices()}
    hooks = set(WebhookDelivery.objects.values_list("key", flat=True))
    return notices | hooks


def _notices():
    return Notice.objects.exclude(key="auto-reply").values_list(
        "key", "to_user__username", "to_email"
    )


def test_a_chain_is_set_replaced_and_listed_with_usernames_and_audited(workspace, team, admin):
    escalation.save_chain(workspace, {"location": "north", "steps": CHAIN[:1]}, actor=admin)
    escalation.save_chain(
        workspace,
        {"location": "north", "steps": [CHAIN[3], {"delay_minutes": "30", "to": "agents"}]},
        actor=admin,
    )
    escalation.save_chain(workspace, {"location": "", "steps": [CHAIN[1]]})
    assert escalation.chain_rows(workspace) == [
        {
            "location": "",
            "steps": [
                {"delay_minutes": 10, "to": "email", "user": "", "address": "desk@north.test"}
            ],
        },
        {
            "location": "north",
            "steps": [
                {"delay_minutes": 20, "to": "user", "user": "zoe", "address": ""},
                {"delay_minutes": 30, "to": "agents", "user": "", "address": ""},
            ],
        },
    ]
    entries = list(AuditEntry.objects.filter(action="leads.escalation").order_by("id"))
    assert entries[0].before is None
    assert entries[1].before == [
        {"delay_minutes": 0, "to": "managers", "user": None, "address": ""}
    ]
    assert entries[1].after["steps"][0]["user"] == team["zoe"].pk
    assert entries[1].actor == admin


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        (
            {"location": "east", "steps": CHAIN[:1]},
            {"location": "no location 'east' in this workspace"},
        ),
        ({"location": "north", "steps": []}, {"steps": "must list at least one step"}),
        ({"location": "north"}, {"steps": "must list at least one step"}),
        ({"location": "north", "steps": CHAIN[:1] * 11}, {"steps": "must list at most 10 steps"}),
        (
            {"location": "north", "steps": ["managers"]},
            {"steps[0]": "must be a step: delay_minutes, to, and user or address"},
        ),
        (
            {"location": "north", "steps": [{"delay_minutes": -1, "to": "managers"}]},
            {"steps[0].delay_minutes": "must be between 0 and 10080 minutes"},
        ),
        (
            {"location": "north", "steps": [{"delay_minutes": 2.5, "to": "owner"}]},
            {"steps[0].delay_minutes": "must be a whole number of minutes"},
        ),
        (
            {"location": "north", "steps": [{"delay_minutes": 10081, "to": "owner"}]},
            {"steps[0].delay_minutes": "must be between 0 and 10080 minutes"},
        ),
        (
            {"location": "north", "steps": [{"delay_minutes": 5, "to": "boss"}]},
            {"steps[0].to": "must be one of managers, agents, owner, user, email, webhook"},
        ),
        (
            {
                "location": "north",
                "steps": [CHAIN[0], {"delay_minutes": 5, "to": "user", "user": "nobody"}],
            },
            {"steps[1].user": "no member 'nobody' in this workspace"},
        ),
        (
            {"location": "north", "steps": [{"delay_minutes": 5, "to": "user"}]},
            {"steps[0].user": "must not be empty"},
        ),
        (
            {
                "location": "north",
                "steps": [{"delay_minutes": 5, "to": "email", "address": "desk"}],
            },
            {"steps[0].address": "must be an email address (the team's inbox)"},
        ),
        (
            {"location": "north", "steps": [{"delay_minutes": 5, "to": "webhook"}]},
            {
                "steps[0].to": "no active webhook of this workspace is subscribed to "
                "lead.escalated: add one first"
            },
        ),
        (
            {"location": "north", "steps": [{"delay_minutes": 30, "to": "owner"}, CHAIN[3]]},
            {"steps[1].delay_minutes": "must be at least the step before's (30 minutes)"},
        ),
    ],
)
def test_a_refused_chain_names_each_field_and_writes_nothing(workspace, team, data, errors):
    escalation.save_chain(workspace, {"location": "north", "steps": [CHAIN[2]]})
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        escalation.save_chain(workspace, data)
    assert refused.value.errors == errors
    assert _state() == before


def test_each_step_fires_at_its_time_in_opening_hours_to_its_recipients(
    workspace, team, north, clock_at
):
    _setup(workspace, north)
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    assert lead.owner == team["ann"] and lead.respond_by == RESPOND_BY
    steps = list(Timer.objects.filter(lead=lead, kind="breach").order_by("step"))
    wednesday = datetime(2026, 4, 1, 8, 10, tzinfo=UTC)  # 07:50 left on Tuesday, 10 min on
    assert [(t.step, t.due_at) for t in steps] == [
        (0, RESPOND_BY),
        (1, RESPOND_BY + timedelta(minutes=10)),
        (2, RESPOND_BY + timedelta(minutes=10)),
        (3, RESPOND_BY + timedelta(minutes=20)),
        (4, wednesday),
    ]
    webhook_key = f"lead.escalated:{lead.pk}:1:4"
    expected = [
        (RESPOND_BY, {("breach:1:0:" + str(team["max"].pk), "max")}),
        (
            RESPOND_BY + timedelta(minutes=10),
            {("breach:1:1:inbox", "desk@north.test"), (f"breach:1:2:{team['ann'].pk}", "ann")},
        ),
        (RESPOND_BY + timedelta(minutes=20), {(f"breach:1:3:{team['zoe'].pk}", "zoe")}),
        (wednesday, {webhook_key}),
    ]
    fire_due_timers(RESPOND_BY - timedelta(minutes=5))  # the reminder
    sent = _sent()
    for due, new in expected:
        assert fire_due_timers(due - SECOND) == 0
        assert _sent() == sent, due
        fire_due_timers(due)
        assert _sent() - sent == new, due
        sent = _sent()
    (delivery,) = WebhookDelivery.objects.all()
    assert delivery.payload["data"] == {
        "lead": lead.pk,
        "missed": "first_response",
        "location_id": north.pk,
        "owner_id": team["ann"].pk,
        "respond_by": RESPOND_BY.isoformat(),
        "step": 4,
        "delay_minutes": 480,
    }
    subjects = dict(Notice.objects.values_list("key", "subject"))
    assert (
        subjects["breach:1:1:inbox"] == f"Lead #{lead.pk} missed its response deadline (10 min ago)"
    )


def test_no_step_fires_after_the_first_response(workspace, team, north, clock_at):
    _setup(workspace, north)
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    fire_due_timers(RESPOND_BY)
    sent = _sent()
    assert len(sent) == 2  # the reminder and the managers' step
    log_activity(workspace, lead.pk, "call", at=RESPOND_BY + timedelta(minutes=3), outcome="ok")
    assert fire_due_timers(datetime(2026, 4, 9, tzinfo=UTC)) == 0
    assert _sent() == sent
    assert not Timer.objects.filter(lead=lead, fired_at=None, cancelled_at=None).exists()


def test_a_step_fires_once_when_the_loop_runs_again_or_its_timer_is_released(
    workspace, team, north, clock_at
):
    _setup(workspace, north)
    lead_at(workspace, FRIDAY_LATE, clock_at)
    late = WEDNESDAY_9  # every step due, the re-assignment not yet
    assert fire_due_timers(late) == 6  # the reminder and five steps (re-assignment later)
    sent = _sent()
    assert fire_due_timers(late) == 0
    Timer.objects.filter(kind="breach").update(fired_at=None)  # as if the claim were lost
    assert fire_due_timers(late) == 5
    assert _sent() == sent
    assert Notice.objects.count() == 6 and WebhookDelivery.objects.count() == 1


def test_a_changed_chain_applies_to_leads_assigned_after_it(workspace, team, north, clock_at):
    _setup(workspace, north, chain=[{"delay_minutes": 0, "to": "owner"}])
    first = lead_at(workspace, FRIDAY_LATE, clock_at, 0)
    escalation.save_chain(workspace, {"location": "", "steps": [CHAIN[1]]})  # not North's
    escalation.save_chain(workspace, {"location": "north", "steps": [CHAIN[3]]})
    second = lead_at(workspace, FRIDAY_LATE, clock_at, 1)
    targets = dict(Timer.objects.filter(kind="breach").values_list("lead_id", "target"))
    assert targets == {
        first.pk: {"delay_minutes": 0, "to": "owner", "user": None, "address": ""},
        second.pk: {"delay_minutes": 20, "to": "user", "user": team["zoe"].pk, "address": ""},
    }
    escalation.remove_chain(workspace, "north")
    third = lead_at(workspace, FRIDAY_LATE, clock_at, 2)  # now the every-location chain
    assert Timer.objects.get(lead=third, kind="breach").target["address"] == "desk@north.test"


def test_without_a_chain_the_managers_hear_at_the_deadline(workspace, team, north, clock_at):
    sla(workspace, north)
    lead = lead_at(workspace, FRIDAY_LATE, clock_at)
    (step,) = Timer.objects.filter(lead=lead, kind="breach")
    assert (step.due_at, step.target) == (
        RESPOND_BY,
        {"delay_minutes": 0, "to": "managers", "user": None, "address": ""},
    )


def test_a_removed_member_gets_nothing_and_the_chain_says_so(workspace, team, north, clock_at):
    _setup(workspace, north, chain=[CHAIN[3]])
    lead_at(workspace, FRIDAY_LATE, clock_at)
    team["zoe"].memberships.all().delete()
    fire_due_timers(datetime(2026, 4, 9, tzinfo=UTC))
    assert not [key for key, _, _ in _notices() if key.startswith("breach")]


@pytest.mark.django_db(transaction=True)
def test_two_loops_at_once_fire_each_step_once(workspace, team, north, clock_at):
    """Both loops list the same due timers; each claims a timer before firing it and waits
    inside the firing transaction for the other to reach the same point. The claim makes
    the other wait (PostgreSQL: the row lock; SQLite: the write lock) and find the timer
    taken, so every step is fired by one loop only."""
    _setup(workspace, north)
    lead_at(workspace, FRIDAY_LATE, clock_at)
    late = WEDNESDAY_9
    both_inside = threading.Barrier(2)

    def rendezvous():
        with contextlib.suppress(threading.BrokenBarrierError):
            both_inside.wait(timeout=0.5)
        both_inside.reset()

    fired = []

    def loop():
        try:
            fired.append(fire_due_timers(late))
        finally:
            connection.close()

    with faults.hooked("leads.timer.fired", rendezvous):
        loops = [threading.Thread(target=loop) for _ in range(2)]
        for thread in loops:
            thread.start()
        for thread in loops:
            thread.join(timeout=60)
    assert sum(fired) == 6
    assert Notice.objects.exclude(key="auto-reply").count() == 5  # a reminder, 4 steps
    assert WebhookDelivery.objects.count() == 1


@pytest.fixture
def logged_in(workspace, admin):
    client = Client()
    client.force_login(admin)
    return client


def test_the_page_sets_a_chain_and_shows_each_refusal_under_its_row(workspace, team, logged_in):
    page = logged_in.get("/leads/sla/")
    assert b"No escalation chains." in page.content
    refused = logged_in.post(
        "/leads/sla/",
        {
            "form": "escalation",
            "location": "north",
            "steps[0].delay_minutes": "0",
            "steps[0].to": "managers",
            "steps[2].delay_minutes": "15",  # row 2 left blank: row 3 is still "steps[2]"
            "steps[2].to": "email",
            "steps[2].address": "not-an-address",
        },
    )
    assert refused.status_code == 422
    assert refused.context["chain_errors"] == {
        "steps[2].address": "must be an email address (the team's inbox)"
    }
    assert b'id="esc-steps-2-address-error"' in refused.content
    assert b'value="not-an-address"' in refused.content  # what was typed stays
    assert not EscalationStep.objects.exists()
    saved = logged_in.post(
        "/leads/sla/",
        {
            "form": "escalation",
            "location": "north",
            "steps[0].delay_minutes": "0",
            "steps[0].to": "managers",
            "steps[3].delay_minutes": "15",
            "steps[3].to": "user",
            "steps[3].user": "zoe",
        },
    )
    assert saved.status_code == 302
    assert escalation.chain_rows(workspace)[0]["steps"][1] == {
        "delay_minutes": 15,
        "to": "user",
        "user": "zoe",
        "address": "",
    }
    page = logged_in.get("/leads/sla/")
    assert b"at the deadline: the location&#x27;s managers; 15 min after the deadline: zoe" in (
        page.content
    )
    assert logged_in.post("/leads/sla/escalation/delete/", {"location": "north"}).status_code == 302
    assert not EscalationStep.objects.exists()
    assert AuditEntry.objects.filter(action="leads.escalation.remove").count() == 1
    logged_in.post("/leads/sla/escalation/delete/", {"location": "north"})  # none left
    assert AuditEntry.objects.filter(action="leads.escalation.remove").count() == 1


def test_the_rest_api_sets_lists_and_removes_chains_and_refuses_by_field(workspace, team, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"location": "north", "steps": [CHAIN[0], CHAIN[3]]}
    put = client.put("/api/leads/settings/escalation", body, content_type="application/json")
    assert put.status_code == 200, put.content
    assert put.json() == {
        "location": "north",
        "steps": [
            {"delay_minutes": 0, "to": "managers", "user": "", "address": ""},
            {"delay_minutes": 20, "to": "user", "user": "zoe", "address": ""},
        ],
    }
    assert client.get("/api/leads/settings/escalation").json() == [put.json()]
    before = _state()
    bad = {"location": "north", "steps": [{"delay_minutes": 5, "to": "email", "address": "x"}]}
    refused = client.put("/api/leads/settings/escalation", bad, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "steps[0].address": "must be an email address (the team's inbox)"
    }
    assert _state() == before
    assert client.delete("/api/leads/settings/escalation?location=north").status_code == 204
    missing = client.delete("/api/leads/settings/escalation?location=north")
    assert missing.status_code == 404
    assert missing.json()["errors"] == {"location": "has no escalation chain of its own"}
    assert not EscalationStep.objects.exists()


def test_a_staff_member_cannot_set_a_chain(workspace, team):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=team["ann"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"location": "north", "steps": [CHAIN[0]]}
    response = client.put("/api/leads/settings/escalation", body, content_type="application/json")
    assert response.status_code == 403
    assert not EscalationStep.objects.exists()
    assert Agent.objects.count() == 3
