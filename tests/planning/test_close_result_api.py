"""The monthly close, results against spend, agency scorecards and the variance alerts
raised, over the REST API: the page's figures exactly, refusals naming the field with
nothing written, the permission gate."""

from datetime import date

import pytest

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning.alerts import check_workspace
from pacer.planning.budget_actions import plan_lines
from pacer.planning.models import BudgetLine, ClosedMonth
from pacer.planning.purchase_actions import (
    issue_order,
    record_invoice,
    save_vendor,
    set_order_status,
)
from tests.api_client import ApiClient
from tests.planning.alerts_fixture import MID_MARCH
from tests.planning.plan_fixture import build_plan
from tests.planning.results_fixture import build_results_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


def member(workspace, name: str, role: str) -> ApiClient:
    return ApiClient(workspace, core_actions.create_user(workspace, name, "correct-horse-1", role))


MARCH = {
    "month": "2026-03", "planned": "27000.00", "committed": "9000.00", "invoiced": "4000.00",
    "actual": "8000.25", "accrued": "5000.00", "variance": "-18999.75",
    "uncommitted": "18000.00",
}  # fmt: skip


def test_the_months_of_a_year_with_their_figures(api, workspace):
    build_plan(workspace)
    months = api.get("plans/months", year=2026).json()
    assert [m["month"] for m in months] == [f"2026-{n:02d}" for n in range(1, 13)]
    march = months[2]
    assert march == {**MARCH, "closed": False, "closed_by": "", "closed_at": None}
    assert months[4]["planned"] == "43200.00"  # 40,000 EUR at 1.08
    assert api.get("plans/months", year=1066).status_code == 422


def test_a_month_is_closed_once_and_reopened_by_an_admin_with_a_reason(api, workspace):
    build_plan(workspace)
    manager = member(workspace, "mia", Role.MARKETER)
    closed = manager.post("plans/months/2026-03/close")
    assert closed.status_code == 200
    body = closed.json()
    assert {k: body[k] for k in MARCH} == MARCH
    assert (body["closed"], body["closed_by"]) == (True, "mia")
    entry = AuditEntry.objects.get(action="budget.month_close")
    assert entry.after == {k: v for k, v in MARCH.items() if k != "uncommitted"}
    again = manager.post("plans/months/2026-03/close")
    assert again.status_code == 422
    assert again.json()["errors"] == {"month": "2026-03 is closed already"}
    assert AuditEntry.objects.filter(action="budget.month_close").count() == 1
    # reopening is an approver's: the manager is refused, the admin needs a reason
    assert manager.post("plans/months/2026-03/reopen", {"reason": "late"}).status_code == 403
    blank = api.post("plans/months/2026-03/reopen", {"reason": ""})
    assert blank.status_code == 422 and "reason" in blank.json()["errors"]
    assert ClosedMonth.objects.filter(month=date(2026, 3, 1)).exists()
    reopened = api.post("plans/months/2026-03/reopen", {"reason": "late agency invoice"})
    assert reopened.status_code == 200
    assert {k: reopened.json()[k] for k in ("closed", "closed_by", "closed_at")} == {
        "closed": False, "closed_by": "", "closed_at": None,
    }  # fmt: skip
    assert AuditEntry.objects.get(action="budget.month_reopen").after == {
        "reason": "late agency invoice"
    }
    open_again = api.post("plans/months/2026-03/reopen", {"reason": "x"})
    assert open_again.json()["errors"] == {"month": "2026-03 is not closed"}


def test_closing_needs_budgets_manage_and_a_month(workspace):
    build_plan(workspace)
    analyst = member(workspace, "ann", Role.ANALYST)
    assert analyst.get("plans/months").status_code == 200
    assert analyst.post("plans/months/2026-03/close").status_code == 403
    admin = member(workspace, "root", Role.ADMIN)
    bad = admin.post("plans/months/2026-13/close")
    assert bad.status_code == 422 and "month" in bad.json()["errors"]
    assert not ClosedMonth.objects.exists()
    assert not AuditEntry.objects.filter(action="budget.month_close").exists()


def _outcome(body: dict) -> tuple:
    names = ("spend", "leads", "customers", "revenue", "attributed", "cac", "romi")
    return tuple(body[n] for n in names) + (body["predicted_clv"], body["clv_romi"])


def test_results_per_node_and_the_portfolio(api, workspace, tracker):
    made = build_results_plan(workspace, tracker)
    query = {"start": "2026-01-01", "end": "2026-02-28"}
    answer = api.get("plans/results", **query, model="linear")
    assert answer.status_code == 200
    body = answer.json()
    assert (body["model"], body["start"], body["end"], body["problem"]) == (
        "linear",
        "2026-01-01",
        "2026-02-28",
        "",
    )
    rows = {r["name"]: r for r in body["rows"]}
    assert list(rows) == ["FY2026", "Search", "Spring search"]
    spring = rows["Spring search"]
    assert (spring["node"], spring["parent"], spring["depth"]) == (
        made["leaf"].pk,
        made["search"].pk,
        2,
    )
    assert _outcome(spring["own"]) == (
        "400.00", 2.0, 2.0, 300.0, pytest.approx(200.0), 200.0, pytest.approx(-0.5), 570.0,
        pytest.approx(0.425),
    )  # fmt: skip
    # Search adds its own campaign (summer: 1,500 spent) to the leaf's
    assert rows["Search"]["total"]["spend"] == "1900.00"
    # the model credits 300 in all (P1's 100 and P2's 200), all of it to the plan's campaigns
    assert body["model_total"] == pytest.approx(300.0)
    assert rows["FY2026"]["total"]["attributed"] == pytest.approx(body["model_total"])
    assert rows["FY2026"]["total"] == rows["Search"]["total"]
    last = api.get("plans/results", **query, model="last_touch").json()
    calls = {p["node"]: p["call"] for p in last["portfolio"]}
    assert calls == {made["search"].pk: "stop", made["leaf"].pk: "keep"}


