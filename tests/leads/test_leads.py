"""Leads: captured through ingestion, made once per "Lead Created" event, moved through
stages with their history, counted in the funnel."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import feed
from pacer.core.errors import ValidationFailed
from pacer.core.models import FeedCursor, Role
from pacer.ingest.actions import ingest
from pacer.ingest.models import Event
from pacer.ingest.processing import process_pending
from pacer.leads import actions, selectors
from pacer.leads.models import Lead, StageChange
from pacer.people.actions import upsert_locations
from pacer.people.models import Contact
from pacer.people.selectors import current_consent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FORM = {
    "email": "Mia@Example.com",
    "first_name": "Mia",
    "phone": "+1 555 010 0199",
    "location": "north",
    "form": "spring-offer",
    "page_url": "https://shop.test/offer?utm_source=google&utm_medium=cpc&utm_campaign=spring",
    "utm_source": "google",
    "utm_medium": "cpc",
    "utm_campaign": "spring",
    "consents": [
        {"purpose": "marketing", "channel": "email", "granted": True, "wording": "Send me offers"}
    ],
}


@pytest.fixture
def north(workspace):
    (location,) = upsert_locations(workspace, [{"code": "north", "name": "North"}])
    return location


def settle(workspace) -> None:
    """What the worker does: process accepted events, then deliver the change feed."""
    process_pending(workspace)
    while feed.deliver_all():
        pass


def test_a_captured_lead_is_resolved_to_a_contact_and_keeps_where_it_came_from(workspace, north):
    captured = actions.capture(
        workspace, FORM | {"submission_id": "s1"}, source="form", received_at=NOW
    )
    assert captured.status == "accepted"
    assert not Lead.objects.exists()  # made once processing has resolved the event
    settle(workspace)
    (lead,) = Lead.objects.all()
    person = Contact.objects.get(pk=lead.contact_id)
    assert (person.email, person.first_name, person.phone) == (
        "mia@example.com",
        "Mia",
        "+1 555 010 0199",
    )
    assert (lead.source, lead.form, lead.channel, lead.campaign, lead.location_id) == (
        "form",
        "spring-offer",
        "paid_search",
        "spring",
        north.pk,
    )
    assert (lead.stage, lead.created_at, lead.stage_changed_at) == ("lead", NOW, NOW)
    assert [(h.from_stage, h.to_stage, h.by, h.at) for h in lead.history.all()] == [
        ("", "lead", "capture", NOW)
    ]
    assert current_consent(workspace, person.pk) == {("email", "marketing"): True}


def test_the_same_submission_twice_makes_one_lead_and_a_second_one_joins_the_contact(
    workspace, north
):
    actions.capture(workspace, FORM | {"submission_id": "s1"}, source="form", received_at=NOW)
    again = actions.capture(
        workspace, FORM | {"submission_id": "s1"}, source="form", received_at=NOW
    )
    assert again.status == "duplicate"
    later = NOW + timedelta(days=3)
    actions.capture(
        workspace,
        {"email": "mia@example.com", "submission_id": "s2"},
        source="api",
        received_at=later,
    )
    settle(workspace)
    leads = list(Lead.objects.order_by("created_at"))
    assert [(lead.source, lead.created_at) for lead in leads] == [("form", NOW), ("api", later)]
    assert len({lead.contact_id for lead in leads}) == 1 and Contact.objects.count() == 1


def test_a_lead_created_event_from_a_segment_sdk_makes_a_lead(workspace, north):
    ingest(
        workspace,
        [
            {
                "type": "track",
                "event": "Lead Created",
                "messageId": "m1",
                "userId": "u-7",
                "timestamp": NOW.isoformat(),
                "properties": {"location": "north"},
            }
        ],
        received_at=NOW,
    )
    while feed.deliver_all():
        pass
    (lead,) = Lead.objects.all()
    assert (lead.source, lead.location_id, lead.stage) == ("segment", north.pk, "lead")


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({}, {"email": "give an email or a phone number"}),
        ({"email": "not-an-address"}, {"email": "is not an email address"}),
        ({"phone": "12-34"}, {"phone": "needs at least 6 digits"}),
        (
            {"email": "a@b.test", "location": "atlantis", "page_url": "javascript:alert(1)"},
            {
                "location": "no location 'atlantis' in this workspace",
                "page_url": "must be an http(s) URL",
            },
        ),
        (
            {
                "email": "a@b.test",
                "consents": [{"purpose": "marketing", "channel": "email", "granted": True}],
            },
            {"consents[0].wording": "is required: record what the person agreed to"},
        ),
        (
            {"email": "a@b.test", "first_name": "x" * 101},
            {"first_name": "must be at most 100 characters"},
        ),
        (
            {"email": "a@b.test", "submission_id": "no spaces"},
            {"submission_id": "must be 1-100 letters, digits or . _ : -"},
        ),
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(workspace, north, data, errors):
    with pytest.raises(ValidationFailed) as refused:
        actions.capture(workspace, data, source="form", received_at=NOW)
    assert refused.value.errors == errors
    assert not Event.objects.exists() and not Contact.objects.exists()


def _lead(workspace, north) -> Lead:
    actions.capture(workspace, FORM | {"submission_id": "s1"}, source="form", received_at=NOW)
    settle(workspace)
    return Lead.objects.get()


def test_stage_moves_keep_their_history_and_a_lost_stage_needs_a_reason(workspace, north, admin):
    lead = _lead(workspace, north)
    hour = timedelta(hours=1)
    actions.move_stage(workspace, lead.pk, "mql", at=NOW + hour, actor=admin)
    with pytest.raises(ValidationFailed, match="reason: is required"):
        actions.move_stage(workspace, lead.pk, "disqualified", at=NOW + 2 * hour)
    with pytest.raises(ValidationFailed, match="already in 'mql'"):
        actions.move_stage(workspace, lead.pk, "mql", at=NOW + 2 * hour)
    with pytest.raises(ValidationFailed, match="stage: must be one of subscriber, lead"):
        actions.move_stage(workspace, lead.pk, "won-ish", at=NOW + 2 * hour)
    moved = actions.move_stage(
        workspace, lead.pk, "disqualified", at=NOW + 3 * hour, by="rule:spam", reason="spam"
    )
    assert (moved.stage, moved.reason, moved.stage_changed_at) == (
        "disqualified",
        "spam",
        NOW + 3 * hour,
    )
    assert [
        (h.from_stage, h.to_stage, h.at, h.actor_id, h.by, h.reason)
        for h in selectors.history(workspace, lead.pk)
    ] == [
        ("", "lead", NOW, None, "capture", ""),
        ("lead", "mql", NOW + hour, admin.pk, "user", ""),
        ("mql", "disqualified", NOW + 3 * hour, None, "rule:spam", "spam"),
    ]
    other = core_actions.create_workspace("Other", slug="other")
    with pytest.raises(ValidationFailed, match="no such lead"):
        actions.move_stage(other, lead.pk, "sql", at=NOW)
    assert StageChange.objects.count() == 3


def test_the_funnel_counts_leads_reaching_each_stage_with_median_times(workspace, north):
    hours = timedelta(hours=1)
    paths = {  # submission: [(stage, hours after capture)]
        "a": [("mql", 2), ("sql", 6)],
        "b": [("mql", 4)],
        "c": [("sql", 10)],  # skips mql: passes it at the same moment
        "d": [],
    }
    for submission, moves in paths.items():
        actions.capture(
            workspace,
            {"email": f"{submission}@x.test", "submission_id": submission},
            source="api",
            received_at=NOW,
        )
        settle(workspace)
        lead = Lead.objects.get(contact__email=f"{submission}@x.test")
        for stage, after in moves:
            actions.move_stage(workspace, lead.pk, stage, at=NOW + after * hours)
    steps = {
        s.stage: (s.reached, s.conversion, s.median_hours_from_previous)
        for s in selectors.funnel(workspace, NOW - hours, NOW + hours)[None]
    }
    assert steps["lead"] == (4, 1.0, 0.0)
    assert steps["mql"] == (3, 0.75, 4.0)  # 2, 4 and 10 hours
    assert steps["sql"] == (2, 2 / 3, 2.0)  # 4 and 0 hours after mql
    assert steps["opportunity"] == (0, 0.0, None)
    assert selectors.funnel(workspace, NOW + hours, NOW + 2 * hours) == {}
    by_cohort = selectors.funnel(workspace, NOW - hours, NOW + hours, by="cohort")
    assert list(by_cohort) == ["2026-03"] and by_cohort["2026-03"][2].reached == 3
    by_channel = selectors.funnel(workspace, NOW - hours, NOW + hours, by="channel")
    assert [s.reached for s in by_channel[""]][:4] == [4, 4, 3, 2]  # no UTM: no channel


def test_the_funnel_splits_by_campaign_and_by_location(workspace, north):
    hours = timedelta(hours=1)
    for submission, campaign, location, to_mql in (
        ("a", "spring", "north", True),
        ("b", "spring", "", False),
        ("c", "autumn", "north", False),
    ):
        data = {"email": f"{submission}@x.test", "submission_id": submission}
        data |= {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": campaign}
        actions.capture(
            workspace,
            data | ({"location": location} if location else {}),
            source="api",
            received_at=NOW,
        )
        settle(workspace)
        if to_mql:
            lead = Lead.objects.get(contact__email=f"{submission}@x.test")
            actions.move_stage(workspace, lead.pk, "mql", at=NOW + hours)

    def reached(by):
        found = selectors.funnel(workspace, NOW - hours, NOW + hours, by=by)
        return {group: [s.reached for s in steps][:3] for group, steps in found.items()}

    # subscriber (passed on the way in), lead, MQL
    assert reached("campaign") == {"autumn": [1, 1, 0], "spring": [2, 2, 1]}
    assert reached("location") == {north.pk: [2, 2, 1], None: [1, 1, 0]}
    # one location's leads only (a location manager's view), grouped or not
    only_north = selectors.funnel(workspace, NOW - hours, NOW + hours, location_id=north.pk)
    assert {group: [s.reached for s in steps][:3] for group, steps in only_north.items()} == {
        None: [2, 2, 1]
    }
    by_campaign = selectors.funnel(
        workspace, NOW - hours, NOW + hours, by="campaign", location_id=north.pk
    )
    assert {g: [s.reached for s in steps][:3] for g, steps in by_campaign.items()} == {
        "autumn": [1, 1, 0],
        "spring": [1, 1, 1],
    }


def test_the_stage_list_is_the_workspaces_own_and_a_stage_in_use_cannot_be_dropped(
    workspace, north
):
    lead = _lead(workspace, north)
    with pytest.raises(ValidationFailed) as refused:
        actions.set_stages(workspace, [{"key": "new", "label": "New"}])
    assert refused.value.errors == {"stages": "leads are in lead: move them first"}
    actions.set_stages(
        workspace,
        [
            {"key": "lead", "label": "Lead"},
            {"key": "booked", "label": "Visit booked"},
            {"key": "lost", "label": "Lost", "kind": "lost"},
        ],
    )
    actions.move_stage(workspace, lead.pk, "booked", at=NOW)
    with pytest.raises(ValidationFailed, match="stage: must be one of lead, booked, lost"):
        actions.move_stage(workspace, lead.pk, "mql", at=NOW)


def test_a_lead_follows_its_contact_into_a_merge(workspace, north):
    earlier = (NOW - timedelta(days=30)).isoformat()
    identify = {"type": "identify", "traits": {"email": "mia@example.com"}}
    ingest(
        workspace,
        [identify | {"messageId": "m1", "userId": "mia", "timestamp": earlier}],
        received_at=NOW,
    )
    known = Contact.objects.get()
    actions.capture(
        workspace,
        {"phone": "+1 555 010 0199", "submission_id": "s1"},
        source="form",
        received_at=NOW,
    )
    settle(workspace)
    made = Lead.objects.get()
    assert made.contact_id != known.pk
    ingest(
        workspace,
        [identify | {"messageId": "m9", "anonymousId": "lead-s1", "timestamp": NOW.isoformat()}],
        received_at=NOW,
    )
    assert Contact.objects.get(pk=made.contact_id).merged_into_id == known.pk
    assert Lead.objects.get().contact_id == known.pk


def test_delivering_the_same_batches_again_makes_no_second_lead(workspace, north):
    _lead(workspace, north)
    FeedCursor.objects.filter(subscriber="leads").update(position=0)
    while feed.deliver_all():
        pass
    assert Lead.objects.count() == 1 and StageChange.objects.count() == 1


def test_leads_over_the_rest_api(workspace, north):
    staff = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    _, token = core_actions.issue_api_key(workspace, "personal", "cli", user=staff)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    answer = client.post(
        "/api/leads/", FORM | {"submission_id": "s1"}, content_type="application/json"
    )
    assert answer.status_code == 202 and answer.json() == {
        "submission_id": "s1",
        "status": "accepted",
    }
    refused = client.post("/api/leads/", {"email": "nope"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["errors"] == {
        "email": "is not an email address"
    }
    settle(workspace)
    (listed,) = client.get("/api/leads/").json()
    moved = client.post(
        f"/api/leads/{listed['id']}/stage", {"stage": "mql"}, content_type="application/json"
    ).json()
    assert [h["to_stage"] for h in moved["history"]] == ["lead", "mql"]
    assert moved["history"][1]["actor_id"] == staff.pk
    called = client.post(
        f"/api/leads/{listed['id']}/activities",
        {"kind": "call", "outcome": "booked"},
        content_type="application/json",
    ).json()
    assert called["first_response_at"] is not None
    assert [(a["kind"], a["outcome"], a["actor_id"]) for a in called["activities"]] == [
        ("call", "booked", staff.pk)
    ]
    forbidden = client.put(
        "/api/leads/stages",
        {"stages": [{"key": "x", "label": "X"}]},
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    assert [s["key"] for s in client.get("/api/leads/stages").json()][:2] == ["subscriber", "lead"]


def test_a_csv_of_leads_is_all_or_nothing_and_a_repeat_adds_nothing(workspace, north, tmp_path):
    rows = [
        {"email": "a@x.test", "location": "north", "utm_source": "google"},
        {"email": "b@x.test", "first_name": "Bo"},
    ]
    first = actions.capture_rows(workspace, rows, source="csv", received_at=NOW)
    assert [c.status for c in first] == ["accepted", "accepted"]
    again = actions.capture_rows(workspace, rows, source="csv", received_at=NOW)
    assert [c.status for c in again] == ["duplicate", "duplicate"]
    stored = Event.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.capture_rows(
            workspace, [{"email": "c@x.test"}, {"email": "nope"}], source="csv", received_at=NOW
        )
    assert refused.value.errors == {"rows[1].email": "is not an email address"}
    assert Event.objects.count() == stored  # the good row was not written either
    settle(workspace)
    assert sorted(Lead.objects.values_list("source", "contact__email")) == [
        ("csv", "a@x.test"),
        ("csv", "b@x.test"),
    ]
