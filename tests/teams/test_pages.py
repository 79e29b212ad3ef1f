"""The team and location pages through the gate: who may set targets and record reviews
(managers), what the others get (403, nothing written), and staff seeing only the
locations they take leads for."""

from datetime import date

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import AuditEntry, Membership, Role
from pacer.leads.models import Agent  # test set-up: an agent row as routing makes it
from pacer.metrics.cube import refresh_cube
from pacer.teams import actions
from pacer.teams.models import KpiTarget, ReviewItem, Team
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db
PASSWORD = "long-password-1"


@pytest.fixture
def clients(workspace):
    found = {}
    for role in Role.values:
        user = core.create_user(workspace, f"user-{role}", PASSWORD, role)
        client = Client()
        client.login(username=user.username, password=PASSWORD)
        found[role] = (user, client)
    return found


def _written():
    return (
        sorted(KpiTarget.objects.values_list("metric", "month", "target")),
        sorted(ReviewItem.objects.values_list("kind", "text")),
        sorted(Team.objects.values_list("key", "name", "lead_id")),
        AuditEntry.objects.count(),
    )


def test_only_managers_set_targets_edit_teams_and_record_reviews(workspace, clients):
    team = Team.objects.get(workspace=workspace, key="performance")
    member = Membership.objects.get(user=clients[Role.MARKETER][0]).pk
    writes = [
        ("/teams/performance/targets/", {"metric": "cac", "month": "2026-02", "target": "90"}),
        ("/teams/performance/edit/", {"name": "Perf", "member_ids": [member], "lead_id": member}),
        ("/teams/performance/review/?week=2026-03-02", {"kind": "decision", "text": "Pause TV"}),
        ("/teams/", {"key": "new", "name": "New"}),
    ]
    for role in (Role.ANALYST, Role.STAFF):
        client = clients[role][1]
        assert client.get("/teams/performance/").status_code == 200
        assert client.get("/teams/performance/review/").status_code == 200
        before = _written()
        for url, body in writes:
            assert client.post(url, body).status_code == 403, (url, role)
        assert _written() == before
    marketer = clients[Role.MARKETER][1]
    for url, body in writes:
        assert marketer.post(url, body).status_code == 302, url
    target = KpiTarget.objects.get(team=team)
    assert (target.metric, target.month, float(target.target)) == ("cac", date(2026, 2, 1), 90)
    team.refresh_from_db()
    assert (team.name, team.lead_id) == ("Perf", member)
    assert list(ReviewItem.objects.values_list("text", "review__week")) == [
        ("Pause TV", date(2026, 3, 2))
    ]
    assert Team.objects.filter(workspace=workspace, key="new").exists()


