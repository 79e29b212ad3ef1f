"""A team's KPI target is removed from its scoreboard (a confirmed Remove button on each
row with a target in the month shown): gone, audited, the row with it when no other
month has one; refused (removed already, a bad metric) the scoreboard answers 422 with
the reason at the row's button and nothing removed; staff see no button and are
refused."""

from datetime import date

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import AuditEntry, Role
from pacer.teams import actions
from pacer.teams.models import KpiTarget, Team

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


def login(workspace, name: str, role: str) -> Client:
    core.create_user(workspace, name, PASSWORD, role)
    client = Client()
    client.login(username=name, password=PASSWORD)
    return client


@pytest.fixture
def team(workspace):
    found = Team.objects.get(workspace=workspace, key="performance")
    actions.set_target(found, metric="cac", month="2026-03", target="55.5")
    actions.set_target(found, metric="cac", month="2026-02", target="60")
    actions.set_target(found, metric="leads", month="2026-03", target="40")
    return found


def remove(client, metric: str, month: str = "2026-03"):
    return client.post("/teams/performance/targets/remove/", {"metric": metric, "month": month})


def test_a_target_is_removed_from_the_scoreboard(workspace, team):
    manager = login(workspace, "mia", Role.MARKETER)
    page = manager.get("/teams/performance/?month=2026-03").content.decode()
    row = page.split('id="remove-target-cac"')[0].rsplit("<tr", 1)[1]
    assert 'data-confirm="Remove the CAC target of March 2026 ($55.50)?' in row
    answer = remove(manager, "cac")
    assert (answer.status_code, answer["Location"]) == (302, "/teams/performance/?month=2026-03")
    left = sorted(KpiTarget.objects.values_list("metric", "month"))
    assert left == [("cac", date(2026, 2, 1)), ("leads", date(2026, 3, 1))]
    entry = AuditEntry.objects.get(action="team.target.remove")
    assert (entry.before["metric"], entry.before["month"]) == ("cac", "2026-03-01")
    page = manager.get("/teams/performance/?month=2026-03").content.decode()
    # CAC stays on the board for February's target, without a button in March
    assert ">CAC<" in page and 'id="remove-target-cac"' not in page
    assert 'id="remove-target-leads"' in page
    assert remove(manager, "leads").status_code == 302
    page = manager.get("/teams/performance/?month=2026-03").content.decode()
    board = page.split('id="scoreboard"')[1].split("</table>")[0]
    assert 'id="remove-target-leads"' not in board and "Leads" not in board


def test_a_refused_removal_shows_the_reason_at_the_rows_button(workspace, team):
    manager = login(workspace, "mia", Role.MARKETER)
    KpiTarget.objects.filter(metric="cac", month=date(2026, 3, 1)).delete()  # another tab
    before = sorted(KpiTarget.objects.values_list("metric", "month"))
    answer = remove(manager, "cac")
    assert answer.status_code == 422
    page = answer.content.decode()
    reason = "no target on it in March 2026: removed already"
    assert f'<a href="#remove-target-cac">Metric: {reason}</a>' in page
    assert f'<p class="field-error" id="remove-target-cac-error">{reason}</p>' in page
    assert 'aria-describedby="remove-target-cac-error"' in page
    assert 'id="field-metric-error"' not in page  # the target form is not blamed
    bad = remove(manager, "mood")
    assert bad.status_code == 422
    assert "<li>Metric: must be one of" in bad.content.decode()  # no such row: no link
    assert sorted(KpiTarget.objects.values_list("metric", "month")) == before
    assert not AuditEntry.objects.filter(action="team.target.remove").exists()


def test_staff_see_no_remove_button_and_are_refused(workspace, team):
    staff = login(workspace, "sam", Role.STAFF)
    page = staff.get("/teams/performance/?month=2026-03").content.decode()
    assert ">CAC<" in page and "remove-target" not in page
    assert remove(staff, "cac").status_code == 403
    assert KpiTarget.objects.count() == 3
