"""Currency rates by date and the approval threshold over the REST API: rates listed
newest first per currency or as in force on a day, the threshold read by who may see
budgets and set only by who may approve, refusals naming the field and writing nothing."""

from datetime import date
from decimal import Decimal

import pytest

from pacer.core import actions as core_actions
from pacer.core.roles import Role
from pacer.planning import budget_actions
from pacer.planning.budget_actions import planning_settings
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


@pytest.fixture
def rates(workspace):
    for currency, day, rate in (
        ("EUR", date(2026, 1, 1), "1.1"),
        ("EUR", date(2026, 3, 1), "1.2"),
        ("GBP", date(2026, 2, 1), "1.3"),
    ):
        budget_actions.set_rate(workspace, currency, day, rate)


def _of(response) -> list[tuple]:
    assert response.status_code == 200, response.content
    return [(r["currency"], r["day"], r["rate"]) for r in response.json()]


def test_rates_are_listed_by_currency_newest_first_or_as_in_force_on_a_day(api, rates):
    assert _of(api.get("plans/rates")) == [
        ("EUR", "2026-03-01", "1.20000000"),
        ("EUR", "2026-01-01", "1.10000000"),
        ("GBP", "2026-02-01", "1.30000000"),
    ]
    assert _of(api.get("plans/rates", on="2026-02-15")) == [
        ("EUR", "2026-01-01", "1.10000000"),
        ("GBP", "2026-02-01", "1.30000000"),
    ]
    assert _of(api.get("plans/rates", on="2026-03-01", currency="eur")) == [
        ("EUR", "2026-03-01", "1.20000000"),
    ]
    assert _of(api.get("plans/rates", on="2025-12-31")) == []


@pytest.mark.parametrize(
    "params, field", [({"on": "2026-02-30"}, "on"), ({"currency": "EU"}, "currency")]
)
def test_a_bad_rates_query_names_its_field(api, rates, params, field):
    response = api.get("plans/rates", **params)
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == [field]


def test_the_threshold_is_read_and_set_by_an_approver(api, workspace):
    assert api.get("plans/approval-threshold").json() == {
        "approval_threshold": "10000.00", "currency": workspace.currency,
    }  # fmt: skip
    response = api.put("plans/approval-threshold", {"approval_threshold": "2500.5"})
    assert response.status_code == 200, response.content
    assert response.json() == {"approval_threshold": "2500.50", "currency": workspace.currency}
    assert planning_settings(workspace).approval_threshold == Decimal("2500.50")
    assert api.get("plans/approval-threshold").json()["approval_threshold"] == "2500.50"


@pytest.mark.parametrize("value", ["-1", "abc", "1e20", None])
def test_a_bad_threshold_is_refused_by_name_and_nothing_changes(api, workspace, value):
    response = api.put("plans/approval-threshold", {"approval_threshold": value})
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == ["approval_threshold"]
    assert planning_settings(workspace).approval_threshold == Decimal("10000.00")


def test_who_may_not_approve_reads_the_threshold_but_may_not_set_it(workspace):
    analyst = core_actions.create_user(workspace, "ann", "correct-horse-1", Role.ANALYST)
    api = ApiClient(workspace, analyst)
    assert api.get("plans/approval-threshold").json()["approval_threshold"] == "10000.00"
    response = api.put("plans/approval-threshold", {"approval_threshold": "1"})
    assert response.status_code == 403, response.content
    assert planning_settings(workspace).approval_threshold == Decimal("10000.00")
