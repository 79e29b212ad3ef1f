"""The routing and locating settings pages through Django's client: what they list, each
write through the actions with its audit, refusals shown under the field with nothing
written, and the gate (staff may not configure)."""

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry, Role
from pacer.leads import rules, staff
from pacer.leads.models import Agent, LocatingRule, LocationArea, PostalCentroid, RoutingRule
from pacer.people.actions import upsert_locations
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture
def setup(workspace, admin):
    north, south = upsert_locations(
        workspace,
        [{"code": "north", "name": "North"}, {"code": "south", "name": "South", "region": "s"}],
    )
    core_actions.create_user(workspace, "sam", PASSWORD, Role.STAFF)
    core_actions.create_user(workspace, "kim", PASSWORD, Role.STAFF)
    client = Client()
    client.login(username="ada", password=PASSWORD)
    return north, south, client


def _rows():
    return (
        list(RoutingRule.objects.values_list("position", "name", "team", "min_score")),
        sorted(Agent.objects.values_list("user__username", "team", "weight")),
        AuditEntry.objects.count(),
    )


def test_the_routing_page_lists_rules_agents_and_hours(workspace, setup):
    north, _, client = setup
    staff.save_agent(
        workspace,
        {
            "user": "sam",
            "location": "north",
            "team": "vip",
            "weight": 2,
            "shift": {"timezone": "Europe/London", "weekly": {"mon": [["09:00", "17:00"]]}},
        },
    )
    rules.set_rules(workspace, [{"name": "Big spenders", "team": "vip", "min_score": 40}])
    staff.set_hours(workspace, "north", {"timezone": "Europe/Paris", "weekly": {}})
    page = client.get("/leads/routing/").content.decode()
    assert "Big spenders" in page and "score ≥ 40" in page
    assert "mon 09:00-17:00 (Europe/London)" in page
    assert "Europe/Paris" in page and "always open" in page
    assert 'href="/leads/routing/rules/0/"' in page


