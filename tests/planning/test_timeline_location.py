"""The timeline's location filter (issue 14: "filterable by team, channel and location"):
a node is shown for a location it lists, alone or with a channel; a node that lists no
location (a national flight) is not a location's."""

from datetime import date

import pytest
from django.test import Client

from pacer.people.actions import upsert_locations
from pacer.planning.plan_actions import create_node

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


def _node(workspace, name: str, channel: str, locations: list[str], parent=None):
    values = {
        "kind": "campaign" if parent else "plan",
        "name": name,
        "fiscal_year": 2026,
        "channels": [channel] if channel else [],
        "locations": locations,
        "starts_on": date(2026, 3, 1),
        "ends_on": date(2026, 4, 30),
    }
    return create_node(workspace, values, parent_id=parent.pk if parent else None)


def _shown(client, query: str) -> list[str]:
    page = client.get(f"/plans/timeline/?year=2026{query}").content.decode()
    names = ("FY2026", "Austin opening", "Austin radio", "Boston flyers", "National TV")
    return [name for name in names if f">{name}</a>" in page]


def test_the_timeline_shows_a_locations_nodes(client, workspace):
    upsert_locations(
        workspace, [{"code": "AUS", "name": "Austin"}, {"code": "BOS", "name": "Boston"}]
    )
    root = _node(workspace, "FY2026", "", [])
    _node(workspace, "Austin opening", "direct_mail", ["AUS"], root)
    _node(workspace, "Austin radio", "radio", ["AUS", "BOS"], root)
    _node(workspace, "Boston flyers", "direct_mail", ["BOS"], root)
    _node(workspace, "National TV", "tv", [], root)
    assert _shown(client, "") == [
        "FY2026", "Austin opening", "Austin radio", "Boston flyers", "National TV"
    ]  # fmt: skip
    assert _shown(client, "&location=AUS") == ["Austin opening", "Austin radio"]
    assert _shown(client, "&location=BOS&channel=direct_mail") == ["Boston flyers"]
    assert _shown(client, "&location=AUS&channel=tv") == []
