"""A plan node's team is a pacer.teams team: set by key (an unknown key is refused naming
``team``), shown by name; and team membership scopes the timeline, budgets and spend
pages and the planned-vs-actual report by default (a node without a team belongs to its
nearest ancestor's), with ``?team=all`` to see everything."""

import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client

from pacer.core.models import AuditEntry, Membership
from pacer.core.roles import Role
from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import BudgetLine, PlanNode
from pacer.planning.purchase_actions import issue_order
from pacer.planning.scope import lines_of_teams, nodes_of_teams
from pacer.teams.selectors import team_by_key
from tests.api_client import ApiClient
from tests.planning.scope_fixture import PASSWORD, build_team_plan, login

pytestmark = pytest.mark.django_db
EVERY_NODE = ["FY2026 marketing plan", "Brand", "TV flight", "Performance", "Spring social push"]


@pytest.fixture
def plan(workspace):
    """``scope_fixture.build_team_plan``."""
    return build_team_plan(workspace)


@pytest.fixture
def performer(workspace, plan):
    return login(workspace, "pat", Role.MARKETER, ["performance"])


@pytest.fixture
def two_teams(workspace, plan):
    return login(workspace, "tia", Role.MARKETER, ["performance", "brand"])


@pytest.fixture
def administrator(workspace, plan):
    """An admin who is a member of the content team (which plans nothing)."""
    return login(workspace, "ari", Role.ADMIN, ["content"])


def timeline(client, query: str = "") -> list[str]:
    response = client.get(f"/plans/timeline/?year=2026{query}")
    assert response.status_code == 200
    return [bar.node.name for bar in response.context["bars"]]


def spend(client, query: str = "") -> list[tuple]:
    response = client.get(f"/spend/?{query}")
    assert response.status_code == 200
    rows = response.context["table"].source.order_by("day", "id")
    listed = [(r.day.isoformat(), r.campaign.key if r.campaign else "", r.amount) for r in rows]
    return listed, response.context["totals"]["amount"]


def budgets(client, query: str = "") -> tuple[list, list, list]:
    response = client.get(f"/budgets/?as_of=2026-06-30{query}")
    assert response.status_code == 200
    context = response.context
    pending = sorted(t.reason for t in context["pending"])
    transfers = sorted(row["reason"] for row in context["transfers"].source)
    accruals = [(r["order"].number, r["accrued"]) for r in context["accruals"]]
    return pending, transfers, accruals


SPRING = [
    ("2026-03-03", "spring-social", Decimal("4100.25")),
    ("2026-03-10", "spring-social", 3900),
]
TV = ("2026-03-05", "brand-tv", 1000)
EMAIL = ("2026-03-06", "", 50)


def test_a_member_of_one_team_sees_that_teams_nodes_by_default(performer):
    assert timeline(performer) == ["Performance", "Spring social push"]
    page = performer.get("/plans/timeline/?year=2026").content.decode()
    assert "Showing the plan nodes of your teams (Performance)." in page
    assert 'href="?year=2026&amp;team=all" id="team-scope-all"' in page
    assert spend(performer) == (SPRING, Decimal("8000.25"))
    assert budgets(performer) == (
        ["Social converts better"],
        ["Social converts better"],
        [("PO-2026-001", Decimal("5000.00"))],
    )


def test_all_teams_or_another_team_is_a_choice_kept_in_the_url(performer):
    assert timeline(performer, "&team=all") == EVERY_NODE
    assert timeline(performer, "&team=brand") == ["Brand", "TV flight"]
    assert spend(performer, "team=all") == ([SPRING[0], TV, EMAIL, SPRING[1]], Decimal("9050.25"))
    assert spend(performer, "team=brand") == ([TV], Decimal("1000"))
    pending, _, accruals = budgets(performer, "&team=all")
    assert pending == ["More airtime", "Social converts better"]
    assert accruals == [("PO-2026-001", Decimal("5000.00")), ("PO-2026-002", Decimal("3000.00"))]
    page = performer.get("/budgets/?team=all").content.decode()
    assert "your teams" not in page and 'value="all" selected' in page
    refused = performer.get("/plans/timeline/?year=2026&team=nobody")
    assert "&#x27;nobody&#x27; is not one of the choices" in refused.content.decode()
    assert [bar.node.name for bar in refused.context["bars"]] == [
        "Performance",
        "Spring social push",
    ]


