"""The staff inbox, a lead's page and every location's queue, through Django's client;
and in a real Chromium: a new lead and a reminder appear without a reload, and logging a
call answers the lead."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core import clock, feed
from pacer.core.models import Role
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.followup import log_activity
from pacer.leads.models import Agent, Lead, Notice, SlaPolicy
from pacer.leads.timers import fire_due_timers
from pacer.people.actions import upsert_locations

PASSWORD = "correct-horse-1"


@pytest.fixture
def desk(workspace):
    """North with one staff agent (Sam), a manager and a 15-minute SLA, always open."""
    (north,) = upsert_locations(workspace, [{"code": "north", "name": "North"}])
    sam = core_actions.create_user(workspace, "sam", PASSWORD, Role.STAFF)
    Agent.objects.create(workspace=workspace, user=sam, location_id=north.pk)
    SlaPolicy.objects.create(workspace=workspace, respond_minutes=15, remind_minutes=5)
    return north, sam


def new_lead(workspace, n: int, when: datetime) -> Lead:
    actions.capture(
        workspace,
        {
            "email": f"p{n}@x.test",
            "first_name": f"Pat{n}",
            "location": "north",
            "submission_id": f"s{n}",
        },
        source="form",
        received_at=when,
    )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    return Lead.objects.get(contact__email=f"p{n}@x.test")


@pytest.mark.django_db
def test_the_inbox_lists_my_leads_soonest_deadline_first(workspace, desk, monkeypatch):
    north, sam = desk
    start = datetime.now(UTC).replace(microsecond=0)
    monkeypatch.setattr(clock, "now", lambda: start)
    first = new_lead(workspace, 1, start)
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=20))
    new_lead(workspace, 2, start + timedelta(minutes=20))
    client = Client()
    client.login(username="sam", password=PASSWORD)
    page = client.get("/leads/").content.decode()
    table = page.split('id="lead-inbox"', 1)[1]  # after "My tasks", which names both
    assert table.index("Pat1") < table.index("Pat2")
    assert "overdue by 5 min" in table and "due in 15 min" in table
    overdue = client.get("/leads/?view=overdue&fragment=1").content.decode()
    assert "<html" not in overdue
    overdue = overdue.split('id="lead-inbox"', 1)[1]
    assert "Pat1" in overdue and "Pat2" not in overdue
    answered = client.post(
        f"/leads/{first.pk}/", {"action": "log", "kind": "call", "outcome": "booked"}
    )
    assert answered.status_code == 302
    first.refresh_from_db()
    assert first.first_response_at == start + timedelta(minutes=20)
    overdue = client.get("/leads/?view=overdue").content.decode()
    assert "Pat1" not in overdue.split('id="lead-inbox"', 1)[1]
    refused = client.post(f"/leads/{first.pk}/", {"action": "stage", "stage": "disqualified"})
    assert refused.status_code == 422 and Lead.objects.get(pk=first.pk).stage == "lead"
    queues = client.get("/leads/locations/").content.decode()
    assert "North" in queues and "20.00" in queues  # answered after 20 minutes


@pytest.mark.django_db
def test_another_workspaces_lead_is_not_found(workspace, desk):
    lead = new_lead(workspace, 1, datetime.now(UTC))
    other = core_actions.create_workspace("Other", slug="other")
    core_actions.create_user(other, "olga", PASSWORD, Role.ADMIN)
    client = Client()
    client.login(username="olga", password=PASSWORD)
    assert client.get(f"/leads/{lead.pk}/").status_code == 404
    assert client.post(f"/leads/{lead.pk}/", {"kind": "call"}).status_code == 404
    assert not lead.activities.exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_see_a_new_lead_and_a_reminder_live_and_answer_with_a_call(
    live_server, browser, workspace, desk, settings
):
    settings.LEAD_INBOX_REFRESH_SECONDS = 1
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/leads/")
    page.wait_for_selector("text=No leads waiting.")
    lead = new_lead(workspace, 1, datetime.now(UTC))
    page.wait_for_selector("text=Pat1", timeout=10_000)  # no reload
    assert page.is_visible("text=due in 1")  # 14 or 15 minutes
    assert fire_due_timers(datetime.now(UTC) + timedelta(minutes=11)) == 1
    page.wait_for_selector("text=Reminders (1)", timeout=10_000)
    page.click("text=Pat1")
    page.select_option("select[name=kind]", "call")
    page.fill("input[name=outcome]", "Booked a visit")
    page.click("form[aria-labelledby=log-h] button[type=submit]")
    page.wait_for_selector("text=Booked a visit")
    lead.refresh_from_db()
    assert lead.first_response_at is not None and lead.activities.get().outcome == "Booked a visit"


@pytest.mark.django_db
def test_the_funnel_page_groups_by_channel(workspace, desk):
    north, sam = desk
    lead = new_lead(workspace, 1, datetime.now(UTC))
    actions.move_stage(workspace, lead.pk, "mql", at=datetime.now(UTC))
    client = Client()
    client.force_login(sam)
    html = client.get("/leads/funnel/?by=location&range=last_30").content.decode()
    assert "North" in html and "100.0%" in html
    assert "median hours" in html  # shown, not only in the column chooser
    assert client.get("/leads/funnel/?by=nonsense").status_code == 200
    only_north = client.get(f"/leads/funnel/?location={north.pk}").content.decode()
    assert f'<option value="{north.pk}" selected>North</option>' in only_north
    assert "100.0%" in only_north


@pytest.mark.django_db
def test_lead_activity_shows_on_the_contacts_timeline(workspace, desk):
    north, sam = desk
    lead = new_lead(workspace, 1, datetime.now(UTC))
    later = datetime.now(UTC) + timedelta(minutes=3)
    log_activity(workspace, lead.pk, "call", at=later, actor=sam, outcome="booked a visit")
    client = Client()
    client.force_login(sam)
    html = client.get(f"/contacts/{lead.contact_id}/").content.decode()
    assert "Call logged" in html and "booked a visit" in html and "New lead" in html
    assert f'href="/leads/{lead.pk}/"' in html


@pytest.mark.django_db
def test_report_periods_come_from_the_filter_bar(workspace, desk, monkeypatch):
    """The speed page counts leads that arrived in the bar's dates; a bad preset or date
    is named next to its control and the default (last 90 days) applies."""
    north, sam = desk
    now = datetime(2026, 3, 31, 12, tzinfo=UTC)
    for n, days_ago in ((1, 2), (2, 45), (3, 200)):
        monkeypatch.setattr(clock, "now", lambda d=days_ago: now - timedelta(days=d))
        new_lead(workspace, n, now - timedelta(days=days_ago))
    monkeypatch.setattr(clock, "now", lambda: now)
    client = Client()
    client.force_login(sam)

    def leads_shown(query: str) -> str:
        html = client.get(f"/leads/speed/{query}").content.decode()
        return html.split('class="kpi-value"', 1)[1].split(">", 1)[1].split("<", 1)[0].strip()

    assert leads_shown("?range=last_7") == "1"
    assert leads_shown("") == "2"  # last 90 days
    assert leads_shown("?range=last_365") == "3"
    assert leads_shown("?start=2026-02-01&end=2026-02-28") == "1"  # 45 days ago: Feb 14
    html = client.get("/leads/speed/?range=last_2000").content.decode()
    assert "&#x27;last_2000&#x27; is not a preset" in html
    funnel = client.get("/leads/funnel/?by=colour&range=last_365").content.decode()
    assert "is not one of the choices" in funnel


@pytest.mark.django_db
def test_opening_a_lead_leaves_its_reminders_unread_until_marked(workspace, desk, monkeypatch):
    """A GET writes nothing; "Mark read" (a POST) reads one lead's reminders only."""
    north, sam = desk
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: start)
    first, second = new_lead(workspace, 1, start), new_lead(workspace, 2, start)
    assert fire_due_timers(start + timedelta(minutes=11)) == 2  # both reminders
    client = Client()
    client.force_login(sam)
    page = client.get(f"/leads/{first.pk}/").content.decode()
    assert "Reminders about this lead (1)" in page
    assert Notice.objects.filter(to_user=sam, read_at__isnull=True).count() == 2
    done = client.post("/leads/notices/read/", {"lead": first.pk})
    assert done.status_code == 302 and done["Location"] == f"/leads/{first.pk}/"
    unread = Notice.objects.filter(to_user=sam, read_at__isnull=True)
    assert [n.lead_id for n in unread] == [second.pk]
    assert "Reminders about this lead" not in client.get(f"/leads/{first.pk}/").content.decode()
    client.post("/leads/notices/read/")
    assert not Notice.objects.filter(to_user=sam, read_at__isnull=True).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_inbox_and_lead_page_count_down_every_second(live_server, browser, workspace, desk):
    """The server writes the time left; the page's script ticks it down each second."""
    north, sam = desk
    lead = new_lead(workspace, 1, datetime.now(UTC))
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "sam")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    for url in ("/leads/", f"/leads/{lead.pk}/"):
        page.goto(live_server.url + url)
        countdown = page.locator("[data-countdown]").first
        first = countdown.inner_text()
        assert re.fullmatch(r"due in 1[45] min \d\d s", first), first
        page.wait_for_timeout(2100)
        later = countdown.inner_text()
        assert later != first and re.fullmatch(r"due in 1[45] min \d\d s", later), later
        seconds = lambda text: int(text.split()[2]) * 60 + int(text.split()[4])  # noqa: E731
        assert 1 <= seconds(first) - seconds(later) <= 4


