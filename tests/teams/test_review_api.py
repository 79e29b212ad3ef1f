"""A team, its targets, its weekly reviews and the location scoreboard over the REST
API: exact answers, refusals naming the field with nothing written, the gate."""

from decimal import Decimal

import pytest

from pacer.core.models import AuditEntry, Membership, Role
from pacer.leads.models import Agent
from pacer.metrics.cube import refresh_cube
from pacer.people.actions import upsert_locations
from pacer.teams import actions
from pacer.teams.models import ReviewItem, Team, WeeklyReview
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(workspace):
    return Team.objects.get(workspace=workspace, key="performance")


def member_id(name: str) -> int:
    return Membership.objects.get(user__username=name).pk


def test_one_team_is_read_by_its_key(workspace, call, team):
    lead = member_id("api-staff")
    actions.update_team(team, name="Perf", purpose="Paid", member_ids=[lead], lead_id=lead)
    answer = call("get", "/performance", role=Role.STAFF)
    assert answer.status_code == 200
    assert answer.json() == {
        "key": "performance", "name": "Perf", "purpose": "Paid", "lead_id": lead,
        "member_ids": [lead],
    }  # fmt: skip
    missing = call("get", "/nope")
    assert missing.status_code == 404
    assert missing.json()["errors"] == {"key": "no team 'nope' in this workspace"}


def test_a_teams_targets_are_listed_by_month_and_metric(workspace, call, team):
    owner = member_id("api-marketer")
    actions.set_target(team, metric="leads", month="2026-03", target="40")
    actions.set_target(team, metric="cac", month="2026-03", target="55.5", owner_id=owner)
    actions.set_target(team, metric="cac", month="2026-01", target="60")
    actions.set_target(team, metric="cac", month="2026-04", target="50")
    other = Team.objects.get(workspace=workspace, key="brand")
    actions.set_target(other, metric="cac", month="2026-02", target="1")
    found = call("get", "/performance/targets", role=Role.STAFF).json()
    assert found == [
        {"metric": "cac", "month": "2026-01-01", "target": 60.0, "target_exact": "60.00",
         "owner_id": None},
        {"metric": "cac", "month": "2026-03-01", "target": 55.5, "target_exact": "55.50",
         "owner_id": owner},
        {"metric": "leads", "month": "2026-03-01", "target": 40.0, "target_exact": "40",
         "owner_id": None},
        {"metric": "cac", "month": "2026-04-01", "target": 50.0, "target_exact": "50.00",
         "owner_id": None},
    ]  # fmt: skip
    march = call("get", "/performance/targets?start=2026-02-14&end=2026-03-31").json()
    assert [(t["metric"], t["month"]) for t in march] == [
        ("cac", "2026-03-01"), ("leads", "2026-03-01"),
    ]  # fmt: skip
    backwards = call("get", "/performance/targets?start=2026-03-01&end=2026-01-01")
    assert backwards.status_code == 422 and "end" in backwards.json()["errors"]
    assert call("get", "/nope/targets").status_code == 404