def test_a_member_of_two_teams_sees_both(two_teams):
    assert timeline(two_teams) == ["Brand", "TV flight", "Performance", "Spring social push"]
    page = two_teams.get("/spend/").content.decode()
    assert "Showing the spend on the campaigns of your teams (Brand, Performance)." in page
    assert spend(two_teams) == ([SPRING[0], TV, SPRING[1]], Decimal("9000.25"))
    assert budgets(two_teams) == (
        ["More airtime", "Social converts better"],
        ["More airtime", "Social converts better"],
        [("PO-2026-001", Decimal("5000.00")), ("PO-2026-002", Decimal("3000.00"))],
    )


def test_an_admin_sees_everything_by_default_and_may_narrow_to_their_teams(administrator):
    assert timeline(administrator) == EVERY_NODE
    assert spend(administrator) == ([SPRING[0], TV, EMAIL, SPRING[1]], Decimal("9050.25"))
    assert budgets(administrator)[0] == ["More airtime", "Social converts better"]
    assert "your teams" not in administrator.get("/spend/").content.decode()
    assert timeline(administrator, "&team=mine") == []
    assert spend(administrator, "team=mine") == ([], 0)


def test_a_member_of_no_team_sees_everything(workspace, plan):
    nobody = login(workspace, "nia", Role.MARKETER, [])
    assert timeline(nobody) == EVERY_NODE
    assert 'value="mine"' not in nobody.get("/plans/timeline/").content.decode()


def test_the_node_form_chooses_a_team_and_refuses_an_unknown_one(workspace, plan, admin):
    client = Client()
    client.login(username="ada", password=PASSWORD)
    program = plan["program"]
    page = client.get(f"/plans/{program.pk}/edit/").content.decode()
    assert '<option value="performance" selected>Performance</option>' in page
    form = {"kind": "program", "name": "Performance", "fiscal_year": "2026", "team": "cx"}
    assert client.post(f"/plans/{program.pk}/edit/", form).status_code == 302
    program.refresh_from_db()
    assert program.team_id == team_by_key(workspace, "cx").pk
    assert 'id="node-team">CX</td>' in client.get(f"/plans/{program.pk}/").content.decode()
    audited = AuditEntry.objects.count()
    refused = client.post(f"/plans/{program.pk}/edit/", {**form, "team": "ghosts"})
    assert refused.status_code == 422
    assert "no team &#x27;ghosts&#x27; in this workspace" in refused.content.decode()
    program.refresh_from_db()
    assert program.team_id == team_by_key(workspace, "cx").pk
    assert AuditEntry.objects.count() == audited


def test_the_api_sets_a_team_by_key_and_refuses_an_unknown_one_with_422(workspace, admin):
    api = ApiClient(workspace, admin)
    body = {"kind": "plan", "name": "FY2026", "fiscal_year": 2026, "team": "Brand"}
    created = api.post("plans/nodes", body)
    assert created.status_code == 201 and created.json()["team"] == "brand"
    node = PlanNode.objects.get()
    assert node.team_id == team_by_key(workspace, "brand").pk
    refused = api.client.put(
        f"/api/plans/nodes/{node.pk}",
        json.dumps({**body, "team": "ghosts"}),
        content_type="application/json",
        **api.headers(),
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"team": "no team 'ghosts' in this workspace"}
    node.refresh_from_db()
    assert node.team_id == team_by_key(workspace, "brand").pk
    assert api.get("plans/nodes").json()[0]["team"] == "brand"


