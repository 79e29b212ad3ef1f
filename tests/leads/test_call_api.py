# ruff: noqa: F811 (the fixtures imported from the other inbox tests)
"""Logging a call over the REST API (``POST /api/leads/{id}/calls``), the staff inbox's
action: its outcome in words on a call activity, the first one the lead's first response,
each setting its next touch; a refused call (a bad field, another workspace's lead, a
role without the permission, no token) writes nothing."""

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.roles import Role
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import lead_at
from tests.leads.test_inbox_call import at, state
from tests.leads.test_next_touch import desk  # noqa: F401 (a fixture)
from tests.leads.test_overdue_touch import NOW, leads  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def bearer(workspace, user) -> dict:
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def ann(workspace, desk):
    return bearer(workspace, desk[0])


def call(lead_id: int, body, auth: dict):
    return Client().post(
        f"/api/leads/{lead_id}/calls", body, content_type="application/json", **auth
    )


def test_a_first_call_answers_the_lead_and_sets_its_next_touch(workspace, desk, leads, ann):
    late = leads["late"]
    response = call(late.pk, {"outcome": "voicemail", "note": " back at 4 "}, ann)
    assert response.status_code == 200
    first, next_touch, round_, activities, pending = state(late.pk)
    assert (first, next_touch, round_) == (NOW, at(13), 1)  # 60 working minutes on
    assert activities == [("call", "Left a voicemail: back at 4", NOW)]
    # the first response's timers are cancelled; the next touch's reminder and chain set
    assert pending == [("touch", 1, 0, at(12, 55)), ("touch-late", 1, 0, at(13))]
    body = response.json()
    assert (body["id"], body["first_response_at"], body["next_touch_by"]) == (
        late.pk,
        "2026-03-09T12:00:00Z",
        "2026-03-09T13:00:00Z",
    )
    assert body["activities"] == [
        {
            "kind": "call",
            "outcome": "Left a voicemail: back at 4",
            "next_step": "",
            "at": "2026-03-09T12:00:00Z",
            "actor_id": desk[0].pk,
        }
    ]


def test_a_later_call_keeps_the_first_response_and_sets_the_next_touch_again(workspace, leads, ann):
    missed = leads["missed"]
    assert call(missed.pk, {"outcome": "no-answer"}, ann).status_code == 200
    first, next_touch, round_, activities, pending = state(missed.pk)
    assert (first, next_touch, round_) == (at(10, 5), at(13), 2)
    assert activities == [("call", "reached", at(10, 5)), ("call", "No answer", NOW)]
    assert pending == [("touch", 2, 0, at(12, 55)), ("touch-late", 2, 0, at(13))]


ONE_OF = "is not one of 'reached', 'voicemail' or 'no-answer'"


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"outcome": "Field required"}),
        ({"outcome": ""}, {"outcome": f"'' {ONE_OF}"}),
        ({"outcome": "emailed", "note": "rang twice"}, {"outcome": f"'emailed' {ONE_OF}"}),
        ({"outcome": "Reached"}, {"outcome": f"'Reached' {ONE_OF}"}),
        (
            {"outcome": "reached", "note": "x" * 401},
            {"note": "String should have at most 400 characters"},
        ),
        ({"outcome": "reached", "note": "a\x00b"}, {"note": "must not contain NUL characters"}),
        ({"outcome": "reached", "note": 4}, {"note": "Input should be a valid string"}),
    ],
)
def test_a_refused_call_names_its_field_and_writes_nothing(workspace, leads, ann, body, errors):
    late = leads["late"]
    before = state(late.pk)
    response = call(late.pk, body, ann)
    assert (response.status_code, response.json()["errors"]) == (422, errors)
    assert state(late.pk) == before


def test_the_longest_note_is_taken_whole(workspace, leads, ann):
    late = leads["late"]
    assert call(late.pk, {"outcome": "reached", "note": "x" * 400}, ann).status_code == 200
    assert state(late.pk)[3] == [("call", "Reached: " + "x" * 400, NOW)]


def test_a_call_the_caller_may_not_log_is_refused_and_writes_nothing(
    workspace, leads, ann, clock_at
):
    other = core_actions.create_workspace("Other Co", slug="other")
    upsert_locations(other, [{"code": "north", "name": "North"}])
    theirs = lead_at(other, at(11), clock_at, 42)
    clock_at(NOW)
    late = leads["late"]
    before = {lead: state(lead) for lead in (theirs.pk, late.pk)}
    refused = call(theirs.pk, {"outcome": "reached"}, ann)  # another workspace's lead
    assert (refused.status_code, refused.json()["errors"]) == (
        404,
        {"lead_id": "no such lead in this workspace"},
    )
    assert call(2**62, {"outcome": "reached"}, ann).status_code == 404
    assert call(late.pk, {"outcome": "reached"}, {}).status_code == 401
    partner = core_actions.create_user(workspace, "pat", "correct-horse-1", Role.PARTNER)
    forbidden = call(late.pk, {"outcome": "reached"}, bearer(workspace, partner))
    assert forbidden.status_code == 403
    assert forbidden.json()["detail"] == "role: your role does not allow this (leads.work)"
    sid = core_actions.create_user(other, "sid", "correct-horse-1", Role.STAFF)
    assert call(late.pk, {"outcome": "reached"}, bearer(other, sid)).status_code == 404
    assert {lead: state(lead) for lead in (theirs.pk, late.pk)} == before
