"""Agents' time off (``away_until``): set and cleared on the agent's page and over REST
(exact values, refusals by field, nothing written), shown on the routing page, in the
lead inbox and on the locations page while it lasts; an away agent gets no new lead,
and gets them again once it has passed."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.leads.models import Agent, LocationHours
from tests.leads.test_followup import agent, lead_at, member

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 31, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in London (BST)
BACK = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)  # Wednesday 09:00 in London
BACK_TEXT = "Wed 1 Apr 09:00 BST"
URL = "/api/leads/settings/agents"


@pytest.fixture
def staff(workspace, north, clock_at):
    """ann and ben take North's leads (London time); ada is the admin."""
    LocationHours.objects.create(
        workspace=workspace, location_id=north.pk, timezone="Europe/London"
    )
    clock_at(NOW)
    people = {name: member(workspace, name) for name in ("ann", "ben")}
    return {name: agent(workspace, user, north) for name, user in people.items()}


@pytest.fixture
def api(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _away(agent_row: Agent):
    agent_row.refresh_from_db()
    return agent_row.away_until


def test_the_rest_api_sets_shows_and_clears_away_until(workspace, staff, api):
    ann = staff["ann"]
    body = {"location": "north", "away_until": "2026-04-01T09:00:00+01:00"}
    put = api.put(f"{URL}/{ann.pk}", body, content_type="application/json")
    assert put.status_code == 200, put.content
    assert put.json()["away_until"] == "2026-04-01T08:00:00Z"
    assert _away(ann) == BACK
    listed = {row["user"]: row["away_until"] for row in api.get(URL).json()}
    assert listed == {"ann": "2026-04-01T08:00:00Z", "ben": None}
    entry = AuditEntry.objects.filter(action="leads.agent").latest("id")
    assert (entry.before["away_until"], entry.after["away_until"]) == (
        None,
        "2026-04-01T09:00:00+01:00",
    )
    cleared = api.put(f"{URL}/{ann.pk}", {"location": "north"}, content_type="application/json")
    assert cleared.json()["away_until"] is None and _away(ann) is None
    added = api.post(
        URL,
        {"user": "ada", "location": "", "away_until": "2026-04-02T00:00:00Z"},
        content_type="application/json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["away_until"] == "2026-04-02T00:00:00Z"


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        (
            "2026-04-01T09:00:00",
            {"away_until": "must be a date and time with its offset (ISO 8601), or empty"},
        ),
        ("0001-01-01T00:00:00+05:00", {"away_until": "must be between 2000 and 2999"}),
        ("next week", None),
    ],
)
def test_the_rest_api_refuses_a_bad_away_until_and_writes_nothing(
    workspace, staff, api, value, errors
):
    ann = staff["ann"]
    ann.away_until = BACK
    ann.save()
    audited = AuditEntry.objects.count()
    body = {"location": "north", "away_until": value}
    refused = api.put(f"{URL}/{ann.pk}", body, content_type="application/json")
    assert refused.status_code == 422, refused.content
    found = refused.json()["errors"]
    if errors is None:
        assert [key for key in found if "away_until" in key], found
    else:
        assert found == errors
    assert _away(ann) == BACK and AuditEntry.objects.count() == audited


def test_an_away_agent_gets_no_new_lead_until_it_has_passed(workspace, staff, api, clock_at):
    ann, ben = staff["ann"], staff["ben"]
    body = {"location": "north", "away_until": BACK.isoformat()}
    assert api.put(f"{URL}/{ann.pk}", body, content_type="application/json").status_code == 200
    owners = [lead_at(workspace, NOW + timedelta(minutes=n), clock_at, n).owner for n in range(3)]
    assert owners == [ben.user] * 3
    owners = [
        lead_at(workspace, BACK + timedelta(minutes=n), clock_at, 10 + n).owner for n in (0, 1)
    ]
    assert owners == [ann.user, ann.user]  # back, and behind on her share


@pytest.fixture
def logged_in(admin):
    client = Client()
    client.force_login(admin)
    return client


def test_the_agent_page_sets_away_until_in_the_locations_time_and_clears_it(
    workspace, staff, logged_in
):
    ann = staff["ann"]
    page = logged_in.get(f"/leads/routing/agents/{ann.pk}/")
    assert b'name="away_until"' in page.content and b"Europe/London time" in page.content
    form = {"location": "north", "weight": "1", "max_open": "25"}
    saved = logged_in.post(
        f"/leads/routing/agents/{ann.pk}/", {**form, "away_until": "2026-04-01T09:00"}
    )
    assert saved.status_code == 302
    assert _away(ann) == BACK
    assert b'value="2026-04-01T09:00"' in logged_in.get(f"/leads/routing/agents/{ann.pk}/").content
    routing = logged_in.get("/leads/routing/").content.decode()
    assert BACK_TEXT in routing and "Away until" in routing
    refused = logged_in.post(f"/leads/routing/agents/{ann.pk}/", {**form, "away_until": "soon"})
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "away_until": "must be a date and time (2026-12-24 09:00), or empty"
    }
    assert b'value="soon"' in refused.content
    assert _away(ann) == BACK
    # an empty field clears it
    assert logged_in.post(f"/leads/routing/agents/{ann.pk}/", form).status_code == 302
    assert _away(ann) is None


def test_the_inbox_and_the_locations_page_show_who_is_away_until_when(
    workspace, staff, logged_in, clock_at
):
    ann = staff["ann"]
    lead = lead_at(workspace, NOW, clock_at)
    assert lead.owner == ann.user
    ann.away_until = BACK
    ann.save()
    inbox = logged_in.get("/leads/?view=open").content.decode()
    assert f"Away: ann (North) until {BACK_TEXT}" in inbox
    assert f"ann (away until {BACK_TEXT})" in inbox  # the owner of a waiting lead
    queues = logged_in.get("/leads/locations/").content.decode()
    assert 'id="lead-away"' in queues and BACK_TEXT in queues
    assert "Nobody is away." not in queues
    clock_at(BACK)  # back now: shown nowhere
    for url in ("/leads/?view=open", "/leads/locations/", "/leads/routing/"):
        assert BACK_TEXT not in logged_in.get(url).content.decode(), url
    assert "Nobody is away." in logged_in.get("/leads/locations/").content.decode()
