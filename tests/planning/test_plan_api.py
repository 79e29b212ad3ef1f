"""Plans, budget lines, transfers, rates, vendors, orders and invoices over the REST API:
exact money as decimal strings, idempotent lines, refusals by field, the approval gate."""

from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.roles import Role
from pacer.planning.models import BudgetLine, BudgetTransfer, PlanNode
from pacer.teams.models import Team
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


def refused(response) -> dict:
    assert response.status_code == 422, response.content
    return response.json()["errors"]


def test_nodes_are_created_moved_and_listed_with_their_totals(api, workspace):
    root = api.post("plans/nodes", {"kind": "plan", "name": "FY2026", "fiscal_year": 2026})
    assert root.status_code == 201
    root_id = root.json()["id"]
    child = api.post(
        "plans/nodes",
        {
            "kind": "program",
            "name": "Brand",
            "fiscal_year": 2026,
            "parent": root_id,
            "channels": ["tv"],
            "target_kpis": {"reach": "1000000"},
        },
    ).json()
    assert (child["parent"], child["depth"], child["target_kpis"]) == (
        root_id,
        1,
        {"reach": "1000000"},
    )
    lines = {
        "rows": [
            {"node": child["id"], "month": "2026-05", "channel": "tv", "amount": "1000.10"},
            {"node": root_id, "month": "2026-05", "channel": "email", "amount": "0.90"},
        ]
    }
    assert api.post("plans/lines", lines).json() == {"created": 2, "updated": 0}
    assert api.post("plans/lines", lines).json() == {"created": 0, "updated": 0}
    listed = api.get("plans/nodes").json()
    assert [(n["name"], n["totals"]["planned"]) for n in listed] == [
        ("FY2026", "1001.00"),
        ("Brand", "1000.10"),
    ]
    moved = api.post(f"plans/nodes/{root_id}/move", {"parent": child["id"]})
    assert refused(moved) == {"parent": "must not be the node itself or one of its descendants"}
    assert api.post(f"plans/nodes/{child['id']}/move", {"parent": None}).json()["depth"] == 0
    detail = api.get(f"plans/nodes/{child['id']}").json()
    assert detail["totals"]["planned"] == "1000.10" and "alerts" in detail
    changed = api.put(
        f"plans/nodes/{child['id']}",
        {"kind": "program", "name": "Brand 2", "fiscal_year": 2026},
    )
    assert changed.json()["name"] == "Brand 2"
    assert api.get("plans/nodes/999999").status_code == 404


def test_bad_node_and_line_input_is_refused_by_field(api, workspace):
    bad = api.post("plans/nodes", {"kind": "epic", "name": "", "fiscal_year": 3000})
    assert set(refused(bad)) == {"kind", "name", "fiscal_year"}
    bad = api.post("plans/nodes", {"kind": "plan", "name": "x", "fiscal_year": 2026, "parent": 5})
    assert refused(bad) == {"parent": "no node 5 in this workspace"}
    node = PlanNode.objects.create(workspace=workspace, kind="plan", name="P", fiscal_year=2026)
    bad = api.post(
        "plans/lines",
        {"rows": [{"node": node.pk, "month": "2026-13", "channel": "tv", "amount": "1"}]},
    )
    assert list(refused(bad)) == ["rows[0].month"]
    bad = api.post(
        "plans/lines",
        {
            "rows": [
                {
                    "node": node.pk,
                    "month": "2026-03",
                    "channel": "tv",
                    "currency": "GBP",
                    "amount": "1",
                }
            ]
        },
    )
    assert refused(bad) == {
        "rows[0].currency": "no GBP rate on or before 2026-03-01: record one first"
    }
    assert not BudgetLine.objects.exists()


