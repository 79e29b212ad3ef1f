"""The budgets page's forms (a transfer, an exchange rate, the approval threshold, the
alert thresholds), refused: the page again (422) with the reasons at the fields and what
was typed kept, nothing written. They used to redirect to the page with toasts naming
the fields, the typed values lost."""

import pytest

from pacer.core.models import AuditEntry
from pacer.planning.budget_actions import planning_settings
from pacer.planning.models import BudgetLine, BudgetTransfer, FxRate, PlanNode
from tests.planning.test_plan_pages import client, plan  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def _written(workspace):
    rules = planning_settings(workspace)
    return (
        BudgetTransfer.objects.count(),
        FxRate.objects.count(),
        sorted(BudgetLine.objects.values_list("pk", "amount_base")),
        (rules.approval_threshold, rules.overspend_tolerance, rules.pacing_tolerance),
        AuditEntry.objects.count(),
    )


def test_refused_budget_forms_show_the_reason_at_the_field_and_keep_the_input(
    client,  # noqa: F811
    workspace,
    plan,  # noqa: F811
):
    source, target = BudgetLine.objects.order_by("pk")
    before = _written(workspace)
    response = client.post(
        "/budgets/transfers/",
        {"source": source.pk, "target": target.pk, "amount": "-5", "reason": "<b>TV</b> 📺"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    error = "must be a finite number of at least 0"
    assert f'<div class="field-error" id="transfer-amount-error"><p>{error}</p>' in page
    assert 'id="transfer-amount" name="amount" type="text" value="-5"' in page
    assert 'value="&lt;b&gt;TV&lt;/b&gt; 📺"' in page
    assert f'<option value="{target.pk}" selected>' in page
    assert f'<a href="#transfer-amount">Amount: {error}</a>' in page
    assert 'id="rate-currency-error"' not in page  # only the refused form's
    response = client.post("/budgets/transfers/", {"amount": "5", "reason": "x"})
    page = response.content.decode()
    assert '<div class="field-error" id="transfer-source-error"><p>choose a budget line' in page
    assert "no budget line None" not in page
    response = client.post(
        "/budgets/rates/", {"currency": "€€€€", "day": "2026-02-30", "rate": "x"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert '<div class="field-error" id="rate-day-error"><p>' in page
    assert 'value="2026-02-30"' in page and 'value="x"' in page
    response = client.post("/budgets/threshold/", {"approval_threshold": "lots"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="threshold-error"' in page and 'id="threshold" name="approval_threshold"' in page
    assert 'value="lots"' in page
    typed = {"overspend_tolerance": "0.12345", "underspend_below": "0.5", "pacing_tolerance": ""}
    response = client.post("/budgets/alerts/", typed)
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="alert-overspend-error"' in page and 'id="alert-pacing-error"' in page
    assert 'id="alert-underspend-error"' not in page and 'value="0.12345"' in page
    assert _written(workspace) == before


def test_a_nul_in_a_team_or_location_code_is_refused_not_a_server_error(
    client,  # noqa: F811
    workspace,
    plan,  # noqa: F811
):
    """Found walking the demo's forms on PostgreSQL, which cannot compare text holding a
    NUL: a plan node's team and a budget line's location answered 500 (the lookup ran
    with the refused value). SQLite compared them, so this fails only on PostgreSQL."""
    _, leaf = plan
    before = _written(workspace), PlanNode.objects.count()
    response = client.post(
        "/plans/new/",
        {"kind": "program", "name": "Autumn", "fiscal_year": "2026", "team": "a\x00b"},
    )
    assert response.status_code == 422
    assert '<div class="field-error" id="field-team-error"><p>must not contain NUL' in (
        response.content.decode()
    )
    response = client.post(
        "/plans/new/",
        {"kind": "program", "name": "Autumn", "fiscal_year": "2026", "campaign": "a\x00b"},
    )
    assert response.status_code == 422  # a 500 too, found by the walk's rerun
    assert (
        '<div class="field-error" id="field-campaign-error"><p>no campaign &#x27;a\x00b&#x27;'
        in response.content.decode()
    )
    response = client.post(
        f"/plans/{leaf.pk}/lines/",
        {"month": "2026-05", "channel": "email", "amount": "5", "location": "a\x00b"},
    )
    assert response.status_code == 422  # the node's page, the reason at the field
    assert '<div class="field-error" id="line-location-error"><p>no location &#x27;a' in (
        response.content.decode()
    )
    assert (_written(workspace), PlanNode.objects.count()) == before
