"""The hand-over of an away member's leads runs as a task: saving the time off (page or
REST) records the hand-over and queues its task in the same transaction; the task works
it through in bounded batches (``LEAD_HANDOVER_BATCH``), its progress on the locations
page; a rerun changes nothing; a refused save records and queues nothing; ending the time
off stops it."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.leads import handover
from pacer.leads.models import Agent, Handover, Lead, Notice
from pacer.leads.tasks import hand_over_leads
from tests.ingest.test_import_wizard import run_queued_tasks
from tests.leads.test_followup import agent, lead_at, member, sla

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in London (BST)
AT = NOW + timedelta(minutes=2)
BACK = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
URL = "/api/leads/settings/agents"
JSON = {"content_type": "application/json"}
LEADS = 5


@pytest.fixture
def desk(workspace, north, clock_at, settings):
    """ann owns five open, unanswered leads of North; ben is free to take them."""
    settings.LEAD_HANDOVER_BATCH = 2
    sla(workspace, north)
    ann, ben = member(workspace, "ann"), member(workspace, "ben")
    rows = {"ann": agent(workspace, ann, north, weight=100), "ben": agent(workspace, ben, north)}
    Agent.objects.filter(user=ben).update(weight=0)  # ann takes every new lead
    leads = [lead_at(workspace, NOW + n * timedelta(seconds=1), clock_at, n) for n in range(LEADS)]
    assert {lead.owner for lead in leads} == {ann}
    Agent.objects.filter(user=ben).update(weight=1)
    clock_at(AT)
    return rows


@pytest.fixture
def api(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def owners() -> list[str]:
    return list(Lead.objects.order_by("id").values_list("owner__username", flat=True))


def queued() -> list:
    return list(DBTaskResult.objects.ready().values_list("task_path", "args_kwargs"))


def test_saving_the_time_off_records_the_hand_over_and_queues_its_task_nothing_moved_yet(
    workspace, desk, api, admin
):
    put = api.put(
        f"{URL}/{desk['ann'].pk}", {"location": "north", "away_until": BACK.isoformat()}, **JSON
    )
    assert put.status_code == 200, put.content
    (record,) = Handover.objects.all()
    expected = list(Lead.objects.order_by("respond_by", "id").values_list("id", flat=True))
    assert (record.user.username, record.away_until, record.lead_ids) == ("ann", BACK, expected)
    assert (record.done, record.moved, record.finished_at, record.created_at) == (0, 0, None, AT)
    assert queued() == [("pacer.leads.tasks.hand_over_leads", {"args": [record.pk], "kwargs": {}})]
    assert owners() == ["ann"] * LEADS  # the request moved nothing itself

    # one batch: two leads, progress on the locations page, the next batch queued
    result = hand_over_leads.call(record.pk)
    assert result == {"done": 2, "total": LEADS, "moved": 2}
    assert owners() == ["ben", "ben", "ann", "ann", "ann"]
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/locations/").content.decode()
    assert "re-assigning 2 of 5" in page
    assert len(queued()) == 2  # the first one (not run by a worker) and the next batch

    assert run_queued_tasks() == 3  # the first again (a repeat: resumes), then the rest
    assert owners() == ["ben"] * LEADS
    record.refresh_from_db()
    assert (record.done, record.moved, record.unattended, record.outcome) == (5, 5, 0, "done")
    assert record.finished_at == AT
    page = client.get("/leads/locations/").content.decode()
    assert "done: 5 of 5 re-assigned" in page and "re-assigning" not in page
    assert Notice.objects.filter(key="assigned:2").count() == LEADS
    assert AuditEntry.objects.filter(action="leads.assign").count() == 2 * LEADS

    # a rerun of the task changes nothing
    counts = (AuditEntry.objects.count(), Notice.objects.count())
    assert hand_over_leads.call(record.pk) == {"done": 5, "total": 5, "moved": 5}
    assert (AuditEntry.objects.count(), Notice.objects.count()) == counts
    assert queued() == []


def test_the_agent_page_records_the_hand_over_too_and_a_refused_save_records_nothing(
    workspace, desk, admin
):
    client = Client()
    client.force_login(admin)
    url = f"/leads/routing/agents/{desk['ann'].pk}/"
    form = {"location": "north", "weight": "100", "max_open": "25", "team": "", "phone": ""}
    refused = client.post(url, {**form, "away_until": "soon"})
    assert refused.status_code == 422
    assert (Handover.objects.count(), queued()) == (0, [])
    assert client.post(url, {**form, "away_until": "2026-04-02T09:00"}).status_code == 302
    (record,) = Handover.objects.all()
    assert (record.away_until, len(record.lead_ids), len(queued())) == (BACK, LEADS, 1)
    # saved again with the same time off: no second hand-over
    assert client.post(url, {**form, "away_until": "2026-04-02T09:00"}).status_code == 302
    assert (Handover.objects.count(), len(queued())) == (1, 1)
    run_queued_tasks()
    assert owners() == ["ben"] * LEADS


def test_ending_the_time_off_stops_the_hand_over_where_it_is(workspace, desk, api):
    url = f"{URL}/{desk['ann'].pk}"
    api.put(url, {"location": "north", "away_until": BACK.isoformat()}, **JSON)
    (record,) = Handover.objects.all()
    assert handover.continue_handover(record.pk, AT, limit=1).done == 1
    assert api.put(url, {"location": "north", "away_until": None}, **JSON).status_code == 200
    record.refresh_from_db()
    assert (record.done, record.finished_at, record.outcome) == (1, AT, "back")
    assert Handover.objects.count() == 1  # not away: no new one
    run_queued_tasks()  # the queued batch finds it finished
    assert owners() == ["ben", "ann", "ann", "ann", "ann"]


def test_a_new_time_off_replaces_an_open_hand_over_and_takes_what_is_left(workspace, desk, api):
    url = f"{URL}/{desk['ann'].pk}"
    api.put(url, {"location": "north", "away_until": BACK.isoformat()}, **JSON)
    first = Handover.objects.get()
    handover.continue_handover(first.pk, AT, limit=2)
    later = BACK + timedelta(days=1)
    api.put(url, {"location": "north", "away_until": later.isoformat()}, **JSON)
    first.refresh_from_db()
    second = Handover.objects.exclude(pk=first.pk).get()
    assert (first.done, first.outcome) == (2, "replaced")
    assert (second.away_until, second.lead_ids) == (later, first.lead_ids[2:])
    run_queued_tasks()
    second.refresh_from_db()
    assert (second.done, second.moved, second.outcome) == (3, 3, "done")
    assert owners() == ["ben"] * LEADS


def test_with_nobody_free_the_hand_over_ends_with_the_leads_kept_and_says_so(
    workspace, desk, api, admin
):
    Agent.objects.filter(user__username="ben").update(weight=0)
    api.put(
        f"{URL}/{desk['ann'].pk}", {"location": "north", "away_until": BACK.isoformat()}, **JSON
    )
    run_queued_tasks()
    record = Handover.objects.get()
    assert (record.done, record.moved, record.unattended, record.outcome) == (5, 0, 5, "done")
    assert owners() == ["ann"] * LEADS
    client = Client()
    client.force_login(admin)
    page = client.get("/leads/locations/").content.decode()
    assert "done: 0 of 5 re-assigned, 5 kept (nobody available)" in page