def test_transfers_rates_orders_and_invoices(api, workspace, admin):
    node = PlanNode.objects.create(workspace=workspace, kind="plan", name="P", fiscal_year=2026)
    assert (
        api.post("plans/rates", {"currency": "EUR", "day": "2026-01-01", "rate": "1.1"}).status_code
        == 201
    )
    api.post(
        "plans/lines",
        {
            "rows": [
                {"node": node.pk, "month": "2026-03", "channel": "tv", "amount": "1000"},
                {
                    "node": node.pk,
                    "month": "2026-03",
                    "channel": "email",
                    "currency": "EUR",
                    "amount": "100",
                },
            ]
        },
    )
    tv, email = BudgetLine.objects.get(channel="tv"), BudgetLine.objects.get(channel="email")
    assert email.amount_base == Decimal("110.00")
    moved = api.post(
        "plans/transfers", {"source": tv.pk, "target": email.pk, "amount": "11", "reason": "x"}
    ).json()
    assert moved["status"] == "applied" and moved["amount"] == "11.00"
    email.refresh_from_db()
    assert (email.amount, email.amount_base) == (Decimal("110.00"), Decimal("121.00"))
    vendor = api.post("plans/vendors", {"name": "Agency", "kind": "agency"}).json()
    order = api.post(
        "plans/orders",
        {
            "number": "PO-1",
            "vendor": vendor["id"],
            "line": tv.pk,
            "issued_on": "2026-03-01",
            "amount": "989",
        },
    ).json()
    assert (order["amount"], order["amount_base"]) == ("989.00", "989.00")
    over = api.post(
        "plans/orders",
        {
            "number": "PO-2",
            "vendor": vendor["id"],
            "line": tv.pk,
            "issued_on": "2026-03-01",
            "amount": "0.01",
        },
    )
    assert refused(over) == {
        "amount": "commits 0.01 but the line has 0.00 free: transfer money to the line first"
    }
    invoice = {
        "order": order["id"],
        "number": "I-1",
        "invoiced_on": "2026-03-05",
        "amount": "989.01",
    }
    assert list(refused(api.post("plans/invoices", invoice))) == ["amount"]
    flagged = api.post("plans/invoices", {**invoice, "over_reason": "agreed extra"}).json()
    assert (flagged["flagged"], flagged["amount_base"]) == (True, "989.01")


def test_only_an_approver_other_than_the_requester_decides(api, workspace, admin):
    node = PlanNode.objects.create(workspace=workspace, kind="plan", name="P", fiscal_year=2026)
    api.post(
        "plans/lines",
        {
            "rows": [
                {"node": node.pk, "month": "2026-03", "channel": "tv", "amount": "50000"},
                {"node": node.pk, "month": "2026-03", "channel": "email", "amount": "0"},
            ]
        },
    )
    tv, email = BudgetLine.objects.get(channel="tv"), BudgetLine.objects.get(channel="email")
    marketer = ApiClient(
        workspace, core_actions.create_user(workspace, "mia", "correct-horse-1", Role.MARKETER)
    )
    asked = marketer.post(
        "plans/transfers", {"source": tv.pk, "target": email.pk, "amount": "20000", "reason": "x"}
    ).json()
    assert asked["status"] == "pending"  # above the default threshold of 10,000
    assert (
        marketer.post(f"plans/transfers/{asked['id']}/decision", {"approve": True}).status_code
        == 403
    )
    done = api.post(f"plans/transfers/{asked['id']}/decision", {"approve": True}).json()
    assert done["status"] == "applied"
    email.refresh_from_db()
    assert email.amount_base == Decimal("20000.00")
    mine = api.post(
        "plans/transfers", {"source": tv.pk, "target": email.pk, "amount": "20000", "reason": "y"}
    ).json()
    assert refused(api.post(f"plans/transfers/{mine['id']}/decision", {"approve": True})) == {
        "transfer": "was requested by you: another approver decides"
    }
    assert BudgetTransfer.objects.get(pk=mine["id"]).status == "pending"


def test_a_lines_team_is_a_team_by_key_and_an_unknown_key_is_refused(api, workspace):
    node = PlanNode.objects.create(workspace=workspace, kind="plan", name="P", fiscal_year=2026)
    row = {"node": node.pk, "month": "2026-03", "channel": "tv", "amount": "10"}
    bad = api.post("plans/lines", {"rows": [row, {**row, "channel": "email", "team": "nobody"}]})
    assert refused(bad) == {"rows[1].team": "no team 'nobody' in this workspace"}
    assert not BudgetLine.objects.exists()
    rows = [row, {**row, "team": " Brand "}, {**row, "team": "cx"}]
    assert api.post("plans/lines", {"rows": rows}).json() == {"created": 3, "updated": 0}
    assert api.post("plans/lines", {"rows": rows}).json() == {"created": 0, "updated": 0}
    listed = api.get("plans/lines").json()
    assert [(line["channel"], line["team"]) for line in listed] == [
        ("tv", ""),
        ("tv", "brand"),
        ("tv", "cx"),
    ]
    brand = Team.objects.get(workspace=workspace, key="brand")
    assert BudgetLine.objects.filter(team_id=brand.pk).count() == 1