def test_an_agent_is_added_and_changed_from_its_page(workspace, setup):
    north, _, client = setup
    response = client.post(
        "/leads/routing/agents/new/",
        {
            "user": "sam",
            "location": "north",
            "weight": "3",
            "max_open": "12",
            "team": "day",
            "timezone": "Europe/London",
            "weekly": "mon-fri 09:00-17:00",
            "holidays": "2026-12-25",
            "is_manager": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/leads/routing/"
    agent = Agent.objects.get()
    assert (agent.location_id, agent.weight, agent.max_open, agent.team, agent.is_manager) == (
        north.pk,
        3.0,
        12,
        "day",
        True,
    )
    assert (
        agent.shift["weekly"]["fri"] == [["09:00", "17:00"]] and "sat" not in agent.shift["weekly"]
    )
    assert agent.shift["holidays"] == ["2026-12-25"]
    page = client.get(f"/leads/routing/agents/{agent.pk}/").content.decode()
    assert 'value="mon-fri 09:00-17:00"' in page
    client.post(
        f"/leads/routing/agents/{agent.pk}/",
        {"location": "", "weight": "1", "max_open": "5", "team": ""},
    )
    agent.refresh_from_db()
    assert (agent.location_id, agent.weight, agent.max_open, agent.shift, agent.is_manager) == (
        None,
        1.0,
        5,
        {},
        False,
    )
    assert AuditEntry.objects.filter(action="leads.agent").count() == 2


def test_a_refused_agent_form_shows_each_reason_under_its_field(workspace, setup):
    _, _, client = setup
    before = _rows()
    response = client.post(
        "/leads/routing/agents/new/",
        {"user": "sam", "weight": "lots", "max_open": "0", "timezone": "Mars/Base", "weekly": ""},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="field-weight-error"><p>must be a number</p>' in page
    assert 'id="field-max_open-error"><p>must be between 1 and 10000</p>' in page
    assert 'id="field-timezone-error"><p>&#x27;Mars/Base&#x27; is not a known time zone</p>' in page
    assert 'value="lots"' in page  # what was typed is kept
    response = client.post(
        "/leads/routing/agents/new/",
        {"user": "sam", "weight": "1", "max_open": "5", "weekly": "someday"},
    )
    assert response.status_code == 422
    assert 'id="field-weekly-error"><p>&#x27;someday&#x27; is not like' in response.content.decode()
    assert _rows() == before


def test_an_agent_is_removed_unless_a_rule_needs_them(workspace, setup):
    _, _, client = setup
    agent = staff.save_agent(workspace, {"user": "sam", "location": "north", "team": "vip"})
    rules.set_rules(workspace, [{"name": "VIP", "team": "vip"}])
    response = client.post(f"/leads/routing/agents/{agent.pk}/delete/", follow=True)
    assert (
        "routing rule &#x27;VIP&#x27; sends leads to team &#x27;vip&#x27;"
        in response.content.decode()
    )
    assert Agent.objects.count() == 1
    rules.set_rules(workspace, [])
    client.post(f"/leads/routing/agents/{agent.pk}/delete/")
    assert Agent.objects.count() == 0


def test_rules_are_added_edited_reordered_and_removed_from_their_pages(workspace, setup):
    _, _, client = setup
    staff.save_agent(workspace, {"user": "sam", "location": "north", "team": "vip"})
    staff.save_agent(workspace, {"user": "kim", "location": "south", "team": "web"})
    client.post(
        "/leads/routing/rules/new/",
        {"name": "VIP", "team": "vip", "territory": "south, north", "min_score": "40"},
    )
    client.post(
        "/leads/routing/rules/new/",
        {"name": "Web", "team": "web", "sources": ["form", "api"], "products": "implants"},
    )
    assert list(
        RoutingRule.objects.values_list("name", "territory", "sources", "products", "min_score")
    ) == [
        ("VIP", ["south", "north"], [], [], 40.0),
        ("Web", [], ["form", "api"], ["implants"], None),
    ]
    response = client.post(
        "/leads/routing/rules/1/",
        {"name": "Web first", "team": "web", "place": "1", "min_score": ""},
    )
    assert response.status_code == 302
    assert list(RoutingRule.objects.values_list("position", "name")) == [
        (0, "Web first"),
        (1, "VIP"),
    ]
    client.post("/leads/routing/rules/0/delete/")
    assert list(RoutingRule.objects.values_list("position", "name")) == [(0, "VIP")]
    assert AuditEntry.objects.filter(action="leads.routing").count() == 4
    assert client.get("/leads/routing/rules/5/").status_code == 404


def test_a_refused_rule_shows_its_reasons_and_writes_nothing(workspace, setup):
    _, _, client = setup
    staff.save_agent(workspace, {"user": "sam", "location": "north", "team": "vip"})
    before = _rows()
    response = client.post(
        "/leads/routing/rules/new/",
        {"name": "", "team": "ghosts", "territory": "atlantis", "min_score": "high"},
    )
    assert response.status_code == 422
    assert 'id="field-min_score-error"><p>must be a number</p>' in response.content.decode()
    response = client.post(
        "/leads/routing/rules/new/", {"name": "", "team": "ghosts", "territory": "atlantis"}
    )
    page = response.content.decode()
    assert 'id="field-name-error"><p>must be 1-100 characters</p>' in page
    assert (
        'id="field-territory-error"><p>&#x27;atlantis&#x27; is no location code or region</p>'
        in page
    )
    assert "field-team-error" in page  # 'ghosts' is not in the select: refused as not a team
    response = client.post("/leads/routing/rules/new/", {"name": "X", "team": "vip", "place": "9"})
    assert 'id="field-place-error"><p>must be between 1 and 1</p>' in response.content.decode()
    assert _rows() == before


def test_opening_hours_are_set_from_the_routing_page(workspace, setup):
    north, _, client = setup
    response = client.post(
        "/leads/routing/",
        {
            "location": "north",
            "timezone": "Europe/Paris",
            "weekly": "mon 08:00-12:00",
            "holidays": "",
        },
    )
    assert response.status_code == 302
    response = client.post(
        "/leads/routing/", {"location": "north", "timezone": "Europe/Nowhere", "weekly": ""}
    )
    assert response.status_code == 422
    assert 'id="field-timezone-error"><p>&#x27;Europe/Nowhere&#x27; is not a known time zone' in (
        response.content.decode()
    )
    assert broken_error_links(response.content.decode()) == []
    nothing = client.post("/leads/routing/", {"location": "north", "timezone": "", "weekly": ""})
    page = nothing.content.decode()  # "hours: give a timezone ...": links to the week's field
    assert nothing.status_code == 422 and error_links(page) == ["field-weekly"]
    assert broken_error_links(page) == []
    for weekly in ("mon 25:00-26:00", "x" * 3000):  # the hours' own refusals: at their field
        page = client.post(
            "/leads/routing/", {"location": "north", "timezone": "UTC", "weekly": weekly}
        )
        assert page.status_code == 422 and broken_error_links(page.content.decode()) == []
    from pacer.leads.models import LocationHours

    assert list(LocationHours.objects.values_list("location_id", "timezone", "weekly")) == [
        (north.pk, "Europe/Paris", {"mon": [["08:00", "12:00"]]})
    ]


def test_the_locating_page_sets_steps_areas_and_centroids(workspace, setup):
    north, south, client = setup
    assert (
        client.post(
            "/leads/locating/",
            {"form": "steps", "step_0": "postal", "step_1": "form", "step_2": ""},
        ).status_code
        == 302
    )
    assert LocatingRule.objects.get().steps == ["postal", "form"]
    client.post(
        "/leads/locating/",
        {
            "form": "area",
            "code": "north",
            "postal_codes": "sw1a, ec",
            "latitude": "51.5",
            "longitude": "-0.12",
        },
    )
    client.post("/leads/locating/", {"form": "area", "code": "south", "postal_codes": "BN"})
    client.post(
        "/leads/locating/",
        {
            "form": "centroid",
            "postal_code": "sw1a 1aa",
            "centroid_latitude": "51.501",
            "centroid_longitude": "-0.142",
        },
    )
    assert sorted(LocationArea.objects.values_list("location_id", "postal_codes", "latitude")) == [
        (north.pk, ["SW1A", "EC"], 51.5),
        (south.pk, ["BN"], None),
    ]
    assert list(PostalCentroid.objects.values_list("postal_code", "latitude", "longitude")) == [
        ("SW1A1AA", 51.501, -0.142)
    ]
    page = client.get("/leads/locating/").content.decode()
    assert 'value="postal" selected' in page and "SW1A, EC" in page
    client.post("/leads/locating/", {"form": "area-remove", "code": "south"})
    assert list(LocationArea.objects.values_list("location_id", flat=True)) == [north.pk]
    assert LocatingRule.objects.get().steps == ["postal", "form"]  # kept by the other forms


def test_refused_locating_writes_show_under_their_field_and_write_nothing(workspace, setup):
    _, _, client = setup
    client.post("/leads/locating/", {"form": "area", "code": "north", "postal_codes": "SW1A"})
    before = (
        list(LocationArea.objects.values_list("postal_codes", flat=True)),
        AuditEntry.objects.count(),
    )
    cases = [
        ({"form": "steps", "step_0": "form", "step_1": "form"}, "steps", "lists a step twice"),
        ({"form": "steps"}, "steps", "must list one or more of form, postal, nearest, contact"),
        (
            {"form": "area", "code": "south", "postal_codes": "sw1a"},
            "postal_codes",
            "&#x27;SW1A&#x27; is already north&#x27;s",
        ),
        ({"form": "area", "code": "south"}, "code", "needs postal_codes or latitude and longitude"),
        (
            {"form": "area", "code": "south", "latitude": "91", "longitude": "0"},
            "latitude",
            "latitude and longitude must be degrees",
        ),
        (
            {
                "form": "centroid",
                "postal_code": "",
                "centroid_latitude": "1",
                "centroid_longitude": "1",
            },
            "postal_code",
            "is not a postal code",
        ),
    ]
    for posted, field, reason in cases:
        response = client.post("/leads/locating/", posted)
        assert response.status_code == 422, posted
        page = response.content.decode()
        boxed = f"{field.capitalize()}: {reason}"  # the error box names the field by its label
        assert boxed in page or f'id="field-{field}-error"><p>{reason}' in page, (
            posted,
            page[:0],
        )
        assert error_links(page) and broken_error_links(page) == [], posted
    assert (
        list(LocationArea.objects.values_list("postal_codes", flat=True)),
        AuditEntry.objects.count(),
    ) == before


def test_staff_may_not_open_or_write_the_settings(workspace, setup):
    staff_client = Client()
    staff_client.login(username="sam", password=PASSWORD)
    before = _rows()
    for url in (
        "/leads/routing/",
        "/leads/routing/agents/new/",
        "/leads/routing/rules/new/",
        "/leads/locating/",
    ):
        assert staff_client.get(url).status_code == 403
    assert (
        staff_client.post(
            "/leads/routing/agents/new/", {"user": "sam", "weight": "1", "max_open": "5"}
        ).status_code
        == 403
    )
    assert (
        staff_client.post("/leads/locating/", {"form": "steps", "step_0": "postal"}).status_code
        == 403
    )
    assert _rows() == before and not LocatingRule.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("timezone", "America", "&#x27;America&#x27; is not a known time zone"),
        ("timezone", "x" * 100_000, f"&#x27;{'x' * 60}&#x27; is not a known time zone"),
        ("user", "sam\x00", "no member &#x27;sam\x00&#x27; in this workspace"),
    ],
)
def test_an_agent_form_with_a_zone_or_name_no_lookup_can_take_is_refused_at_its_field(
    workspace, setup, field, value, reason
):
    """A zone that names a folder of the zone database, one longer than a file name, and
    a NUL (which PostgreSQL refuses in a query) were each a 500."""
    _, _, client = setup
    before = _rows()
    form = {"user": "sam", "weight": "1", "max_open": "5", "timezone": "UTC", field: value}
    response = client.post("/leads/routing/agents/new/", form)
    assert response.status_code == 422
    assert f'id="field-{field}-error"><p>{reason}</p>' in response.content.decode()
    assert _rows() == before
