"""Plan, timeline, budget and vendor pages in headless Chromium at phone, tablet and
desktop widths (no sideways scrolling, no serious axe-core violations, no script
errors; screenshots at 390 and 1440 px), and a node created through its form."""

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import Membership
from pacer.core.roles import Role
from pacer.planning.models import PlanNode
from pacer.teams.actions import update_team
from pacer.teams.selectors import team_by_key
from tests.planning.plan_fixture import build_plan
from tests.web.test_layout import PASSWORD, WIDTHS, _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_plan_pages_fit_every_width_and_pass_axe(live_server, browser, admin, workspace):
    made = build_plan(workspace, admin)
    pages = [
        ("plans", "/plans/"),
        ("plan-node", f"/plans/{made['leaf'].pk}/"),
        ("plan-root", f"/plans/{made['root'].pk}/"),
        ("plan-node-edit", f"/plans/{made['leaf'].pk}/edit/"),
        ("plan-node-move", f"/plans/{made['leaf'].pk}/move/"),
        ("plan-node-new", f"/plans/new/?parent={made['root'].pk}"),
        ("timeline", "/plans/timeline/?year=2026"),
        ("timeline-filtered", "/plans/timeline/?year=2026&team=performance&channel=paid_social"),
        ("budgets", "/budgets/?as_of=2026-03-31"),
        ("vendors", "/vendors/"),
        ("vendor", f"/vendors/{made['vendor'].pk}/"),
        ("order", f"/orders/{made['order'].pk}/"),
    ]
    found = []
    for width in WIDTHS:
        context, page, problems = _context(browser, width, "ada", live_server.url)
        for name, path in pages:
            page.goto(live_server.url + path)
            found += _check(page, name, width, problems)
        context.close()
    assert found == []


def test_a_node_is_created_and_shown_on_the_timeline(live_server, browser, admin, workspace):
    made = build_plan(workspace, admin)
    context, page, problems = _context(browser, 1440, "ada", live_server.url)
    url = live_server.url
    page.goto(f"{url}/plans/{made['program'].pk}/")
    page.click("text=Add under it")
    page.fill("#field-name", "Summer search")
    page.fill("#field-starts_on", "2026-06-01")
    page.fill("#field-ends_on", "2026-05-01")
    page.click("#node-form button[type=submit]")
    page.wait_for_selector("#field-ends_on-error")
    assert page.inner_text("#field-ends_on-error") == "must not be before starts_on"
    page.fill("#field-ends_on", "2026-08-31")
    page.fill("#field-channels", "paid_search")
    page.click("#node-form button[type=submit]")
    page.wait_for_url(f"{url}/plans/*/")
    node = PlanNode.objects.get(name="Summer search")
    assert (node.parent_id, node.kind, node.channels) == (
        made["program"].pk,
        "campaign",
        ["paid_search"],
    )
    page.goto(f"{url}/plans/timeline/?year=2026&channel=paid_search")
    names = page.locator("#timeline .gantt-row > a").all_inner_texts()
    assert names == ["Performance", "Summer search"]
    assert problems == []
    context.close()


def test_the_planned_vs_actual_report_fits_every_width_and_passes_axe(
    live_server, browser, admin, workspace
):
    build_plan(workspace, admin)
    pages = [
        ("plan-report", "/plans/report/?rows=node&depth=2"),
        ("plan-report-pivot", "/plans/report/?rows=team&columns=month&measure=variance"),
        ("spend-upload", "/spend/upload/"),
    ]
    found = []
    for width in WIDTHS:
        context, page, problems = _context(browser, width, "ada", live_server.url)
        for name, path in pages:
            page.goto(live_server.url + path)
            found += _check(page, name, width, problems)
        context.close()
    assert found == []


def test_a_team_members_scoped_pages_fit_every_width_and_pass_axe(
    live_server, browser, admin, workspace
):
    """The timeline, budgets, spend and planned-vs-actual pages as a member of the
    performance team sees them by default (their teams' nodes, with the way to all teams)."""
    build_plan(workspace, admin)
    user = core_actions.create_user(workspace, "pat", PASSWORD, Role.MARKETER)
    team = team_by_key(workspace, "performance")
    member = Membership.objects.get(workspace=workspace, user=user)
    update_team(team, name=team.name, member_ids=[member.pk])
    pages = [
        ("timeline-mine", "/plans/timeline/?year=2026"),
        ("budgets-mine", "/budgets/?as_of=2026-03-31"),
        ("spend-mine", "/spend/"),
        ("report-mine", "/plans/report/?rows=channel"),
    ]
    found = []
    for width in WIDTHS:
        context, page, problems = _context(browser, width, "pat", live_server.url)
        for name, path in pages:
            page.goto(live_server.url + path)
            assert page.locator("#team-scope-all").is_visible()
            found += _check(page, name, width, problems)
        context.close()
    assert found == []
