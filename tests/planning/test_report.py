"""Planned vs committed vs invoiced vs actual by any dimension: exact rows, every
grouping's totals equal the plan tree's root totals (nothing counted twice), refusals by
field, the page, the REST operation and the CSV and XLSX exports."""

import csv
import io
import itertools
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.test import Client
from openpyxl import load_workbook

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.roles import Role
from pacer.people.selectors import locations_by_code
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import BudgetLine, Campaign, Invoice, PurchaseOrder, SpendEntry
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import (
    issue_order,
    record_invoice,
    save_vendor,
    set_order_status,
)
from pacer.planning.report import DIMENSIONS, Money, plan_report
from pacer.planning.rollups import tree
from tests.api_client import ApiClient
from tests.planning.plan_fixture import build_plan

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def plan(workspace):
    """The shared plan, plus: a second vendor on the March social line (two vendors), a
    closed order on the search line, a cancelled one on the TV line, a line of the
    content team, and June spend no line plans (at a location)."""
    found = build_plan(workspace)
    leaf, program, brand = found["leaf"], found["program"], found["brand"]
    social = BudgetLine.objects.get(node=leaf, month=date(2026, 3, 1))
    search = BudgetLine.objects.get(node=program)
    tv = BudgetLine.objects.get(node=brand)
    eastside = save_vendor(workspace, {"name": "Eastside Media", "kind": "vendor"})
    issue_order(
        workspace,
        {"number": "PO-2", "vendor": eastside.pk, "line": social.pk,
         "issued_on": date(2026, 3, 1), "amount": "2000"},
    )  # fmt: skip
    closed = issue_order(
        workspace,
        {"number": "PO-3", "vendor": found["vendor"].pk, "line": search.pk,
         "issued_on": date(2026, 3, 1), "amount": "5000"},
    )  # fmt: skip
    record_invoice(
        workspace,
        {"order": closed.pk, "number": "NW-9", "invoiced_on": date(2026, 3, 20), "amount": "3000"},
    )
    set_order_status(closed, "closed")
    cancelled = issue_order(
        workspace,
        {"number": "PO-4", "vendor": eastside.pk, "line": tv.pk,
         "issued_on": date(2026, 4, 1), "amount": "1000"},
    )  # fmt: skip
    set_order_status(cancelled, "cancelled")
    plan_lines(
        workspace,
        [{"node": leaf.pk, "month": "2026-04", "channel": "display", "team": "content",
          "amount": "1000"}],
    )  # fmt: skip
    campaign = Campaign.objects.get(key="spring-social")
    austin = locations_by_code(workspace, ["AUS"])["AUS"]
    record_spend(
        workspace,
        [{"day": date(2026, 6, 2), "channel": "paid_social", "campaign": campaign,
          "location": austin, "amount": "500"}],
    )  # fmt: skip
    return {**found, "eastside": eastside}


def money(planned="0", committed="0", invoiced="0", actual="0") -> Money:
    return Money(D(planned), D(committed), D(invoiced), D(actual))


def tree_totals(workspace) -> Money:
    found = Money()
    for row in tree(workspace):
        if row.depth == 0:
            found.add(Money(row.total.planned, row.total.committed, row.total.invoiced,
                            row.total.spent))  # fmt: skip
    return found


def test_every_grouping_adds_up_to_the_tree_and_counts_each_amount_once(workspace, plan):
    expected = tree_totals(workspace)
    assert expected == money("79200", "14000", "7000", "8500.25")
    for rows, columns in itertools.product(DIMENSIONS, ["", *DIMENSIONS]):
        if rows == columns:
            continue
        for depth in (0, 1, 2, 3):
            found = plan_report(workspace, rows=rows, columns=columns, depth=depth)
            assert found.total == expected, (rows, columns, depth)
            summed = Money()
            for row in found.rows:
                summed.add(row.total)
                if columns:
                    across = Money()
                    for cell in row.cells.values():
                        across.add(cell)
                    assert across == row.total, (rows, columns, depth, row.label)
            assert summed == expected, (rows, columns, depth)
            if columns:
                down = Money()
                for cell in found.column_totals.values():
                    down.add(cell)
                assert down == expected
            assert len({row.key for row in found.rows}) == len(found.rows)


def labelled(found) -> dict[str, Money]:
    return {row.label: row.total for row in found.rows}


def test_vendors_get_their_orders_and_the_lines_bought_only_from_them(workspace, plan):
    found = plan_report(workspace, rows="vendor")
    assert [row.label for row in found.rows] == [
        "Eastside Media",
        "Northwind Social",
        "No vendor",
        "Several vendors",
    ]
    assert labelled(found) == {
        "Eastside Media": money(committed="2000"),
        # the search line (its only live order is Northwind's); the open March order, and
        # the closed order's invoiced 3000 as committed
        "Northwind Social": money("15000", "12000", "7000"),
        # TV (its only order cancelled), April social, April display; June's unplanned spend
        "No vendor": money("52200", actual="500"),
        "Several vendors": money("12000", actual="8000.25"),
    }


