"""Teams over the REST API: exact answers, bounded inputs, refusals that write nothing."""

import pytest

from pacer.core.models import AuditEntry, Membership, Role
from pacer.metrics.cube import refresh_cube
from pacer.teams.models import KpiTarget, Team
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db


def test_list_create_and_update_teams(workspace, call):
    assert [t["key"] for t in call("get", "").json()] == [
        "brand",
        "cx",
        "content",
        "performance",
        "product",
    ]
    response = call("post", "", {"key": "local", "name": "Local marketing"})
    assert response.status_code == 201
    assert response.json() == {
        "key": "local",
        "name": "Local marketing",
        "purpose": "",
        "lead_id": None,
        "member_ids": [],
    }
    member = Membership.objects.get(user__username="api-staff").pk
    response = call("put", "/local", {"name": "Local", "member_ids": [member], "lead_id": member})
    assert response.status_code == 200
    assert (response.json()["lead_id"], response.json()["member_ids"]) == (member, [member])
    assert call("put", "/nope", {"name": "x"}).status_code == 404


def test_set_a_target_and_read_the_scoreboard(workspace, small_business, call):
    sync(after_sync=refresh_cube)
    body = {"metric": "cac", "month": "2026-02-14", "target": 150}
    response = call("put", "/performance/targets", body)
    assert response.status_code == 200
    assert response.json() == {
        "metric": "cac",
        "month": "2026-02-01",
        "target": 150.0,
        "target_exact": "150.00",
        "owner_id": None,
    }
    board = call("get", "/performance/scoreboard?month=2026-02-01").json()
    assert board["month"] == "2026-02-01" and board["months"][0] == "2025-09-01"
    assert board["rows"] == [
        {
            "metric": "cac",
            "label": "CAC",
            "target": 150.0,
            "target_exact": "150.00",
            "actual": 100.0,
            "attainment": 1.5,
            "met": True,
            "owner": "",
            "trend": [None, None, None, None, 300.0, 100.0],
            "business_target": False,
        }
    ]
    assert board["location"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"metric": "mood", "month": "2026-02-01", "target": 1}, "metric"),
        ({"metric": "cac", "month": "2026-02-30", "target": 1}, "month"),
        ({"metric": "cac", "month": "2026-02-01", "target": 1e13}, "target"),
        ({"metric": "cac", "month": "2026-02-01", "target": 1, "owner_id": 999999}, "owner_id"),
    ],
)
def test_refused_targets_name_the_field_and_write_nothing(workspace, call, body, field):
    before = (KpiTarget.objects.count(), AuditEntry.objects.count())
    response = call("put", "/performance/targets", body)
    assert response.status_code == 422
    assert any(field in path for path in response.json()["errors"]), response.json()
    assert (KpiTarget.objects.count(), AuditEntry.objects.count()) == before


def test_staff_may_read_but_not_change_teams(workspace, call):
    assert call("get", "", role=Role.STAFF).status_code == 200
    before = (sorted(Team.objects.values_list("key", "name")), AuditEntry.objects.count())
    assert call("post", "", {"key": "x", "name": "X"}, role=Role.STAFF).status_code == 403
    body = {"metric": "cac", "month": "2026-02-01", "target": 1}
    assert call("put", "/cx/targets", body, role=Role.STAFF).status_code == 403
    assert (sorted(Team.objects.values_list("key", "name")), AuditEntry.objects.count()) == before


def test_ratings_are_imported_by_the_api_once_per_review_and_refused_by_row(workspace, call):
    from decimal import Decimal

    from pacer.people.actions import upsert_locations
    from pacer.teams.models import ReviewRating

    upsert_locations(workspace, [{"code": "n", "name": "North"}])
    rows = [
        {"location": "n", "source": "google", "external_id": "g1", "rating": 4.5,
         "date": "2026-02-03"},
        {"location": "n", "source": "yelp", "external_id": "y1", "rating": 2,
         "date": "2026-02-04"},
    ]  # fmt: skip
    response = call("post", "/ratings", {"rows": rows})
    assert response.status_code == 200 and response.json() == {"created": 2, "updated": 0}
    # sent again with a new rating: updated, not counted twice
    rows[0]["rating"] = 3
    assert call("post", "/ratings", {"rows": rows}).json() == {"created": 0, "updated": 2}
    stored = sorted(ReviewRating.objects.values_list("source", "external_id", "rating"))
    assert stored == [("google", "g1", Decimal("3.00")), ("yelp", "y1", Decimal("2.00"))]
    # one bad row refuses the whole request by row and field; nothing written
    bad = [{**rows[0], "external_id": "g2"}, {**rows[1], "location": "x", "rating": 6}]
    response = call("post", "/ratings", {"rows": bad})
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["rows[1].location"] == "no location with code 'x'"
    assert errors["rows[1].rating"] == "must be a number from 1 to 5"
    assert call("post", "/ratings", {"rows": []}).json()["errors"] == {"rows": "has no rows"}
    assert call("post", "/ratings", {"rows": rows}, role=Role.STAFF).status_code == 403
    assert ReviewRating.objects.count() == 2


def test_a_target_is_removed_once_with_its_audit_entry_and_only_by_a_manager(workspace, call):
    team = Team.objects.get(workspace=workspace, key="performance")
    for metric, month in (("cac", "2026-02-01"), ("cac", "2026-03-01"), ("leads", "2026-02-01")):
        call("put", "/performance/targets", {"metric": metric, "month": month, "target": 5})
    kept = [("cac", "2026-03-01"), ("leads", "2026-02-01")]
    assert call("delete", "/performance/targets/cac/2026-02-01", role=Role.STAFF).status_code == 403
    assert KpiTarget.objects.filter(team=team).count() == 3
    response = call("delete", "/performance/targets/cac/2026-02-14")  # any day of the month
    assert response.status_code == 204
    remaining = KpiTarget.objects.filter(team=team).values_list("metric", "month")
    assert sorted((m, f"{d:%Y-%m-%d}") for m, d in remaining) == kept
    entry = AuditEntry.objects.latest("pk")
    assert (entry.action, entry.actor.username, entry.after) == (
        "team.target.remove",
        "api-marketer",
        None,
    )
    assert entry.before == {
        "team": "performance",
        "metric": "cac",
        "month": "2026-02-01",
        "target": "5.0000",
        "owner": None,
    }
    before = AuditEntry.objects.count()
    again = call("delete", "/performance/targets/cac/2026-02-01")
    assert (again.status_code, again.json()["errors"]) == (
        404,
        {"metric": "no target on 'cac' in 2026-02 for this team"},
    )
    assert call("delete", "/cx/targets/leads/2026-02-01").status_code == 404  # another team's
    assert call("delete", "/performance/targets/mood/2026-02-01").status_code == 422
    assert AuditEntry.objects.count() == before
    assert sorted((m, f"{d:%Y-%m-%d}") for m, d in remaining) == kept