def test_a_line_with_a_team_of_its_own_belongs_to_that_team_not_its_nodes(
    workspace, plan, administrator
):
    flight = PlanNode.objects.get(workspace=workspace, name="TV flight")  # brand's
    plan_lines(
        workspace,
        [{"node": flight.pk, "month": "2026-06", "channel": "email", "team": "content",
          "amount": 800}],
    )  # fmt: skip
    line = BudgetLine.objects.get(node=flight, channel="email")
    issue_order(
        workspace,
        {"number": "PO-2026-003", "vendor": plan["vendor"].pk, "line": line.pk,
         "issued_on": date(2026, 6, 1), "amount": "600"},
    )  # fmt: skip
    assert budgets(administrator, "&team=content")[2] == [("PO-2026-003", Decimal("600.00"))]
    assert budgets(administrator, "&team=brand")[2] == [("PO-2026-002", Decimal("3000.00"))]


def report(client, query: str = ""):
    response = client.get(f"/plans/report/?{query}")
    assert response.status_code == 200
    return response.context["report"], response.content.decode()


def test_the_report_shows_the_money_of_the_viewers_teams_by_default(workspace, performer):
    performance = team_by_key(workspace, "performance").pk
    lines = BudgetLine.objects.filter(
        lines_of_teams(nodes_of_teams(workspace, {performance}), {performance})
    )
    planned = lines.aggregate(t=Sum("amount_base"))["t"]
    for query in ("rows=channel", "rows=node&columns=month", "rows=team&columns=vendor"):
        found, page = report(performer, query)
        assert (found.total.planned, found.total.actual) == (planned, Decimal("8000.25")), query
    assert "Showing the money of your teams (Performance)." in page
    assert [(row.key, row.label) for row in found.rows] == [("performance", "Performance")]
    everything = BudgetLine.objects.filter(workspace=workspace).aggregate(t=Sum("amount_base"))
    found, page = report(performer, "rows=team&team=all")
    assert (found.total.planned, found.total.actual) == (everything["t"], Decimal("9000.25"))
    assert "your teams" not in page
    found, _ = report(performer, "rows=node&team=brand")
    assert found.total.actual == Decimal("1000")


def test_an_admin_sees_every_teams_money_in_the_report(workspace, administrator):
    found, _ = report(administrator, "rows=channel")
    assert found.total.actual == Decimal("9000.25")


def api_of(workspace, name: str, role: str, teams: list[str]) -> ApiClient:
    login(workspace, name, role, teams)
    return ApiClient(
        workspace, Membership.objects.get(workspace=workspace, user__username=name).user
    )


def api_total(api: ApiClient, **params) -> tuple[Decimal, Decimal, list[str]]:
    response = api.get("plans/report", **params)
    assert response.status_code == 200, response.content
    body = response.json()
    labels = [row["label"] for row in body["rows"]]
    return Decimal(body["total"]["planned"]), Decimal(body["total"]["actual"]), labels


def test_the_rest_report_shows_a_marketers_teams_by_default_and_all_when_asked(workspace, plan):
    performance = team_by_key(workspace, "performance").pk
    mine = BudgetLine.objects.filter(
        lines_of_teams(nodes_of_teams(workspace, {performance}), {performance})
    ).aggregate(t=Sum("amount_base"))["t"]
    everything = BudgetLine.objects.filter(workspace=workspace).aggregate(t=Sum("amount_base"))
    api = api_of(workspace, "pat", Role.MARKETER, ["performance"])
    for rows in ("team", "channel", "node"):
        assert api_total(api, rows=rows)[:2] == (mine, Decimal("8000.25")), rows
    assert api_total(api, rows="team")[2] == ["Performance"]  # no other team's row
    planned, actual, labels = api_total(api, rows="team", team="all")
    assert (planned, actual) == (everything["t"], Decimal("9000.25"))
    assert "Brand" in labels
    assert api_total(api, rows="node", team="brand")[1] == Decimal("1000")
    response = api.get("plans/report", rows="team", team="nosuch")
    assert response.status_code == 422
    assert "team" in response.json()["errors"]
    # a NUL in the key was a 500 on PostgreSQL (the schemathesis walk found it)
    response = api.get("plans/report", rows="quarter", team="\x00e")
    assert response.status_code == 422
    assert "team" in response.json()["errors"]
    admin = api_of(workspace, "ari", Role.ADMIN, ["content"])  # sees all by default
    assert api_total(admin, rows="channel")[:2] == (everything["t"], Decimal("9000.25"))