def test_node_rows_at_a_depth_keep_a_shallower_nodes_own_lines_apart(workspace, plan):
    found = plan_report(workspace, rows="node", depth=2)
    assert labelled(found) == {
        "Brand (its own lines)": money("43200"),
        "Performance (its own lines)": money("15000", "3000", "3000"),
        "Spring social push": money("21000", "11000", "4000", "8500.25"),
    }
    assert [row.label for row in found.rows] == list(labelled(found))
    assert found.rows[2].node_id == plan["leaf"].pk
    plans = plan_report(workspace, rows="node", depth=0)
    assert [(row.label, row.node_id) for row in plans.rows] == [
        ("FY2026 marketing plan", plan["root"].pk)
    ]


def test_the_report_by_team_gives_a_node_without_a_team_its_ancestors_team(workspace, plan):
    # a tactic without a team under the performance campaign node, with a line (700),
    # matched spend (650) and spend no line plans (40); a program without a team under
    # the plan (which has none) with a line (300); a line of the brand team on it (200)
    create_campaign(workspace, "retarget", "display")
    tactic = create_node(
        workspace,
        {"kind": "tactic", "name": "Retargeting", "fiscal_year": 2026, "campaign": "retarget"},
        parent_id=plan["leaf"].pk,
    )
    loose = create_node(
        workspace, {"kind": "program", "name": "Loose", "fiscal_year": 2026},
        parent_id=plan["root"].pk,
    )  # fmt: skip
    plan_lines(
        workspace,
        [{"node": tactic.pk, "month": "2026-05", "channel": "display", "amount": "700"},
         {"node": loose.pk, "month": "2026-05", "channel": "email", "amount": "300"},
         {"node": loose.pk, "month": "2026-05", "channel": "tv", "team": "Brand",
          "amount": "200"}],
    )  # fmt: skip
    retarget = Campaign.objects.get(key="retarget")
    record_spend(
        workspace,
        [{"day": date(2026, 5, 3), "channel": "display", "campaign": retarget, "amount": "650"},
         {"day": date(2026, 7, 1), "channel": "display", "campaign": retarget, "amount": "40"}],
    )  # fmt: skip
    teams = plan_report(workspace, rows="team")
    assert labelled(teams) == {
        "Brand": money("43400"),
        "Content": money("1000"),
        "Performance": money("35700", "14000", "7000", "9190.25"),
        "No team": money("300"),
    }
    assert teams.total == tree_totals(workspace) == money("80400", "14000", "7000", "9190.25")


def test_teams_locations_and_periods(workspace, plan):
    teams = plan_report(workspace, rows="team")
    assert labelled(teams) == {
        "Brand": money("43200"),
        "Content": money("1000"),
        "Performance": money("35000", "14000", "7000", "8500.25"),
    }
    performance = teams.rows[2].total
    assert performance.variance == D("-26499.75")
    assert performance.used == D("8500.25") / D("35000")
    assert labelled(plan_report(workspace, rows="location")) == {
        "AUS": money(actual="500"),
        "No location": money("79200", "14000", "7000", "8000.25"),
    }
    quarters = plan_report(workspace, rows="quarter", columns="month")
    assert [(r.label, r.total.planned, r.total.actual) for r in quarters.rows] == [
        ("2026-Q1", D("27000"), D("8000.25")),
        ("2026-Q2", D("52200"), D("500")),
    ]
    assert quarters.columns == [(m, m) for m in ("2026-03", "2026-04", "2026-05", "2026-06")]
    assert quarters.rows[1].cells["2026-06"] == money(actual="500")
    assert plan_report(workspace, rows="year").rows[0].label == "FY2026"
    assert plan_report(workspace, rows="node", fiscal_year=2025).rows == []


