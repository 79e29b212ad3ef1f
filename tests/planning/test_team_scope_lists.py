"""Team scoping is the same default everywhere a marketer reads plan and spend money:
the REST lists (nodes, lines, transfers, orders, spend) take ``team`` with the pages'
default (a member of teams who is not an admin sees their teams' money unless they ask
for ``team=all``), the monthly close shows the scope it is computed on with the same
switch (a month is still closed for every team), and a node's page names the team that
owns it with links to that team's views. The plan: ``scope_fixture.build_team_plan``."""

from decimal import Decimal

import pytest

from pacer.core.models import AuditEntry, Membership
from pacer.core.roles import Role
from pacer.planning.models import PlanNode
from tests.api_client import ApiClient
from tests.planning.scope_fixture import build_team_plan, login

pytestmark = pytest.mark.django_db
SPRING = ["FY2026 marketing plan", "Performance", "Spring social push"]
EVERY_NODE = ["FY2026 marketing plan", "Brand", "TV flight", "Performance", "Spring social push"]


@pytest.fixture
def plan(workspace):
    return build_team_plan(workspace)


def api_of(workspace, name: str, role: str, teams: list[str]) -> ApiClient:
    login(workspace, name, role, teams)
    user = Membership.objects.get(workspace=workspace, user__username=name).user
    return ApiClient(workspace, user)


def listed(api: ApiClient, path: str, **params) -> list[dict]:
    response = api.get(path, **params)
    assert response.status_code == 200, response.content
    return response.json()


def nodes(api: ApiClient, **params) -> tuple[list[tuple[str, bool]], Decimal]:
    found = listed(api, "plans/nodes", **params)
    return [(n["name"], n["context"]) for n in found], Decimal(found[0]["totals"]["planned"])


def lines(api: ApiClient, **params) -> list[tuple[str, Decimal]]:
    return [(x["channel"], Decimal(x["amount_base"])) for x in listed(api, "plans/lines", **params)]


def spend(api: ApiClient, **params) -> list[tuple[str, str]]:
    found = listed(api, "planning/spend", start="2026-01-01", end="2026-12-31", **params)
    return [(row["campaign"], row["amount"]) for row in found]


def test_the_rest_lists_show_a_members_teams_by_default_and_all_when_asked(workspace, plan):
    api = api_of(workspace, "pat", Role.MARKETER, ["performance"])
    # the plan places Performance with Performance's money only: 12,000 + 8,000 + 15,000
    assert nodes(api) == (
        [(SPRING[0], True), (SPRING[1], False), (SPRING[2], False)],
        Decimal(35000),
    )
    assert nodes(api, team="all") == ([(n, False) for n in EVERY_NODE], Decimal(83200))
    assert nodes(api, team="brand")[1] == Decimal(48200)  # 40,000 EUR × 1.08 + 5,000
    performance = [
        ("paid_social", Decimal(12000)),
        ("paid_social", Decimal(8000)),
        ("paid_search", Decimal(15000)),
    ]
    brand = [("tv", Decimal(43200)), ("tv", Decimal(5000))]
    assert lines(api) == performance
    assert lines(api, team="brand") == brand
    assert lines(api, team="all") == performance + brand
    assert lines(api, node=plan["leaf"].pk) == performance[:2]
    assert lines(api, node=plan["brand"].pk) == []  # a node of another team: none of mine
    assert lines(api, node=plan["brand"].pk, team="all") == brand[:1]
    reasons = [t["reason"] for t in listed(api, "plans/transfers")]
    assert reasons == ["Social converts better"]
    assert sorted(t["reason"] for t in listed(api, "plans/transfers", team="all")) == [
        "More airtime",
        "Social converts better",
    ]
    assert [o["number"] for o in listed(api, "plans/orders")] == ["PO-2026-001"]
    assert [o["number"] for o in listed(api, "plans/orders", team="brand")] == ["PO-2026-002"]
    assert len(listed(api, "plans/orders", team="all")) == 2
    assert spend(api) == [("spring-social", "4100.25"), ("spring-social", "3900.00")]
    assert spend(api, team="brand") == [("brand-tv", "1000.00")]
    assert spend(api, team="all") == [
        ("spring-social", "4100.25"),
        ("brand-tv", "1000.00"),
        ("", "50.00"),
        ("spring-social", "3900.00"),
    ]
    assert len(listed(api, "plans/vendors")) == 1  # vendors are no team's money