def test_results_refuse_bad_input_naming_the_field(api, workspace):
    backwards = api.get("plans/results", start="2026-02-01", end="2026-01-01")
    assert backwards.status_code == 422 and "end" in backwards.json()["errors"]
    magic = api.get("plans/results", start="2026-01-01", end="2026-01-31", model="magic")
    assert magic.status_code == 422 and "model" in magic.json()["errors"]
    missing = api.get("plans/results", end="2026-01-31")
    assert missing.status_code == 422 and "start" in missing.json()["errors"]
    staff = member(workspace, "sam", Role.STAFF)
    query = {"start": "2026-01-01", "end": "2026-01-31"}
    assert staff.get("plans/results", **query).status_code == 403
    assert staff.get("plans/scorecards", **query).status_code == 403
    assert staff.get("plans/alerts").status_code == 403


def test_scorecards_count_money_results_and_delivery(api, workspace, tracker):
    made = build_results_plan(workspace, tracker)
    vendor = save_vendor(workspace, {"name": "Northwind", "kind": "agency"})
    plan_lines(
        workspace,
        [{"node": made["leaf"].pk, "month": "2026-01", "channel": "paid_search",
          "amount": "5000"}],
    )  # fmt: skip
    line = BudgetLine.objects.get(node=made["leaf"])
    values = {"vendor": vendor.pk, "line": line.pk, "issued_on": date(2026, 1, 2)}
    on_time = issue_order(workspace, values | {"number": "PO-1", "amount": "1000"})
    late = issue_order(workspace, values | {"number": "PO-2", "amount": "1000.01"})
    record_invoice(workspace, {"order": on_time.pk, "number": "I-1",
                               "invoiced_on": date(2026, 2, 28), "amount": "1000"})  # fmt: skip
    record_invoice(workspace, {"order": late.pk, "number": "I-2",
                               "invoiced_on": date(2026, 3, 1), "amount": "1000.01"})  # fmt: skip
    # closed with 600 of 2,000 invoiced by the deadline: it commits 600, delivered on time
    closed = issue_order(workspace, values | {"number": "PO-3", "amount": "2000"})
    record_invoice(workspace, {"order": closed.pk, "number": "I-3",
                               "invoiced_on": date(2026, 2, 10), "amount": "600"})  # fmt: skip
    set_order_status(closed, "closed")
    answer = api.get("plans/scorecards", start="2026-01-01", end="2026-02-28")
    assert answer.status_code == 200
    (card,) = answer.json()
    assert {k: card[k] for k in ("vendor", "name", "kind", "committed", "invoiced")} == {
        "vendor": vendor.pk, "name": "Northwind", "kind": "agency",
        "committed": "2600.01", "invoiced": "2600.01",
    }  # fmt: skip
    assert (card["on_time"], card["late"], card["not_due"]) == (2, 1, 0)
    assert card["on_time_rate"] == pytest.approx(2 / 3)
    assert _outcome(card["results"])[:3] == ("400.00", 2.0, 2.0)


def test_the_alerts_raised_are_listed_by_node_kind_and_month(
    api, workspace, alert_lines, alert_owner
):
    check_workspace(workspace, MID_MARCH)
    found = api.get("plans/alerts").json()
    assert sorted((a["kind"], a["month"], a["node"], a["owner"]) for a in found) == [
        ("overspend", "2026-04", alert_lines["leaf"].pk, alert_owner.pk),
        ("pacing", "2026-03", alert_lines["leaf"].pk, alert_owner.pk),
        ("underspend", "2026-02", alert_lines["program"].pk, alert_owner.pk),
    ]
    (over,) = api.get("plans/alerts", kind="overspend").json()
    assert over["message"] == "invoiced 2,500.00 is 500.00 over the plan of 2,000.00"
    assert over["raised_on"] == "2026-03-15"
    assert over["line"] == BudgetLine.objects.get(channel="display").pk
    program = api.get("plans/alerts", node=alert_lines["program"].pk).json()
    assert [a["kind"] for a in program] == ["underspend"]
    assert [a["kind"] for a in api.get("plans/alerts", month="2026-03").json()] == ["pacing"]
    assert len(api.get("plans/alerts", limit=2).json()) == 2
    assert api.get("plans/alerts", kind="late").status_code == 422
    year_zero = api.get("plans/alerts", month="0000-01")
    assert year_zero.status_code == 422 and "month" in year_zero.json()["errors"]
