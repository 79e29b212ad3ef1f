"""The results and scorecard pages: the figures per node under the model chosen in the
URL, the portfolio's calls with the rule in words, the agency scorecard's delivery."""

import re
from datetime import date

import pytest
from django.test import Client

from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import BudgetLine, PlanNode
from pacer.planning.purchase_actions import issue_order, record_invoice, save_vendor
from tests.planning.results_fixture import add_teams, build_results_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


@pytest.fixture
def plan(workspace, tracker):
    return build_results_plan(workspace, tracker)


def _cells(html: str, table_id: str) -> list[list[str]]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    return [
        [
            re.sub(r"<[^>]+>|\s+", " ", c).strip()
            for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)
        ]
        for r in rows
    ]


def test_results_follow_the_model_in_the_url(client, plan):
    url = "/plans/results/?start=2026-01-01&end=2026-02-28&range="
    linear = client.get(url + "&model=linear").content.decode()
    rows = {r[0]: r for r in _cells(linear, "results-tree")[1:]}
    assert rows["Spring search"][1:] == [
        "$400.00", "2", "2", "$200.00", "$300.00", "$200.00", "-50.0%", "$570.00", "42.5%"
    ]  # fmt: skip
    # Search adds its own campaign (summer: 1,500 spent, a lead, 100 credited) to the leaf's
    assert rows["Search"][1:] == [
        "$1,900.00", "3", "2", "$950.00", "$300.00", "$300.00", "-84.2%", "$570.00", "-70.0%"
    ]  # fmt: skip
    assert rows["FY2026"] == ["FY2026", *rows["Search"][1:]]
    assert "ROMI by Linear" in linear
    total = linear.split('id="results-model-total">', 1)[1].split("</span>", 1)[0]
    assert total == "the model credits $300.00 in all, to every campaign and channel"
    last = client.get(url + "&model=last_touch").content.decode()
    rows = {r[0]: r for r in _cells(last, "results-tree")[1:]}
    assert rows["Spring search"][6] == "$100.00" and rows["Search"][6] == "$300.00"
    assert "The rule: a campaign that spent at least" in last
    portfolio = {r[0]: r for r in _cells(last, "portfolio")[1:]}
    assert portfolio["Search"][1] == "Stop" and portfolio["Spring search"][1] == "Keep"


def test_an_unknown_model_falls_back_and_says_so(client, plan):
    html = client.get("/plans/results/?model=magic").content.decode()
    assert "ROMI by Linear" in html


def test_scorecards_count_delivery_by_the_deadline(client, workspace, plan, admin):
    vendor = save_vendor(workspace, {"name": "Northwind", "kind": "agency"})
    plan_lines(
        workspace,
        [{"node": plan["leaf"].pk, "month": "2026-01", "channel": "paid_search", "amount": "5000"}],
    )
    line = BudgetLine.objects.get(node=plan["leaf"])
    values = {"vendor": vendor.pk, "line": line.pk, "issued_on": date(2026, 1, 2)}
    on_time = issue_order(workspace, values | {"number": "PO-1", "amount": "1000"})
    late = issue_order(workspace, values | {"number": "PO-2", "amount": "1000"})
    record_invoice(
        workspace,
        {"order": on_time.pk, "number": "I-1", "invoiced_on": date(2026, 2, 28), "amount": "1000"},
    )
    record_invoice(
        workspace,
        {"order": late.pk, "number": "I-2", "invoiced_on": date(2026, 3, 1), "amount": "1000"},
    )
    html = client.get(
        "/vendors/scorecards/?start=2026-01-01&end=2026-02-28&range="
    ).content.decode()
    (row,) = _cells(html, "scorecards")[1:]
    # committed and invoiced 2,000; the leaf's results (spend 400, 2 customers, 200 by
    # linear); PO-1 invoiced by 28 Feb (the end of the month after January), PO-2 a day late
    assert row == [
        "Northwind", "Agency", "$2,000.00", "$2,000.00", "$400.00", "2", "$200.00", "-50.0%",
        "1", "1", "50.0%",
    ]  # fmt: skip