def test_refused_forms_show_the_reason_and_write_nothing(workspace, clients):
    marketer = clients[Role.MARKETER][1]
    before = _written()
    response = marketer.post("/teams/", {"key": "Bad Key", "name": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert "field-key-error" in page and "field-name-error" in page
    response = marketer.post(
        "/teams/cx/review/?week=2026-03-02", {"kind": "action", "text": "Call", "due_on": ""}
    )
    assert response.status_code == 422 and "a follow-up action needs an owner" in (
        response.content.decode()
    )
    # a refused target: the scoreboard again (422), the reason under the field, the typed
    # values kept, the month shown the one typed
    response = marketer.post(
        "/teams/cx/targets/", {"metric": "cac", "month": "2026-02", "target": "<b>lots</b>"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    error = page.split('id="field-target-error"')[1].split("</div>")[0]
    assert "must be a number between -999999999999 and 999999999999" in error
    assert 'value="&lt;b&gt;lots&lt;/b&gt;"' in page and 'aria-invalid="true"' in page
    assert '<option value="cac" selected>' in page and 'value="2026-02"' in page
    assert '<strong id="month-shown">February 2026</strong>' in page
    assert 'href="#field-target"' in page  # the summary above the form links to it
    response = marketer.post(
        "/teams/cx/targets/", {"metric": "nope", "month": "someday", "target": "5"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "must be a month as YYYY-MM" in page.split('id="field-month-error"')[1][:200]
    assert "must be one of" in page.split('id="field-metric-error"')[1][:300]
    assert 'value="someday"' in page and 'value="5"' in page
    assert _written() == before


def test_the_scoreboard_page_shows_target_actual_and_owner(workspace, small_business, clients):
    sync(after_sync=refresh_cube)
    team = Team.objects.get(workspace=workspace, key="performance")
    owner = Membership.objects.get(user=clients[Role.MARKETER][0])
    actions.set_target(team, metric="cac", month="2026-02", target=150, owner_id=owner.pk)
    response = clients[Role.STAFF][1].get("/teams/performance/?month=2026-02")
    page = response.content.decode()
    assert response.status_code == 200
    row = page[page.index("CAC") : page.index("</tr>", page.index("CAC"))]
    for text in ("user-marketer", ">$150.00<", ">$100.00<", "150.0%", "On target", ">$300.00<"):
        assert text in row, text


def test_staff_see_only_the_locations_they_take_leads_for(workspace, small_business, clients):
    from pacer.people.actions import upsert_locations

    sync(after_sync=refresh_cube)
    upsert_locations(workspace, [{"code": "L2", "name": "Boston"}])
    staff_user, staff = clients[Role.STAFF]
    url = "/locations/scoreboard/?start=2026-01-01&end=2026-02-28"
    page = staff.get(url).content.decode()
    assert "You take leads for no location yet." in page and "Austin" not in page
    Agent.objects.create(
        workspace=workspace, user=staff_user, location_id=small_business["location"].pk
    )
    page = staff.get(url).content.decode()
    assert "Austin" in page and "Boston" not in page and ">$400.00<" in page
    everyone = clients[Role.MARKETER][1].get(url).content.decode()
    assert "Austin" in everyone and "Boston" in everyone


def test_a_teams_scoreboard_at_one_location_for_its_franchise_owner(
    workspace, small_business, clients
):
    from pacer.people.actions import upsert_locations

    sync(after_sync=refresh_cube)
    upsert_locations(workspace, [{"code": "L2", "name": "Boston"}])
    team = Team.objects.get(workspace=workspace, key="performance")
    actions.set_target(team, metric="spend", month="2026-02", target=150)
    austin = small_business["location"]
    marketer = clients[Role.MARKETER][1]

    def spend_row(client, query: str) -> str:
        page = client.get(f"/teams/performance/?month=2026-02{query}").content.decode()
        start = page.index("Spend", page.index('id="scoreboard"'))
        return page, page[start : page.index("</tr>", start)]

    page, row = spend_row(marketer, f"&location={austin.code}")
    assert f"Performance at {austin.name}: targets and actuals, February 2026" in page
    assert f'<option value="{austin.code}" selected>' in page
    assert f"location={austin.code}" in page[page.index('id="month-previous"') - 200 :]
    assert ">$100.00<" in row  # Austin's spend: all of it
    page, row = spend_row(marketer, "&location=L2")
    assert "Performance at Boston" in page and ">$100.00<" not in row and "—" in row
    page, row = spend_row(marketer, "")  # every location
    assert "Performance: targets and actuals" in page and ">$100.00<" in row
    # staff see only the locations they take leads for (none yet: no location choice)
    staff_user, staff = clients[Role.STAFF]
    page, _ = spend_row(staff, "&location=L2")
    assert 'id="scoreboard-location"' not in page and "at Boston" not in page
    Agent.objects.create(workspace=workspace, user=staff_user, location_id=austin.pk)
    page, _ = spend_row(staff, "&location=L2")
    assert "Boston" not in page and f'<option value="{austin.code}">' in page


def test_the_scoreboard_names_people_and_opens_on_the_last_month_with_a_target(
    workspace, small_business, clients
):
    """The demo's CX page listed "Lead: demo-loc01-manager · Members: demo, ..." and, its
    data and targets ending last month, opened on this month: a row of dashes."""
    sync(after_sync=refresh_cube)
    user = clients[Role.MARKETER][0]
    user.first_name, user.last_name = "Maria", "Okafor"
    user.save()
    member = Membership.objects.get(user=user)
    team = Team.objects.get(workspace=workspace, key="performance")
    actions.update_team(
        team, name=team.name, purpose=team.purpose, member_ids=[member.pk], lead_id=member.pk
    )
    actions.set_target(team, metric="cac", month="2026-02", target=150, owner_id=member.pk)
    page = clients[Role.ANALYST][1].get("/teams/performance/").content.decode()
    assert "Lead: Maria Okafor · Members: Maria Okafor</p>" in page
    assert "user-marketer" not in page
    assert "targets and actuals, February 2026" in page
    row = page[page.index("CAC") : page.index("</tr>", page.index("CAC"))]
    for text in ("Maria Okafor", ">$150.00<", ">$100.00<", "On target"):
        assert text in row, text
    listed = clients[Role.ANALYST][1].get("/teams/").content.decode()
    assert "Maria Okafor" in listed and "user-marketer" not in listed
    # a month asked for is shown, with or without a target
    page = clients[Role.ANALYST][1].get("/teams/performance/?month=2026-04").content.decode()
    assert "No targets for April 2026 or the five months before." not in page
    assert "targets and actuals, April 2026" in page


def test_the_location_scoreboard_opens_on_the_last_90_days_with_data(
    workspace, small_business, clients
):
    """Its presets count back from the last day with data, as every analysis page's do:
    a business whose data ends in February still opens on its own last 90 days."""
    from pacer.metrics.customers import activity_bounds
    from pacer.warehouse.sync import default_store

    sync(after_sync=refresh_cube)
    first, last = activity_bounds(default_store(), workspace.pk)
    assert last < date(2026, 3, 1)  # months before today
    page = clients[Role.MARKETER][1].get("/locations/scoreboard/").content.decode()
    assert f'value="{last.isoformat()}"' in page
    assert "Austin" in page and ">$400.00<" in page
