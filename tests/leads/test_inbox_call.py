# ruff: noqa: F811 (the fixtures imported from the other inbox tests)
"""Logging a call from a row of the staff inbox: the first one is the lead's first
response, each sets its next touch (the lead page's action); without JavaScript a POST
and a redirect back to the same inbox address, with HTMX the inbox's live part with the
row updated; a refused attempt (a bad field, another workspace's lead, no sign-in, a
GET) writes nothing."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.roles import Role
from pacer.leads.models import Activity, Lead, Timer
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import lead_at
from tests.leads.test_next_touch import desk  # noqa: F401 (a fixture)
from tests.leads.test_overdue_touch import NOW, leads  # noqa: F401 (a fixture)
from tests.web.error_links import broken_error_links

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 9, hour, minute, tzinfo=UTC)


@pytest.fixture
def ann(desk):  # noqa: F811
    client = Client()
    client.login(username="ann", password="correct-horse-1")
    return client


def state(lead_id: int) -> tuple:
    """What a call could change: the lead's response and next touch, its activities and
    its pending timers."""
    lead = Lead.objects.get(pk=lead_id)
    pending = Timer.objects.filter(lead=lead, fired_at__isnull=True, cancelled_at__isnull=True)
    return (
        lead.first_response_at,
        lead.next_touch_by,
        lead.touch_round,
        list(Activity.objects.filter(lead=lead).values_list("kind", "outcome", "at")),
        sorted(pending.values_list("kind", "step", "position", "due_at")),
    )


def test_a_first_call_from_the_inbox_answers_the_lead_and_comes_back_to_the_same_view(
    workspace,
    leads,
    ann,  # noqa: F811
):
    late = leads["late"]
    north = late.location_id
    back = f"/leads/?view=overdue&location={north}&sort=-created_at"
    response = ann.post(
        f"/leads/{late.pk}/call/",
        {"outcome": "voicemail", "note": " back at 4 ", "next": back},
    )
    assert (response.status_code, response["Location"]) == (302, back)
    (activity,) = Activity.objects.filter(lead=late)
    assert (activity.kind, activity.outcome, activity.at, activity.actor.username) == (
        "call",
        "Left a voicemail: back at 4",
        NOW,
        "ann",
    )
    first, next_touch, round_, _, pending = state(late.pk)
    assert (first, next_touch, round_) == (NOW, at(13), 1)  # 60 working minutes on
    # the first response's timers are cancelled; the next touch's reminder and chain set
    assert pending == [("touch", 1, 0, at(12, 55)), ("touch-late", 1, 0, at(13))]
    page = ann.get(back).content.decode()
    assert "Call logged: left a voicemail." in page
    assert 'Overdue <span id="overdue-count">(1)</span>' in page  # only "missed" is left
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert ">Missed</a>" in rows and ">Late</a>" not in rows


def test_a_later_call_sets_the_next_touch_again_and_keeps_the_first_response(
    workspace,
    leads,
    ann,  # noqa: F811
):
    missed = leads["missed"]
    response = ann.post(f"/leads/{missed.pk}/call/", {"outcome": "reached", "next": "/leads/"})
    assert (response.status_code, response["Location"]) == (302, "/leads/")
    first, next_touch, round_, activities, pending = state(missed.pk)
    assert (first, next_touch, round_) == (at(10, 5), at(13), 2)
    assert activities == [("call", "reached", at(10, 5)), ("call", "Reached", NOW)]
    assert pending == [("touch", 2, 0, at(12, 55)), ("touch-late", 2, 0, at(13))]


def test_with_htmx_the_live_part_comes_back_with_the_row_updated(
    workspace,
    leads,
    ann,  # noqa: F811
):
    late, missed = leads["late"], leads["missed"]
    back = "/leads/?view=open"
    response = ann.post(f"/leads/{missed.pk}/call/", {"outcome": "no-answer", "next": back}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert '<span id="overdue-count" hx-swap-oob="true">(1)</span>' in body
    assert '<div id="toasts" hx-swap-oob="beforeend">' in body
    assert "Call logged: no answer." in body
    assert ">next touch due in 1 h 00 min<" in body  # the row, updated
    assert ">overdue by 1 h 45 min<" in body  # the other late lead, as it was
    assert f'action="/leads/{late.pk}/call/"' in body
    assert f'name="next" value="{back}"' in body  # its forms come back here again
    assert 'href="/leads/?view=open&amp;sort=stage"' in body and "fragment" not in body
    assert state(missed.pk)[3][-1] == ("call", "No answer", NOW)


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"outcome": "", "note": "rang twice"}, {"outcome"}),
        ({"outcome": "emailed"}, {"outcome"}),
        ({"outcome": "reached", "note": "x" * 401}, {"note"}),
        ({"outcome": "reached", "note": "a\x00b"}, {"note"}),
    ],
)
@pytest.mark.parametrize("htmx", [False, True])
def test_a_refused_call_names_its_field_at_the_row_and_writes_nothing(
    workspace,
    leads,
    ann,
    data,
    errors,
    htmx,  # noqa: F811
):
    late = leads["late"]
    before = state(late.pk)
    back = "/leads/?view=overdue"
    response = ann.post(f"/leads/{late.pk}/call/", data | {"next": back}, **(HTMX if htmx else {}))
    assert response.status_code == 422
    body = response.content.decode()
    assert state(late.pk) == before
    assert "The call was not logged" in body
    for name in errors:
        field = f"call-{late.pk}-{name}"
        assert f'<a href="#{field}">' in body  # the error box lands on the field
        assert f'id="{field}"' in body and f'aria-describedby="{field}-error"' in body
        assert f'<p class="field-error" id="{field}-error">' in body
    if data.get("note") == "rang twice":
        assert 'value="rang twice"' in body  # what was typed is kept
    assert ("<html" in body) is not htmx
    assert broken_error_links(body) == []  # each error link lands on its field
    if not htmx:  # the page says it is the inbox at that address; its links are built on it
        assert '<meta name="pacer-page-address" content="/leads/?view=overdue">' in body
        assert 'href="/leads/?view=overdue&amp;sort=-queue_at"' in body


def test_a_call_to_a_lead_the_member_may_not_see_is_refused_and_writes_nothing(
    workspace,
    leads,
    ann,
    clock_at,  # noqa: F811
):
    other = core_actions.create_workspace("Other Co", slug="other")
    upsert_locations(other, [{"code": "north", "name": "North"}])
    theirs = lead_at(other, at(11), clock_at, 42)
    clock_at(NOW)
    before = state(theirs.pk)
    response = ann.post(f"/leads/{theirs.pk}/call/", {"outcome": "reached", "next": "/leads/"})
    assert response.status_code == 404
    assert state(theirs.pk) == before
    late = leads["late"]
    before = state(late.pk)
    assert Client().post(f"/leads/{late.pk}/call/", {"outcome": "reached"}).status_code == 302
    assert ann.get(f"/leads/{late.pk}/call/").status_code == 405
    core_actions.create_user(other, "sid", "correct-horse-1", Role.STAFF)  # of the other only
    sid = Client()
    sid.login(username="sid", password="correct-horse-1")
    assert sid.post(f"/leads/{late.pk}/call/", {"outcome": "reached"}).status_code == 404
    assert state(late.pk) == before


def test_the_way_back_is_the_inbox_on_this_site_only(workspace, leads, ann):  # noqa: F811
    back = ann.post(
        f"/leads/{leads['ahead'].pk}/call/",
        {"outcome": "reached", "next": "/leads/?view=open&fragment=1"},
    )
    assert back["Location"] == "/leads/?view=open"  # never to the live part alone
    for given in ("https://evil.test/leads/?view=open", "//evil.test/leads/", "/admin/", ""):
        lead = leads["fresh"]
        response = ann.post(f"/leads/{lead.pk}/call/", {"outcome": "reached", "next": given})
        assert (response.status_code, response["Location"]) == (302, "/leads/"), given