def test_an_admin_and_a_member_of_no_team_list_everything_by_default(workspace, plan):
    admin = api_of(workspace, "ari", Role.ADMIN, ["content"])
    assert nodes(admin) == ([(n, False) for n in EVERY_NODE], Decimal(83200))
    assert len(listed(admin, "plans/lines")) == 5 and len(spend(admin)) == 4
    assert listed(admin, "plans/lines", team="mine") == []  # content plans nothing
    nobody = api_of(workspace, "nia", Role.ANALYST, [])
    assert len(listed(nobody, "plans/orders")) == 2 and len(spend(nobody)) == 4


@pytest.mark.parametrize(
    "path", ["plans/nodes", "plans/lines", "plans/transfers", "plans/orders", "planning/spend"]
)
def test_an_unknown_team_is_refused_naming_team(workspace, plan, path):
    api = api_of(workspace, "pat", Role.MARKETER, ["performance"])
    response = api.get(path, team="ghosts", start="2026-01-01", end="2026-12-31")
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "team": "must be mine, all or a team's key; no team 'ghosts'"
    }


def close_rows(client, query: str = "") -> tuple[dict, str]:
    response = client.get(f"/budgets/close/?year=2026{query}")
    assert response.status_code == 200
    rows = {f"{r.month:%m}": r for r in response.context["rows"]}
    return rows, response.content.decode()


def figures(row) -> tuple:
    return (row.planned, row.committed, row.invoiced, row.actual, row.accrued)


