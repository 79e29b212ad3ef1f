"""A location's time zone (an IANA name; empty: the workspace's): set by the locations
upsert and the REST API, refused with the field named and nothing written."""

import json

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, Role
from pacer.people.actions import upsert_locations
from pacer.people.models import Location
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
ZONE_REASON = "must be an IANA time zone such as Asia/Tokyo, or empty for the workspace's"


def zones(workspace) -> dict[str, str]:
    return dict(Location.objects.filter(workspace=workspace).values_list("code", "time_zone"))


def test_upsert_sets_a_known_zone_keeps_it_when_left_out_and_refuses_an_unknown_one(workspace):
    upsert_locations(workspace, [{"code": "t", "name": "Tokyo", "time_zone": "Asia/Tokyo"}])
    upsert_locations(workspace, [{"code": "t", "name": "Tokyo Ginza"}])  # no zone: kept
    assert zones(workspace) == {"t": "Asia/Tokyo"}
    with pytest.raises(ValidationFailed) as refused:
        upsert_locations(
            workspace,
            [
                {"code": "l", "name": "London", "time_zone": "Europe/London"},
                {"code": "m", "name": "Mars", "time_zone": "Mars/Olympus_Mons"},
                {"code": "x", "name": "X", "time_zone": "../../etc/passwd"},
                {"code": "a", "name": "A", "time_zone": "America"},  # a folder of zones
            ],
        )
    assert refused.value.errors == {f"rows[{n}].time_zone": ZONE_REASON for n in (1, 2, 3)}
    assert zones(workspace) == {"t": "Asia/Tokyo"}  # London not written either


def test_the_api_lists_and_saves_a_locations_zone_for_managers_only(workspace, admin):
    api = ApiClient(workspace, admin)

    def put(body, token=api.token):
        return Client().put(
            "/api/people/locations",
            json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    response = put({"code": "t", "name": "Tokyo", "time_zone": "Asia/Tokyo"})
    assert response.status_code == 200
    saved = response.json()
    assert saved == {
        "id": saved["id"],
        "code": "t",
        "name": "Tokyo",
        "city": "",
        "time_zone": "Asia/Tokyo",
    }
    response = put({"code": "t", "name": "Tokyo", "time_zone": "Tokyo"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"time_zone": ZONE_REASON}
    staff = ApiClient(workspace, core.create_user(workspace, "sam", "long-password-1", Role.STAFF))
    audited = AuditEntry.objects.count()
    refused = put({"code": "t", "name": "Tokyo", "time_zone": ""}, staff.token)
    assert refused.status_code == 403
    assert (zones(workspace), AuditEntry.objects.count()) == ({"t": "Asia/Tokyo"}, audited)
    assert put({"code": "t", "name": "Tokyo", "city": "Ginza"}).json()["time_zone"] == ""
    assert api.get("people/locations").json() == [
        {"id": saved["id"], "code": "t", "name": "Tokyo", "city": "Ginza", "time_zone": ""}
    ]


def test_the_locations_page_shows_each_zone_and_saves_one_or_shows_the_refusal(workspace):
    core.create_user(workspace, "mia", "long-password-1", Role.MARKETER)
    upsert_locations(workspace, [{"code": "n", "name": "North", "city": "Leeds"}])
    manager = Client()
    manager.login(username="mia", password="long-password-1")
    html = manager.get("/settings/locations/").content.decode()
    assert "The workspace&#x27;s time zone" in html
    audited = AuditEntry.objects.count()
    refused = manager.post(
        "/settings/locations/", {"code": "n", "name": "North", "time_zone": "Nowhere"}
    )
    assert refused.status_code == 422
    assert ZONE_REASON.replace("'", "&#x27;") in refused.content.decode()
    assert (zones(workspace), AuditEntry.objects.count()) == ({"n": ""}, audited)
    saved = manager.post(
        "/settings/locations/",
        {"code": "n", "name": "North", "city": "Leeds", "time_zone": "Europe/London"},
    )
    assert (saved.status_code, saved["Location"]) == (302, "/settings/locations/")
    assert zones(workspace) == {"n": "Europe/London"}
    form = manager.get("/settings/locations/?code=n").content.decode()
    assert '<option value="Europe/London" selected>' in form
    assert "Change North" in form
