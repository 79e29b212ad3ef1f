"""Deleting a campaign (``actions.delete_campaign``; the campaign page's button and
``DELETE /api/planning/campaigns/{key}``): its spend lines stay under no campaign, its
plan node is unlinked and every summary of the plan's money (node months, facts, their
sums over nodes and over months) loses that spend, as a recomputation from scratch has
it; a campaign with spend in a closed month, and anyone who may not manage campaigns,
are refused with nothing changed."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.planning import facts, summary, sums
from pacer.planning.actions import create_campaign, delete_campaign, enter_spend
from pacer.planning.budget_actions import plan_lines
from pacer.planning.close_actions import close_month
from pacer.planning.models import Campaign, NodeMonth, NodeSum, PlanNode, SpendDay, SpendEntry
from pacer.planning.plan_actions import create_node
from pacer.planning.report import plan_report
from pacer.planning.rollups import tree
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db
JAN = date(2026, 1, 1)
PASSWORD = "correct-horse-1"


@pytest.fixture
def plan(workspace):
    """A plan with a campaign node linked to "spring", which plans 100 of email in
    January and has 30 of email (matched) and 7.50 of display (unplanned) spent on it."""
    campaign = create_campaign(workspace, "spring", "email")
    root = create_node(workspace, {"kind": "plan", "name": "FY", "fiscal_year": 2026})
    leaf = create_node(
        workspace,
        {"kind": "campaign", "name": "L", "fiscal_year": 2026, "campaign": "spring"},
        parent_id=root.pk,
    )
    plan_lines(workspace, [{"node": leaf.pk, "month": "2026-01", "channel": "email",
                            "amount": "100"}])  # fmt: skip
    for channel, amount in (("email", "30"), ("display", "7.5")):
        enter_spend(workspace, {"day": date(2026, 1, 5), "channel": channel,
                                "campaign": "spring", "amount": amount})  # fmt: skip
    return {"campaign": campaign, "root": root, "leaf": leaf}


def kept(workspace) -> dict:
    """Every summary row of the workspace."""
    months = NodeMonth.objects.filter(workspace=workspace)
    return {
        "months": {(r.node_id, r.month): [getattr(r, m) for m in summary.MEASURES] for r in months},
        "facts": facts.stored(workspace.pk),
        "sums": sums.stored(workspace.pk),
        "node_sums": sums.stored(workspace.pk, NodeSum),
    }


def from_scratch(workspace) -> dict:
    return {
        "months": {k: v for k, v in summary.compute(workspace.pk).items() if any(v)},
        "facts": facts.compute(workspace.pk),
        "sums": sums.from_facts(workspace.pk),
        "node_sums": sums.from_facts(workspace.pk, NodeSum),
    }


def test_deleting_a_campaign_takes_its_spend_out_of_the_plan(workspace, plan):
    leaf = plan["leaf"]
    assert tree(workspace)[0].total.spent == Decimal("37.50")
    delete_campaign(plan["campaign"])
    assert not Campaign.objects.filter(workspace=workspace).exists()
    # the spend lines stay, under no campaign, and the spend list's day totals with them
    assert sorted(SpendEntry.objects.values_list("channel", "amount", "campaign_id")) == [
        ("display", 7.5, None),
        ("email", 30, None),
    ]
    assert sum(SpendDay.objects.values_list("cents", flat=True)) == 3750
    assert PlanNode.objects.get(pk=leaf.pk).campaign_id is None
    # every summary is what a recomputation gives: the planned money only
    assert kept(workspace) == from_scratch(workspace)
    assert kept(workspace) == {
        "months": {(leaf.pk, JAN): [10000, 0, 0, 0, 0]},
        "facts": {(leaf.pk, JAN, "email", None, "", "none"): [10000, 0, 0, 0]},
        "sums": {(2026, JAN, "email", 0, "", "none"): [10000, 0, 0, 0]},
        "node_sums": {(leaf.pk, 2026, "email", 0, "", "none"): [10000, 0, 0, 0]},
    }
    root = tree(workspace)[0].total
    assert (root.planned, root.spent, root.unplanned) == (100, 0, 0)
    for rows, columns in (("channel", ""), ("node", "channel"), ("node", "month")):
        found = plan_report(workspace, rows=rows, columns=columns, depth=1).total
        assert (found.planned, found.actual) == (100, 0), (rows, columns)
    entry = AuditEntry.objects.get(workspace=workspace, action="campaign.delete")
    assert entry.before["key"] == "spring"


def test_a_campaign_with_spend_in_a_closed_month_is_kept(workspace, plan):
    close_month(workspace, JAN)
    before = kept(workspace)
    with pytest.raises(ValidationFailed) as refused:
        delete_campaign(plan["campaign"])
    assert refused.value.errors == {
        "campaign": "has spend in 2026-01, closed: an admin must reopen it first"
    }
    assert Campaign.objects.filter(workspace=workspace, key="spring").exists()
    assert PlanNode.objects.get(pk=plan["leaf"].pk).campaign_id == plan["campaign"].pk
    assert kept(workspace) == before
    assert not AuditEntry.objects.filter(action="campaign.delete").exists()


def login(workspace, role: str) -> Client:
    core_actions.create_user(workspace, f"user-{role}", PASSWORD, role)
    client = Client()
    client.login(username=f"user-{role}", password=PASSWORD)
    return client


def test_the_campaign_page_deletes_for_managers_only(workspace, plan):
    campaign = plan["campaign"]
    url = f"/campaigns/{campaign.pk}/delete/"
    analyst = login(workspace, "analyst")
    assert "Delete this campaign" not in analyst.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert analyst.post(url).status_code == 403
    marketer = login(workspace, "marketer")
    page = marketer.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Delete this campaign" in page
    assert "the plan node L loses that spend from its actual" in page
    assert marketer.get(url).status_code == 302  # a GET deletes nothing
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    response = marketer.post(url, follow=True)
    assert response.redirect_chain[-1][0] == "/campaigns/"
    assert "Campaign &#x27;spring&#x27; deleted; its spend lines stay." in response.content.decode()
    assert not Campaign.objects.filter(pk=campaign.pk).exists()
    assert kept(workspace) == from_scratch(workspace)


def test_the_campaign_page_shows_why_a_delete_was_refused(workspace, plan):
    """The campaign's page again (422), the reason above the delete button; it used to
    redirect with a toast."""
    campaign = plan["campaign"]
    close_month(workspace, JAN)
    marketer = login(workspace, "marketer")
    response = marketer.post(f"/campaigns/{campaign.pk}/delete/")
    assert response.status_code == 422
    page = response.content.decode()
    reason = "has spend in 2026-01, closed: an admin must reopen it first"
    assert f'<a href="#delete-campaign">Campaign: {reason}</a>' in page
    assert page.index("The campaign was not deleted") < page.index('id="delete-campaign"')
    assert Campaign.objects.filter(pk=campaign.pk).exists()
    assert not AuditEntry.objects.filter(action="campaign.delete").exists()


def test_the_api_deletes_by_key_and_refuses_by_field(workspace, admin, plan):
    api = ApiClient(workspace, admin)
    other = create_campaign(workspace, "autumn", "email")
    enter_spend(workspace, {"day": date(2026, 2, 3), "channel": "email", "campaign": "autumn",
                            "amount": "5"})  # fmt: skip
    close_month(workspace, JAN)
    refused = api.delete("planning/campaigns/spring")
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "campaign": "has spend in 2026-01, closed: an admin must reopen it first"
    }
    gone = api.delete("planning/campaigns/autumn")
    assert gone.status_code == 204
    assert not Campaign.objects.filter(pk=other.pk).exists()
    missing = api.delete("planning/campaigns/autumn")
    assert missing.status_code == 404
    assert missing.json()["errors"] == {"key": "no such campaign in this workspace"}
    assert kept(workspace) == from_scratch(workspace)
