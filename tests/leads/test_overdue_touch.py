"""The inbox's Overdue view lists the answered leads whose next touch is overdue beside
the unanswered ones past their deadline, saying which deadline was missed and by how
long; its tab's count and its caption agree with its rows (of every location, or of the
one chosen); a lead with neither, and a closed one, are not listed."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core.roles import Role
from pacer.leads import actions, selectors
from pacer.leads.followup import log_activity
from pacer.people.actions import upsert_locations
from tests.leads.test_followup import lead_at, member
from tests.leads.test_next_touch import desk, policy  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 9, 12, 0, tzinfo=UTC)  # Monday 12:00 in London (GMT)


def t(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 9, hour, minute, tzinfo=UTC)


@pytest.fixture
def leads(workspace, desk, clock_at):  # noqa: F811
    """Monday in North (respond within 15 working minutes, next touch within 60): late
    (unanswered since 10:00, due 10:15), missed (called 10:05, next touch due 11:05),
    ahead (called 11:30, next touch due 12:30), closed (called 10:06, won at 10:30) and
    fresh (arrived 11:50, due 12:05)."""
    policy(workspace, "lead", 15, 5, 30, 60)
    made = {
        name: lead_at(workspace, t(10, n), clock_at, n, first_name=name.title())
        for n, name in enumerate(("late", "missed", "ahead", "closed"))
    }
    made["fresh"] = lead_at(workspace, t(11, 50), clock_at, 9, first_name="Fresh")
    for name, at in (("missed", t(10, 5)), ("ahead", t(11, 30)), ("closed", t(10, 6))):
        log_activity(workspace, made[name].pk, "call", at=at, outcome="reached")
    actions.move_stage(workspace, made["closed"].pk, "customer", at=t(10, 30))
    clock_at(NOW)
    return made


def test_the_overdue_view_lists_a_missed_next_touch_beside_a_missed_response(workspace, leads):
    shown = selectors.inbox(workspace, view="overdue", user_id=0, now=NOW).order_by("queue_at")
    assert [lead.pk for lead in shown] == [leads["late"].pk, leads["missed"].pk]
    assert selectors.late_counts(workspace, NOW) == selectors.Late(
        breached=1, missed_follow_up=0, unowned=0, missed_touch=1
    )
    assert selectors.late_counts(workspace, NOW).total == 2


def test_the_page_says_which_deadline_was_missed_and_its_count_agrees(workspace, leads, admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    page = client.get("/leads/?view=overdue").content.decode()
    caption = "Overdue: 1 past their SLA deadline, 1 missed next touch"  # no kind with none
    assert f'<p class="muted" id="lead-late">{caption}</p>' in page
    assert 'Overdue <span id="overdue-count">(2)</span>' in page
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == 2
    assert ">Late</a>" in rows[0] and ">overdue by 1 h 45 min</span>" in rows[0]
    assert ">Missed</a>" in rows[1] and ">next touch overdue by 55 min<" in rows[1]
    for name in ("Ahead", "Closed", "Fresh"):
        assert f">{name}</a>" not in page
    everyone = client.get("/leads/?view=open").content.decode()
    assert ">next touch due in 30 min<" in everyone  # Ahead: listed in all open, not late
    assert 'Overdue <span id="overdue-count">(2)</span>' in everyone
    live = client.get("/leads/?view=open&fragment=1").content.decode()
    assert '<span id="overdue-count" hx-swap-oob="true">(2)</span>' in live
    # the live part's sort links and forms lead to the inbox, not to the live part alone
    assert 'href="?view=open&amp;sort=stage"' in live and "fragment" not in live


def test_the_count_follows_the_location_chosen(workspace, leads, admin):
    (south,) = upsert_locations(workspace, [{"code": "south", "name": "South"}])
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    page = client.get(f"/leads/?view=overdue&location={south.pk}").content.decode()
    assert 'Overdue <span id="overdue-count">(0)</span>' in page
    assert 'id="lead-late"' not in page and '<p class="empty-title">Nothing overdue.</p>' in page
    assert f'href="?view=open&amp;location={south.pk}"' in page  # the tabs keep the filter
    north = leads["late"].location_id
    page = client.get(f"/leads/?view=overdue&location={north}").content.decode()
    assert 'Overdue <span id="overdue-count">(2)</span>' in page


def test_a_staff_member_sees_the_same_overdue_rows(workspace, leads):
    member(workspace, "sam", Role.STAFF)
    client = Client()
    client.login(username="sam", password="correct-horse-1")
    page = client.get("/leads/?view=overdue").content.decode()
    body = page.split("<tbody>")[1].split("</tbody>")[0]
    assert len(re.findall(r"<tr>", body)) == 2


def test_an_empty_overdue_view_says_nothing_is_overdue_and_what_counts(
    workspace,
    desk,  # noqa: F811
):
    client = Client()
    client.force_login(desk[0])
    page = client.get("/leads/?view=overdue").content.decode()
    empty = page.split('<div class="empty-state"')[1].split("</div>")[0]
    assert '<p class="empty-title">Nothing overdue.</p>' in empty
    assert 'id="lead-late"' not in page  # said once, in the empty box: no caption of zeros
    assert empty.endswith(
        '<div class="empty-body">A lead is overdue when it is unanswered past its response '
        "deadline (or, without one, past its follow-up time), unanswered with nobody free to "
        "take it, or answered but past its next touch."
    )
    assert "New leads assigned to you" not in page
    mine = client.get("/leads/?view=mine").content.decode()
    assert ">No leads waiting.<" in mine and "New leads assigned to you appear here" in mine
