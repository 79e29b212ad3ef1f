"""The speed report's location filter (``?location=<id>``, in the URL as the funnel's),
and whose figures a member sees: every location with ``leads.all_locations`` (admins,
marketers, analysts) or as an agent of the fallback queue; else the locations they take
leads for or manage, and a location outside them is refused at the filter."""

from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import Role
from pacer.leads.models import Agent, SlaPolicy
from pacer.leads.report import speed_report
from pacer.people.actions import upsert_locations
from tests.leads.speed_plan import make_leads

pytestmark = pytest.mark.django_db
START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
PLAN = [  # (location, minutes to the first call, converted, disqualified)
    ("north", 5, True, None),
    ("north", 30, False, None),
    ("north", None, False, None),
    ("south", 10, True, None),
    ("south", 2, False, None),
    ("south", None, False, None),
    ("south", None, False, None),
]


@pytest.fixture
def places(workspace, clock_at):
    north, south = upsert_locations(
        workspace, [{"code": "north", "name": "North"}, {"code": "south", "name": "South"}]
    )
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15)
    make_leads(workspace, PLAN, START)
    clock_at(START + timedelta(days=1))
    return north, south


def _kpis(client: Client, query: str = "") -> dict[str, str]:
    page = client.get("/leads/speed/?range=last_7" + query)
    assert page.status_code == 200
    html = page.content.decode()
    return {
        name: html.split(f'id="kpi-{name}"')[1].split('data-value="')[1].split('"')[0]
        for name in ("leads", "never-answered", "sla-attainment", "median-first-response--min-")
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_report_of_one_location_has_exactly_its_figures(workspace, places):
    north, south = places
    end = START + timedelta(days=1)
    everyone = speed_report(workspace, START, end)
    only_north = speed_report(workspace, START, end, locations={north.pk})
    only_south = speed_report(workspace, START, end, locations={south.pk})
    assert (everyone.leads, everyone.unanswered, everyone.on_time) == (7, 3, 3)
    assert (only_north.leads, only_north.unanswered, only_north.on_time) == (3, 1, 1)
    assert (only_south.leads, only_south.unanswered, only_south.on_time) == (4, 2, 2)
    assert (only_north.summary.median, only_south.summary.median) == (17.5, 6.0)
    assert list(only_north.location_figures) == [north.pk]
    assert [(b.leads, b.converted) for b in only_south.buckets] == [
        (1, 0),
        (1, 1),
        (0, 0),
        (0, 0),
        (0, 0),
        (2, 0),
    ]

    admin = core_actions.create_user(workspace, "ada", "correct-horse-1", Role.ADMIN)
    client = _client(admin)
    assert _kpis(client) == {
        "leads": "7",
        "never-answered": "3",
        "sla-attainment": str(3 / 7),
        "median-first-response--min-": "7.5",
    }
    assert _kpis(client, f"&location={north.pk}") == {
        "leads": "3",
        "never-answered": "1",
        "sla-attainment": str(1 / 3),
        "median-first-response--min-": "17.5",
    }
    assert _kpis(client, f"&location={south.pk}")["leads"] == "4"
    page = client.get(f"/leads/speed/?range=last_7&location={south.pk}").content.decode()
    assert f'<option value="{south.pk}" selected>South</option>' in page
    assert "All locations" in page and 'id="speed-scope"' not in page


def test_a_location_manager_sees_only_their_locations(workspace, places):
    north, south = places
    manager = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    Agent.objects.create(workspace=workspace, user=manager, location_id=north.pk, is_manager=True)
    client = _client(manager)
    mine = {"leads": "3", "never-answered": "1", "sla-attainment": str(1 / 3)}
    assert _kpis(client).items() >= mine.items()
    assert _kpis(client, f"&location={north.pk}").items() >= mine.items()
    page = client.get("/leads/speed/?range=last_7").content.decode()
    assert "The locations you take leads for or manage: North." in page
    assert "All my locations" in page and ">South<" not in page
    # another location's figures are refused at the filter: theirs are shown instead
    refused = client.get(f"/leads/speed/?range=last_7&location={south.pk}")
    text = unescape(refused.content.decode())
    assert f"'{south.pk}' is not one of the choices; all my locations shown" in text
    assert _kpis(client, f"&location={south.pk}").items() >= mine.items()


def test_a_member_who_takes_no_leads_sees_none_and_a_fallback_agent_sees_all(workspace, places):
    nobody = core_actions.create_user(workspace, "kim", "correct-horse-1", Role.STAFF)
    client = _client(nobody)
    assert _kpis(client)["leads"] == "0"
    page = client.get("/leads/speed/?range=last_7").content.decode()
    assert "You take leads for no location, so the report has none to show" in page
    fallback = core_actions.create_user(workspace, "lee", "correct-horse-1", Role.STAFF)
    Agent.objects.create(workspace=workspace, user=fallback, location_id=None)
    assert _kpis(_client(fallback))["leads"] == "7"
    analyst = core_actions.create_user(workspace, "ann", "correct-horse-1", Role.ANALYST)
    assert _kpis(_client(analyst))["leads"] == "7"
