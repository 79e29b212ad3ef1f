"""Addresses that keep a page's team filter (``scope.scoped_address``, round 36): the
monthly close answered for a refused close or reopen links "Show all teams" at the refused
month's year, and its forms post to the team it was shown for; the budgets page answered
for a refused form keeps the team in every form; links to nodes keep the team the URL
chose and nothing when it chose none."""

import re
from datetime import date

import pytest

from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.close_actions import close_month
from pacer.planning.models import BudgetLine, BudgetTransfer, ClosedMonth, FxRate
from pacer.planning.scope import scoped_address
from tests.planning.scope_fixture import build_team_plan, login

pytestmark = pytest.mark.django_db
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')
ACTIONS = re.compile(r'<form method="post" action="(/budgets/[^"]*)"')  # the page's own forms


@pytest.fixture
def plan(workspace):
    found = build_team_plan(workspace)
    close_month(workspace, date(2025, 3, 1))  # a year before this one (the page's default)
    return found


def test_scoped_address_puts_the_team_last_and_leaves_empty_parameters_out():
    assert scoped_address("budget-close", team="brand", year="2025") == (
        "/budgets/close/?year=2025&team=brand"
    )
    assert scoped_address("budget-close", team="", year="") == "/budgets/close/"
    assert scoped_address("plan-node", 7, team="all") == "/plans/7/?team=all"
    assert scoped_address("budgets", team="a b&c") == "/budgets/?team=a+b%26c"


def _all_teams_link(page: str) -> str:
    return re.search(r'<a href="([^"]*)" id="team-scope-all">', page)[1]


@pytest.mark.parametrize(
    ("url", "form", "refused"),
    [
        ("/budgets/close/month/", {"month": "2025-03"}, "closed already"),
        ("/budgets/close/reopen/", {"month": "2025-03", "reason": " "}, "reason"),
    ],
)
def test_a_refused_close_page_keeps_the_year_and_the_team_in_its_links(
    workspace, plan, url, form, refused
):
    admin = login(workspace, "ari", Role.ADMIN, ["performance"])
    before = (list(ClosedMonth.objects.values_list("month", flat=True)), AuditEntry.objects.count())
    response = admin.post(f"{url}?team=mine", form)
    assert response.status_code == 422
    page = response.content.decode().replace("&amp;", "&")
    assert ADDRESS.findall(page) == ["/budgets/close/?year=2025&team=mine"]
    assert _all_teams_link(page) == "/budgets/close/?year=2025&team=all"
    assert response.context["year"] == 2025
    assert set(ACTIONS.findall(page)) == {
        "/budgets/close/month/?team=mine",
        "/budgets/close/reopen/?team=mine",
    }
    followed = admin.get(_all_teams_link(page))
    assert (followed.context["year"], followed.context["scope"].value) == (2025, "all")
    assert (
        list(ClosedMonth.objects.values_list("month", flat=True)),
        AuditEntry.objects.count(),
    ) == before
    assert refused in str(response.context["errors"])


def test_the_close_page_shown_at_a_year_links_all_teams_at_that_year(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    page = performer.get("/budgets/close/?year=2025").content.decode().replace("&amp;", "&")
    assert _all_teams_link(page) == "/budgets/close/?year=2025&team=all"
    assert set(ACTIONS.findall(page)) == {"/budgets/close/month/?team=mine"}


def test_a_refused_budgets_form_keeps_the_team_in_every_form_and_the_redirects(workspace, plan):
    admin = login(workspace, "ari", Role.ADMIN, [])
    rates = FxRate.objects.count()
    refused = admin.post("/budgets/rates/?team=brand", {"currency": "EUR", "day": "x", "rate": ""})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert ADDRESS.findall(page) == ["/budgets/"]
    (pending,) = refused.context["pending"]  # brand's: the TV flight's extra airtime
    assert set(ACTIONS.findall(page)) == {
        f"/budgets/transfers/{pending.pk}/?team=brand",
        "/budgets/transfers/?team=brand",
        "/budgets/rates/?team=brand",
        "/budgets/threshold/?team=brand",
        "/budgets/alerts/?team=brand",
    }
    assert FxRate.objects.count() == rates
    decided = admin.post(f"/budgets/transfers/{pending.pk}/?team=brand", {"decision": "reject"})
    assert (decided.status_code, decided["Location"]) == (302, "/budgets/?team=brand")
    pending.refresh_from_db()
    assert pending.status == BudgetTransfer.Status.REJECTED
    unscoped = admin.get("/budgets/").content.decode()
    assert "/budgets/rates/" in ACTIONS.findall(unscoped)  # no team chosen: none kept


def test_node_links_keep_the_team_the_url_chose_and_nothing_otherwise(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    leaf = plan["leaf"].pk
    chosen = performer.get("/plans/?team=performance").content.decode()
    assert f'href="/plans/{leaf}/?team=performance"' in chosen
    default = performer.get("/plans/").content.decode()
    assert f'href="/plans/{leaf}/"' in default and f"/plans/{leaf}/?team" not in default
    timeline = performer.get("/plans/timeline/?year=2026&team=all").content.decode()
    assert f'href="/plans/{leaf}/?team=all"' in timeline


NODE_ACTIONS = re.compile(r'<form method="post" action="(/plans/\d+/(?:lines|envelopes)/[^"]*)"')


def test_the_node_pages_line_and_envelope_forms_keep_the_team_through_their_redirects(
    workspace, plan
):
    admin = login(workspace, "ari", Role.ADMIN, ["performance"])
    leaf = plan["leaf"].pk
    page = admin.get(f"/plans/{leaf}/?team=performance").content.decode().replace("&amp;", "&")
    assert set(NODE_ACTIONS.findall(page)) >= {f"/plans/{leaf}/lines/?team=performance"}
    lines = BudgetLine.objects.filter(node_id=leaf).count()
    planned = admin.post(
        f"/plans/{leaf}/lines/?team=performance",
        {"month": "2026-07", "channel": "paid_search", "amount": "10"},
    )
    assert (planned.status_code, planned["Location"]) == (302, f"/plans/{leaf}/?team=performance")
    assert BudgetLine.objects.filter(node_id=leaf).count() == lines + 1
    root = plan["root"].pk
    saved = admin.post(f"/plans/{root}/envelopes/?team=all", {"envelope": ""})
    assert (saved.status_code, saved["Location"]) == (302, f"/plans/{root}/?team=all")
    unscoped = admin.post(f"/plans/{root}/envelopes/", {"envelope": ""})
    assert unscoped["Location"] == f"/plans/{root}/"