def test_a_bad_grouping_is_refused_by_field(workspace):
    for kwargs, field in (
        ({"rows": "colour"}, "rows"),
        ({"rows": "team", "columns": "team"}, "columns"),
        ({"rows": "team", "columns": "size"}, "columns"),
        ({"rows": "node", "depth": -1}, "depth"),
        ({"rows": "node", "depth": 21}, "depth"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            plan_report(workspace, **kwargs)
        assert list(refused.value.errors) == [field], kwargs


@pytest.fixture
def client(admin):
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    return client


def test_the_page_shows_the_rows_and_the_totals(client, plan):
    page = client.get("/plans/report/?rows=vendor")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="plan-report"' in text
    assert "Several vendors" in text and "Eastside Media" in text
    # to the cent: 8,500.25 actual, -70,699.75 variance (shown as $8,500 and -$70,700
    # when amounts from 100 up were rounded to whole units)
    assert "$79,200.00" in text and "$8,500.25" in text and "-$70,699.75" in text
    pivot = client.get("/plans/report/?rows=team&columns=quarter&measure=planned").content
    assert b"2026-Q2" in pivot and b"$35,000.00" in pivot
    same = client.get("/plans/report/?rows=team&columns=team").content.decode()
    assert "must differ from rows" in same


def test_csv_and_xlsx_exports_hold_every_row_and_the_total(workspace, client, plan):
    response = client.get("/plans/report/export.csv?rows=vendor")
    assert response["Content-Disposition"] == 'attachment; filename="plan-by-vendor.csv"'
    found = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert found[0] == ["Vendor", "Planned", "Committed", "Invoiced", "Actual",
                        "Variance (actual − planned)", "% used (actual ÷ planned)"]  # fmt: skip
    assert found[2] == ["Northwind Social", "15000.00", "12000.00", "7000.00", "0.00",
                        "-15000.00", "0.0000"]  # fmt: skip
    assert found[-1][:5] == ["Total", "79200.00", "14000.00", "7000.00", "8500.25"]
    assert len(found) == 6
    plan["leaf"].name = "=HYPERLINK(1)"
    plan["leaf"].save()
    response = client.get("/plans/report/export.xlsx?rows=node&depth=2&columns=month")
    assert response["Content-Disposition"] == ('attachment; filename="plan-by-node-and-month.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == ["Plan node", "2026-03", "2026-04", "2026-05", "2026-06", "Total"]
    assert values[3] == ["=HYPERLINK(1)", 8000.25, 0, None, 500, 8500.25]
    assert sheet.cell(row=4, column=1).data_type == "s"  # text, not a formula
    assert values[-1] == ["Total", 8000.25, 0, 0, 500, 8500.25]


def test_rest_report_matches_the_selector_and_refuses_by_field(workspace, admin, plan):
    api = ApiClient(workspace, admin)
    body = api.get("plans/report?rows=team&columns=quarter").json()
    assert body["total"] == {
        "planned": "79200.00",
        "committed": "14000.00",
        "invoiced": "7000.00",
        "actual": "8500.25",
        "variance": "-70699.75",
        "used": "0.1073",
    }
    assert [c["key"] for c in body["columns"]] == ["2026-Q1", "2026-Q2"]
    content = next(r for r in body["rows"] if r["key"] == "content")
    assert content["cells"] == [
        {"column": "2026-Q2", "planned": "1000.00", "committed": "0.00", "invoiced": "0.00",
         "actual": "0.00", "variance": "-1000.00", "used": "0.0000"}
    ]  # fmt: skip
    refused = api.get("plans/report?rows=team&columns=team")
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["columns"]
    assert api.get("plans/report?rows=colour").status_code == 422


def test_analysts_see_the_report_and_members_do_not(workspace, plan):
    for role, status in ((Role.ANALYST, 200), (Role.STAFF, 403)):
        core_actions.create_user(workspace, f"u-{role}", "correct-horse-1", role)
        client = Client()
        client.login(username=f"u-{role}", password="correct-horse-1")
        assert client.get("/plans/report/").status_code == status
        assert client.get("/plans/report/export.xlsx").status_code == status


def test_the_totals_row_is_the_sum_of_the_lines_once_at_every_depth(workspace, client, plan):
    """The page's totals row, the CSV's and the XLSX's equal the money of the lines read
    straight from their tables, whichever depth of the tree the rows are at."""
    orders = PurchaseOrder.objects.filter(workspace=workspace)
    lines = {
        "planned": BudgetLine.objects.aggregate(t=Sum("amount_base"))["t"],
        "committed": orders.filter(status="open").aggregate(t=Sum("amount_base"))["t"]
        + Invoice.objects.filter(order__status="closed").aggregate(t=Sum("amount_base"))["t"],
        "invoiced": Invoice.objects.aggregate(t=Sum("amount_base"))["t"],
        "actual": SpendEntry.objects.filter(campaign__plan_node__isnull=False).aggregate(
            t=Sum("amount")
        )["t"],
    }
    assert lines == {"planned": D("79200"), "committed": D("14000"), "invoiced": D("7000"),
                     "actual": D("8500.25")}  # fmt: skip
    expected = [
        str(lines[m].quantize(D("0.01"))) for m in ("planned", "committed", "invoiced", "actual")
    ]
    for depth in (0, 1, 2, 3):
        query = f"rows=node&depth={depth}"
        table = client.get(f"/plans/report/?{query}").context["table"]
        assert {k: table.footer[k] for k in lines} == lines, depth
        for measure in lines:
            assert sum((row[measure] for row in table.source), D(0)) == lines[measure], depth
        page = client.get(f"/plans/report/?{query}").content.decode()
        assert '<tfoot><tr><th scope="row">Total</th><td class="num">$79,200.00' in page
        response = client.get(f"/plans/report/export.csv?{query}")
        found = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        assert found[-1][1:5] == expected, depth
        assert [sum(D(r[i]) for r in found[1:-1]) for i in range(1, 5)] == [D(v) for v in expected]
        response = client.get(f"/plans/report/export.xlsx?{query}")
        sheet = load_workbook(io.BytesIO(response.content)).active
        last = [row for row in sheet.iter_rows(values_only=True)][-1]
        assert [D(str(v)).quantize(D("0.01")) for v in last[1:5]] == [D(v) for v in expected]
    pivot = client.get("/plans/report/?rows=node&depth=2&columns=month&measure=actual")
    footer = pivot.context["table"].footer
    assert footer["total"] == D("8500.25")
    assert sum((v for k, v in footer.items() if k.startswith("c") and v), D(0)) == D("8500.25")