def tree_cells(client, query: str = "") -> dict[str, list[str]]:
    """The plan tree page's rows by node name: kind, team, dates, envelope, planned,
    committed, invoiced, spent (as shown), and whether the row only places others."""
    response = client.get(f"/plans/{query}")
    assert response.status_code == 200
    html = response.content.decode()
    body = html.split('id="plan-tree"', 1)[1].split("</table>", 1)[0]
    found = {}
    for attributes, row in re.findall(r"<tr data-depth[^>]*?( data-context=\"1\")?>(.*?)</tr>",
                                      body, re.S):  # fmt: skip
        cells = [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
        ]
        found[cells[0]] = [*cells[1:], "context" if attributes else "mine"]
    return found


def test_the_plan_tree_shows_a_members_nodes_their_ancestors_and_only_their_money(performer):
    rows = tree_cells(performer)
    assert list(rows) == ["FY2026 marketing plan", "Performance", "Spring social push"]
    # the plan is no team's: it places Performance, with Performance's money only (the
    # lines 12,000 + 8,000 + 15,000, the order of 9,000, the invoice of 4,000, the spend
    # 8,000.25), never Brand's 43,200 and 5,000 planned, its 3,000 order or its 1,000 spent
    assert rows["FY2026 marketing plan"][3:] == [
        "—", "$35,000.00", "$9,000.00", "$4,000.00", "$8,000.25", "context"
    ]  # fmt: skip
    assert rows["Performance"][3:] == [
        "$150,000.00", "$35,000.00", "$9,000.00", "$4,000.00", "$8,000.25", "mine"
    ]  # fmt: skip
    found, _ = report(performer, "rows=channel")  # the same money as the report's
    assert (found.total.planned, found.total.actual) == (Decimal(35000), Decimal("8000.25"))
    page = performer.get("/plans/").content.decode()
    assert "Showing the plan nodes and money of your teams (Performance)." in page
    assert 'href="?team=all" id="team-scope-all"' in page
    assert "$250,000.00" not in page and "43,200" not in page and "TV flight" not in page


def test_the_plan_tree_of_all_teams_or_of_another_team_is_chosen_in_the_url(
    performer, administrator
):
    everything = tree_cells(administrator)
    assert list(everything) == EVERY_NODE
    assert everything["FY2026 marketing plan"][3:] == [
        "$250,000.00", "$83,200.00", "$12,000.00", "$4,000.00", "$9,000.25", "mine"
    ]  # fmt: skip
    assert tree_cells(performer, "?team=all") == everything
    brand = tree_cells(performer, "?team=brand")
    assert list(brand) == ["FY2026 marketing plan", "Brand", "TV flight"]
    assert brand["FY2026 marketing plan"][3:] == [
        "—", "$48,200.00", "$3,000.00", "$0.00", "$1,000.00", "context"
    ]  # fmt: skip


def test_a_line_of_the_team_on_another_teams_node_is_placed_and_counted_once(
    workspace, plan, performer
):
    flight = PlanNode.objects.get(workspace=workspace, name="TV flight")  # brand's
    plan_lines(
        workspace,
        [{"node": flight.pk, "month": "2026-06", "channel": "paid_social",
          "team": "performance", "amount": 700}],
    )  # fmt: skip
    rows = tree_cells(performer)
    assert list(rows) == [
        "FY2026 marketing plan", "Brand", "TV flight", "Performance", "Spring social push"
    ]  # fmt: skip
    assert rows["TV flight"][3:] == ["—", "$700.00", "$0.00", "$0.00", "$0.00", "context"]
    assert rows["Brand"][4] == "$700.00" and rows["FY2026 marketing plan"][4] == "$35,700.00"