def test_decisions_and_actions_are_recorded_read_and_done(workspace, call, team):
    owner = member_id("api-staff")
    decision = {"kind": "decision", "text": "Move 10% of search to social", "notes": "Good week"}
    answer = call("post", "/performance/reviews/2026-03-04/items", decision)
    assert answer.status_code == 201
    made = answer.json()
    assert made == {
        "id": made["id"], "kind": "decision", "text": "Move 10% of search to social",
        "owner_id": None, "owner": "", "due_on": None, "done_at": None, "week": "2026-03-02",
    }  # fmt: skip
    action = {"kind": "action", "text": "Brief the agency", "owner_id": owner,
              "due_on": "2026-03-06"}  # fmt: skip
    todo = call("post", "/performance/reviews/2026-03-02/items", action).json()
    assert (todo["owner"], todo["due_on"], todo["week"]) == (
        "api-staff",
        "2026-03-06",
        "2026-03-02",
    )
    review = call("get", "/performance/reviews/2026-03-08", role=Role.STAFF).json()
    assert (review["week"], review["notes"]) == ("2026-03-02", "Good week")
    assert [(i["kind"], i["text"]) for i in review["items"]] == [
        ("decision", "Move 10% of search to social"), ("action", "Brief the agency"),
    ]  # fmt: skip
    # the next week's review shows the action still open
    call("post", "/performance/reviews/2026-03-09/items", {"kind": "decision", "text": "Hold"})
    later = call("get", "/performance/reviews/2026-03-09").json()
    assert [i["id"] for i in later["open_actions"]] == [todo["id"]]
    listed = call("get", "/performance/reviews").json()
    assert [(r["week"], len(r["items"])) for r in listed] == [("2026-03-09", 1), ("2026-03-02", 2)]
    assert [r["week"] for r in call("get", "/performance/reviews?limit=1&offset=1").json()] == [
        "2026-03-02"
    ]
    done = call("post", f"/performance/reviews/actions/{todo['id']}/done")
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert call("get", "/performance/reviews/2026-03-09").json()["open_actions"] == []
    again = call("post", f"/performance/reviews/actions/{todo['id']}/done")
    assert again.status_code == 422
    assert again.json()["errors"] == {"item_id": "already done"}
    assert AuditEntry.objects.filter(action="team.action_done").count() == 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"kind": "action", "text": "x", "due_on": "2026-03-06"}, "owner_id"),
        ({"kind": "action", "text": "x", "owner_id": "OWNER"}, "due_on"),
        ({"kind": "action", "text": "x", "owner_id": "OWNER", "due_on": "2026-02-27"}, "due_on"),
        ({"kind": "decision", "text": "x", "owner_id": 999999}, "owner_id"),
        ({"kind": "verdict", "text": "x"}, "kind"),
        ({"kind": "decision", "text": ""}, "text"),
        ({"kind": "decision", "text": "x" * 501}, "text"),
    ],
)
def test_a_refused_item_names_the_field_and_records_nothing(workspace, call, team, body, field):
    body = {k: member_id("api-staff") if v == "OWNER" else v for k, v in body.items()}
    answer = call("post", "/performance/reviews/2026-03-02/items", body)
    assert answer.status_code == 422
    assert field in answer.json()["errors"], answer.json()
    assert (WeeklyReview.objects.count(), ReviewItem.objects.count()) == (0, 0)
    assert not AuditEntry.objects.filter(action__startswith="team.review").exists()


def test_staff_read_reviews_but_do_not_record_them(workspace, call, team):
    body = {"kind": "decision", "text": "x"}
    assert (
        call("post", "/performance/reviews/2026-03-02/items", body, role=Role.STAFF).status_code
        == 403
    )
    item = actions.add_review_item(
        team, week="2026-03-02", kind="action", text="t", owner_id=member_id("api-staff"),
        due_on="2026-03-03",
    )  # fmt: skip
    done = call("post", f"/performance/reviews/actions/{item.pk}/done", role=Role.STAFF)
    assert done.status_code == 403
    item.refresh_from_db()
    assert item.done_at is None and ReviewItem.objects.count() == 1
    assert call("get", "/performance/reviews", role=Role.STAFF).status_code == 200
    nothing = call("get", "/performance/reviews/2026-04-01")
    assert nothing.status_code == 404
    assert nothing.json()["errors"] == {"week": "no review of the week of 2026-03-30 for this team"}
    other = Team.objects.get(workspace=workspace, key="brand")
    theirs = actions.add_review_item(
        other, week="2026-03-02", kind="action", text="t", owner_id=member_id("api-staff"),
        due_on="2026-03-03",
    )  # fmt: skip
    refused = call("post", f"/performance/reviews/actions/{theirs.pk}/done")
    assert refused.json()["errors"] == {"item_id": "no such follow-up action in this team"}


def test_the_location_scoreboard_shows_staff_their_locations_only(workspace, small_business, call):
    sync(after_sync=refresh_cube)
    upsert_locations(workspace, [{"code": "L2", "name": "Boston"}])
    url = "/scoreboard/locations?start=2026-01-01&end=2026-02-28"
    everyone = call("get", url).json()
    assert [(r["code"], r["name"]) for r in everyone] == [("L1", "Austin"), ("L2", "Boston")]
    austin = everyone[0]
    assert (Decimal(str(austin["spend"])), austin["nps"], austin["ratings"]) == (
        Decimal(400),
        None,
        0,
    )
    assert everyone[1]["spend"] is None
    assert call("get", url, role=Role.STAFF).json() == []
    staff = Membership.objects.get(user__username="api-staff").user
    Agent.objects.create(workspace=workspace, user=staff, location_id=small_business["location"].pk)
    assert [r["code"] for r in call("get", url, role=Role.STAFF).json()] == ["L1"]
    backwards = call("get", "/scoreboard/locations?start=2026-03-01&end=2026-01-01")
    assert backwards.status_code == 422 and "end" in backwards.json()["errors"]
