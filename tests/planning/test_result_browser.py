"""The results and scorecard pages in headless Chromium at every width (no sideways
scrolling, no serious axe-core violations, no script errors; screenshots at 390 and
1440 px)."""

from datetime import date

import pytest

from pacer.planning.budget_actions import plan_lines
from pacer.planning.close_actions import close_month
from pacer.planning.models import BudgetLine
from pacer.planning.purchase_actions import issue_order, record_invoice, save_vendor
from tests.planning.results_fixture import add_teams, build_results_plan
from tests.web.test_layout import WIDTHS, _check, _context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_result_pages_fit_every_width_and_pass_axe(live_server, browser, admin, workspace, tracker):
    made = build_results_plan(workspace, tracker)
    vendor = save_vendor(workspace, {"name": "Northwind Social", "kind": "agency"})
    plan_lines(
        workspace,
        [{"node": made["leaf"].pk, "month": "2026-01", "channel": "paid_search", "amount": "900"}],
    )
    line = BudgetLine.objects.get(node=made["leaf"])
    order = issue_order(
        workspace,
        {"number": "PO-1", "vendor": vendor.pk, "line": line.pk, "issued_on": date(2026, 1, 2),
         "amount": "800"},
    )  # fmt: skip
    record_invoice(
        workspace,
        {"order": order.pk, "number": "I-1", "invoiced_on": date(2026, 2, 3), "amount": "800"},
    )
    pages = [
        ("plan-results", "/plans/results/?model=markov"),
        ("plan-results-empty-range", "/plans/results/?start=2024-01-01&end=2024-01-31&range="),
        ("vendor-scorecards", "/vendors/scorecards/"),
        ("month-close", "/budgets/close/?year=2026"),
    ]
    close_month(workspace, "2026-01", actor=admin)
    found = []
    for width in WIDTHS:
        context, page, problems = _context(browser, width, "ada", live_server.url)
        for name, path in pages:
            page.goto(live_server.url + path)
            found += _check(page, name, width, problems)
        context.close()
    assert found == []


def test_a_team_members_plan_tree_and_results_fit_every_width(
    live_server, browser, workspace, tracker
):
    """The pages as a marketer of the performance team sees them: the plan greyed above
    their program, no Brand; the scorecards, the close and a node of theirs with the
    team's links, the plan at their teams' money and their node at Brand's."""
    made = build_results_plan(workspace, tracker)
    add_teams(workspace, made)
    found = []
    for width in WIDTHS:
        context, page, problems = _context(browser, width, "pat", live_server.url)
        for name, path in [("plan-tree-team", "/plans/"), ("plan-results-team", "/plans/results/")]:
            page.goto(live_server.url + path)
            assert page.locator("#team-scope").is_visible()
            assert page.locator("tbody th a", has_text="Brand").count() == 0
            found += _check(page, name, width, problems)
        for name, path in [
            ("vendor-scorecards-team", "/vendors/scorecards/"),
            ("month-close-team", "/budgets/close/?year=2026"),
            ("plan-node-team", f"/plans/{made['leaf'].pk}/"),
            ("plan-root-team", f"/plans/{made['root'].pk}/"),
            ("plan-node-brand", f"/plans/{made['leaf'].pk}/?team=brand"),
        ]:
            page.goto(live_server.url + path)
            found += _check(page, name, width, problems)
        context.close()
    assert found == []