def test_the_monthly_close_shows_the_money_of_a_members_teams_and_says_so(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    rows, page = close_rows(performer)
    # March: the lines 12,000 + 15,000, PO-2026-001's 9,000, its 4,000 invoice of 31
    # March, the 8,000.25 spent on the spring campaign; 5,000 of the order not invoiced
    assert figures(rows["03"]) == (27000, 9000, 4000, Decimal("8000.25"), 5000)
    assert figures(rows["02"]) == (0, 0, 0, 0, 9000)  # the order issued 20 February
    assert figures(rows["05"]) == (0, 0, 0, 0, 5000)  # Brand's 43,200 and PO-002: not mine
    assert "Showing the money of your teams (Performance)." in page
    assert 'href="/budgets/close/?year=2026&amp;team=all" id="team-scope-all"' in page
    assert 'id="close-whole"' in page
    rows, page = close_rows(performer, "&team=all")
    # every team: the TV and the campaign-less email spend are in March's actual too
    assert figures(rows["03"]) == (27000, 9000, 4000, Decimal("9050.25"), 5000)
    assert figures(rows["05"]) == (Decimal("43200"), 0, 0, 0, 8000)
    assert "Showing the money of every team." in page and 'id="close-whole"' not in page
    rows, page = close_rows(performer, "&team=brand")
    assert figures(rows["03"]) == (0, 0, 0, 1000, 0)  # the TV spend counts for Brand
    assert figures(rows["06"]) == (5000, 3000, 0, 0, 3000)
    assert "Showing the money of Brand." in page


def test_closing_a_month_from_a_teams_view_closes_it_for_every_team(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    entries = AuditEntry.objects.filter(action="budget.month_close")
    assert performer.post("/budgets/close/month/", {"month": "2026-03"}).status_code == 302
    (entry,) = entries
    # the figures kept are the whole workspace's, not the viewer's team's
    assert (entry.after["planned"], entry.after["actual"]) == ("27000.00", "9050.25")
    rows, _ = close_rows(performer, "&team=brand")
    assert rows["03"].closed and rows["04"].closed is False


def test_closing_and_reopening_from_a_teams_view_come_back_to_that_teams_view(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    _, page = close_rows(performer, "&team=brand")
    assert 'action="/budgets/close/month/?team=brand"' in page
    response = performer.post("/budgets/close/month/?team=brand", {"month": "2026-03"})
    assert response.status_code == 302
    assert response["Location"] == "/budgets/close/?year=2026&team=brand"
    followed = performer.get(response["Location"])
    rows = {f"{r.month:%m}": r for r in followed.context["rows"]}
    assert figures(rows["03"]) == (0, 0, 0, 1000, 0) and rows["03"].closed  # Brand's March
    assert figures(rows["06"]) == (5000, 3000, 0, 0, 3000)
    assert "Showing the money of Brand." in followed.content.decode()
    # refused (closed already): the page answered is Brand's, at Brand's address
    refused = performer.post("/budgets/close/month/?team=brand", {"month": "2026-03"})
    assert refused.status_code == 422
    assert 'content="/budgets/close/?year=2026&amp;team=brand"' in refused.content.decode()
    rows = {f"{r.month:%m}": r for r in refused.context["rows"]}
    assert figures(rows["06"]) == (5000, 3000, 0, 0, 3000)
    assert AuditEntry.objects.filter(action="budget.month_close").count() == 1
    # the viewer's default scope is kept as posted: mine
    mine = performer.post("/budgets/close/month/?team=mine", {"month": "2026-04"})
    assert mine["Location"] == "/budgets/close/?year=2026&team=mine"
    admin = login(workspace, "ari", Role.ADMIN, [])
    _, page = close_rows(admin, "&team=performance")
    assert 'action="/budgets/close/reopen/?team=performance"' in page
    response = admin.post(
        "/budgets/close/reopen/?team=performance", {"month": "2026-03", "reason": "x"}
    )
    assert response["Location"] == "/budgets/close/?year=2026&team=performance"
    rows, page = close_rows(admin, "&team=performance")
    assert figures(rows["03"]) == (27000, 9000, 4000, Decimal("8000.25"), 5000)
    assert rows["03"].closed is False and "Showing the money of Performance." in page


def test_a_nodes_page_names_its_team_and_links_to_the_teams_views(workspace, plan):
    performer = login(workspace, "pat", Role.MARKETER, ["performance"])
    flight = PlanNode.objects.get(workspace=workspace, name="TV flight")
    page = performer.get(f"/plans/{flight.pk}/").content.decode()
    team = page.split('id="node-team">')[1].split("</td>")[0]
    assert team.startswith("Brand <span") and f'href="/plans/{plan["brand"].pk}/">Brand<' in team
    links = page.split('id="node-scoped"')[1].split("</nav>")[0]
    for url in ("/plans/", "/plans/timeline/", "/budgets/", "/spend/", "/plans/report/",
                "/plans/results/", "/budgets/close/", "/vendors/scorecards/"):  # fmt: skip
        assert f'href="{url}?team=brand"' in links, url
    own = performer.get(f"/plans/{plan['leaf'].pk}/").content.decode()
    assert own.split('id="node-team">')[1].split("</td>")[0] == "Performance"
    root = performer.get(f"/plans/{plan['root'].pk}/").content.decode()
    assert "No team: its money shows under All teams only" in root
    assert 'id="node-scoped"' not in root


def test_the_scoped_lists_agree_with_the_close_and_the_report(workspace, plan):
    api = api_of(workspace, "tia", Role.MARKETER, ["performance", "brand"])
    planned = sum(amount for _, amount in lines(api))
    report = listed(api, "plans/report", rows="team")
    assert planned == Decimal(report["total"]["planned"]) == Decimal(83200)
    assert nodes(api)[1] == planned
    spent = sum(Decimal(amount) for _, amount in spend(api))
    assert spent == Decimal(report["total"]["actual"]) == Decimal("9000.25")


def test_the_budgets_pages_forms_come_back_to_the_team_view_they_were_sent_from(workspace, plan):
    admin = login(workspace, "ari", Role.ADMIN, [])
    page = admin.get("/budgets/?team=brand").content.decode()
    for form in ("transfers", "rates", "threshold", "alerts"):
        assert f'action="/budgets/{form}/?team=brand"' in page
    saved = admin.post("/budgets/threshold/?team=brand", {"approval_threshold": "2500"})
    assert (saved.status_code, saved["Location"]) == (302, "/budgets/?team=brand")
    assert admin.post("/budgets/threshold/", {"approval_threshold": "2600"})["Location"] == (
        "/budgets/"
    )
