"""Campaigns and spend through the REST API."""

import pytest

from pacer.core import actions
from pacer.people.actions import upsert_locations
from pacer.planning.models import Campaign, SpendEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client, workspace, admin):
    _, token = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    class Api:
        def get(self, path):
            return client.get(f"/api/planning/{path}", **auth)

        def post(self, path, body):
            return client.post(
                f"/api/planning/{path}", body, content_type="application/json", **auth
            )

    return Api()


def test_campaigns_are_created_once_and_listed(api):
    body = {"key": "spring", "channel": "paid_social", "name": "Spring sale"}
    assert api.post("campaigns", body).status_code == 201
    assert api.post("campaigns", {**body, "name": "ignored"}).json()["name"] == "Spring sale"
    assert Campaign.objects.count() == 1
    assert [c["key"] for c in api.get("campaigns").json()] == ["spring"]
    bad = api.post("campaigns", {"key": "x", "channel": "carrier_pigeon"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"channel": "'carrier_pigeon' is not a Pacer channel"}


def test_spend_rows_are_all_or_nothing_and_read_back(api, workspace):
    upsert_locations(workspace, [{"code": "L1", "name": "Austin"}])
    api.post("campaigns", {"key": "spring", "channel": "paid_social"})
    bad = api.post(
        "spend",
        {
            "rows": [
                {"day": "2026-03-02", "channel": "paid_social", "amount": "120.50"},
                {"day": "2026-03-03", "channel": "tv", "amount": "99", "campaign": "nope"},
                {"day": "2026-03-03", "channel": "tv", "amount": "10", "location": "L9"},
            ]
        },
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == {
        "rows[1].campaign": "no campaign 'nope' in this workspace",
        "rows[2].location": "no location 'L9' in this workspace",
    }
    negative = api.post("spend", {"rows": [{"day": "2026-03-02", "channel": "tv", "amount": -1}]})
    assert negative.json()["errors"] == {"rows[0].amount": "must be a finite number of at least 0"}
    assert not SpendEntry.objects.exists()
    good = api.post(
        "spend",
        {
            "rows": [
                {
                    "day": "2026-03-02",
                    "channel": "paid_social",
                    "amount": "120.50",
                    "campaign": "spring",
                    "location": "L1",
                },
                {"day": "2026-03-05", "channel": "tv", "amount": 300},
            ]
        },
    )
    assert good.status_code == 201 and good.json() == {"recorded": 2}
    assert api.get("spend?start=2026-03-01&end=2026-03-31").json() == [
        {
            "day": "2026-03-02",
            "channel": "paid_social",
            "campaign": "spring",
            "location": "L1",
            "amount": 120.5,
        },
        {"day": "2026-03-05", "channel": "tv", "campaign": "", "location": "", "amount": 300.0},
    ]
    assert len(api.get("spend?start=2026-03-01&end=2026-03-31&channel=tv").json()) == 1
    reversed_range = api.get("spend?start=2026-03-31&end=2026-03-01")
    assert reversed_range.status_code == 422
    assert reversed_range.json()["errors"] == {"end": "must not be before start"}
