"""Routing, agents, hours and locating over ``/api/leads/settings/...``: the same actions
as the pages, refusals as the one error body naming the field, and the gate."""

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry, Role
from pacer.leads.models import Agent, LocatingRule, LocationHours, RoutingRule
from pacer.people.actions import upsert_locations

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    upsert_locations(
        workspace, [{"code": "north", "name": "North"}, {"code": "south", "name": "South"}]
    )
    sam = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    _, admin_token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    _, staff_token = core_actions.issue_api_key(workspace, "personal", "test", user=sam)
    client = Client()

    def call(method, path, body=None, token=admin_token):
        return getattr(client, method)(
            f"/api/leads/settings/{path}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    call.staff_token = staff_token
    return call


SHIFT = {"timezone": "Europe/London", "weekly": {"mon": [["09:00", "17:00"]]}, "holidays": []}


def test_agents_are_added_changed_listed_and_removed(api):
    made = api(
        "post", "agents", {"user": "sam", "location": "north", "team": "vip", "shift": SHIFT}
    )
    assert made.status_code == 201, made.json()
    agent_id = made.json()["id"]
    assert made.json() == {
        "id": agent_id,
        "user": "sam",
        "location": "north",
        "weight": 1.0,
        "max_open": 25,
        "is_manager": False,
        "team": "vip",
        "phone": "",
        "shift": SHIFT,
        "away_until": None,
    }
    changed = api("put", f"agents/{agent_id}", {"location": "", "weight": 2, "max_open": 3})
    assert changed.status_code == 200
    assert (changed.json()["location"], changed.json()["weight"], changed.json()["shift"]) == (
        "",
        2.0,
        None,
    )
    assert [a["id"] for a in api("get", "agents").json()] == [agent_id]
    assert api("delete", f"agents/{agent_id}").status_code == 204
    assert not Agent.objects.exists()
    assert api("delete", f"agents/{agent_id}").json() == {
        "detail": "agent_id: no such agent in this workspace",
        "errors": {"agent_id": "no such agent in this workspace"},
    }


def test_a_refused_agent_names_the_field_and_writes_nothing(api):
    before = AuditEntry.objects.count()
    refused = api("post", "agents", {"user": "nobody", "location": "east"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "user": "no member 'nobody' in this workspace",
        "location": "no location 'east' in this workspace",
    }
    refused = api("post", "agents", {"user": "sam", "shift": {**SHIFT, "timezone": "Mars/Base"}})
    assert refused.json()["errors"] == {"shift.timezone": "'Mars/Base' is not a known time zone"}
    assert not Agent.objects.exists() and AuditEntry.objects.count() == before


def test_rules_are_replaced_in_order_and_refused_by_field(api):
    api("post", "agents", {"user": "sam", "location": "north", "team": "vip"})
    body = {"rules": [{"name": "VIP", "team": "vip", "min_score": 50, "sources": ["form"]}]}
    assert api("put", "routing", body).json() == {
        "rules": [
            {
                "name": "VIP",
                "team": "vip",
                "territory": [],
                "products": [],
                "sources": ["form"],
                "min_score": 50.0,
                "weekdays": [],
                "hour_from": None,
                "hour_to": None,
                "arrived": "",
            }
        ]
    }
    refused = api("put", "routing", {"rules": [{"name": "Ghosts", "team": "ghosts"}]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"rules[0].team": "no agent is in team 'ghosts'"}
    assert list(RoutingRule.objects.values_list("name", flat=True)) == ["VIP"]


def test_hours_and_locating_are_set_and_read_back(api, workspace):
    hours = {"location": "north", **SHIFT, "holidays": ["2026-12-25"]}
    assert api("put", "hours", hours).json() == hours
    assert api("get", "hours").json() == [hours]
    refused = api("put", "hours", {"location": "east", "timezone": "UTC"})
    assert refused.json()["errors"] == {"location": "no location 'east' in this workspace"}
    assert LocationHours.objects.count() == 1
    body = {
        "steps": ["postal", "nearest"],
        "areas": [{"code": "north", "postal_codes": ["sw1a"], "latitude": 51.5, "longitude": 0}],
        "centroids": [{"postal_code": "SW1A 1AA", "latitude": 51.5, "longitude": -0.14}],
    }
    assert api("put", "locating", body).json() == {
        "steps": ["postal", "nearest"],
        "areas": [{"code": "north", "postal_codes": ["SW1A"], "latitude": 51.5, "longitude": 0.0}],
        "centroids": 1,
    }
    refused = api("put", "locating", {"steps": ["form", "form"]})
    assert refused.json()["errors"] == {"steps": "lists a step twice"}
    assert LocatingRule.objects.get().steps == ["postal", "nearest"]


def test_staff_may_not_read_or_change_the_settings(api):
    for method, path in (
        ("get", "agents"),
        ("post", "agents"),
        ("put", "routing"),
        ("get", "locating"),
    ):
        response = api(method, path, {"user": "sam"}, token=api.staff_token)
        assert response.status_code == 403, path
    assert not Agent.objects.exists()