def test_a_team_member_sees_their_nodes_results_and_the_ancestors_with_their_share_only(
    workspace, admin, plan
):
    """Search (and the Spring search under it) on the performance team, a Brand program
    with 700 of TV spend on the brand team: a performance marketer sees FY2026 only to
    place Search, with Search's figures, never Brand's; an admin sees everything."""
    add_teams(workspace, plan)
    pat = Client()
    pat.login(username="pat", password="correct-horse-1")
    url = "/plans/results/?start=2026-01-01&end=2026-02-28&range=&model=linear"
    page = pat.get(url).content.decode()
    rows = {r[0]: r for r in _cells(page, "results-tree")[1:]}
    assert list(rows) == ["FY2026", "Search", "Spring search"]
    assert rows["FY2026"][1:] == rows["Search"][1:] and rows["FY2026"][1] == "$1,900.00"
    assert 'data-context="1"' in page.split('id="results-tree"')[1].split("Search")[0]
    assert "Showing the plan nodes and results of your teams (Performance)." in page
    assert {r[0] for r in _cells(page, "portfolio")[1:]} == {"Search", "Spring search"}
    ada = Client()
    ada.login(username="ada", password="correct-horse-1")
    for client, query in ((ada, ""), (pat, "&team=all")):
        rows = {r[0]: r for r in _cells(client.get(url + query).content.decode(),
                                         "results-tree")[1:]}  # fmt: skip
        assert list(rows) == ["FY2026", "Brand", "Search", "Spring search"], query
        assert rows["FY2026"][1] == "$2,600.00" and rows["Brand"][1] == "$700.00"
    rows = {r[0]: r for r in _cells(pat.get(url + "&team=brand").content.decode(),
                                     "results-tree")[1:]}  # fmt: skip
    assert list(rows) == ["FY2026", "Brand"] and rows["FY2026"][1] == "$700.00"


def test_a_team_members_scorecards_count_their_teams_orders_and_results(workspace, admin, plan):
    """An order of 1,000 against Spring search's line (performance) and one of 2,500
    against Brand's (brand): the performance marketer's scorecard counts the first and
    the Spring search's results (400 spent), all teams' both (1,100 spent: the 700 of
    TV on Brand too), Brand's only its own."""
    add_teams(workspace, plan)
    brand = PlanNode.objects.get(workspace=workspace, name="Brand")
    vendor = save_vendor(workspace, {"name": "Northwind", "kind": "agency"})
    plan_lines(
        workspace,
        [{"node": plan["leaf"].pk, "month": "2026-01", "channel": "paid_search", "amount": "5000"},
         {"node": brand.pk, "month": "2026-01", "channel": "tv", "amount": "3000"}],
    )  # fmt: skip
    for number, node, amount in (("PO-1", plan["leaf"], "1000"), ("PO-B", brand, "2500")):
        issue_order(
            workspace,
            {"vendor": vendor.pk, "line": BudgetLine.objects.get(node=node).pk,
             "issued_on": date(2026, 1, 2), "number": number, "amount": amount},
        )  # fmt: skip
    pat = Client()
    pat.login(username="pat", password="correct-horse-1")
    url = "/vendors/scorecards/?start=2026-01-01&end=2026-02-28&range=&model=linear"

    def card(query: str = "") -> tuple[list[str], str]:
        html = pat.get(url + query).content.decode()
        (row,) = _cells(html, "scorecards")[1:]
        return row[:5], html

    row, html = card()
    assert row == ["Northwind", "Agency", "$1,000.00", "$0.00", "$400.00"]
    assert "Showing the orders and results of your teams (Performance)." in html
    row, html = card("&team=all")
    assert row == ["Northwind", "Agency", "$3,500.00", "$0.00", "$1,100.00"]
    assert "Showing the orders and results of every team." in html
    row, html = card("&team=brand")
    assert row == ["Northwind", "Agency", "$2,500.00", "$0.00", "$700.00"]
    assert "Showing the orders and results of Brand." in html
    assert f'href="/vendors/{vendor.pk}/?team=brand">Northwind' in html  # the team kept
    assert f'href="/vendors/{vendor.pk}/">Northwind' in card()[1]