@pytest.mark.django_db
def test_a_member_who_takes_no_leads_starts_on_all_open_and_reads_names_not_keys(
    workspace, desk, monkeypatch
):
    north, sam = desk
    start = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: start)
    lead = new_lead(workspace, 1, start)
    Lead.objects.filter(pk=lead.pk).update(channel="paid_social")
    core_actions.create_user(workspace, "max", PASSWORD, Role.ADMIN)  # no agent row
    manager = Client()
    manager.login(username="max", password=PASSWORD)
    inbox = manager.get("/leads/").content.decode()
    assert "All open" in inbox.split('id="lead-inbox"', 1)[1].split("</caption>")[0]
    row = inbox.split('id="lead-inbox"', 1)[1]
    assert "Pat1" in row and "Paid social" in row and "paid_social" not in row
    staff = Client()
    staff.login(username="sam", password=PASSWORD)  # an agent: their own leads first
    mine = staff.get("/leads/").content.decode().split('id="lead-inbox"', 1)[1]
    assert "My leads" in mine.split("</caption>")[0] and "Pat1" in mine
    page = manager.get(f"/leads/{lead.pk}/").content.decode()
    facts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "Stage Lead " in facts and "Channel / campaign Paid social" in facts
    assert "Arrived 2026-03-02 09:30" in facts
    assert "2026-03-02 09:30 · new → lead" in facts  # the stage history, ISO times too
