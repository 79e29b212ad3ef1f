"""The plan of the team-scoping tests: ``plan_fixture.build_plan`` (Performance and its
campaign on the performance team, Brand on brand, the plan itself on none) with a TV
flight under Brand on no team of its own, its campaign's spend, a line, an order and a
transfer waiting; and spend of no campaign. ``login`` makes a member of teams."""

from datetime import date

from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import Membership
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.budget_actions import plan_lines, request_transfer
from pacer.planning.models import BudgetLine, PlanNode
from pacer.planning.plan_actions import create_node
from pacer.planning.purchase_actions import issue_order
from pacer.teams.actions import update_team
from pacer.teams.selectors import team_by_key
from tests.planning.plan_fixture import build_plan

PASSWORD = "correct-horse-1"


def login(workspace, name: str, role: str, teams: list[str]) -> Client:
    user = core_actions.create_user(workspace, name, PASSWORD, role)
    membership = Membership.objects.get(workspace=workspace, user=user)
    for key in teams:
        team = team_by_key(workspace, key)
        members = [*team.members.values_list("membership_id", flat=True), membership.pk]
        update_team(team, name=team.name, member_ids=members)
    client = Client()
    client.login(username=name, password=PASSWORD)
    return client


def build_team_plan(workspace) -> dict:
    """The plan fixture (Performance and its campaign on the performance team, Brand on
    brand, the plan itself on none) with a TV flight under Brand on no team of its own,
    its campaign's spend, a line, an order and a transfer waiting; and spend of no
    campaign."""
    found = build_plan(workspace)
    create_campaign(workspace, "brand-tv", "tv")
    flight = create_node(
        workspace,
        {
            "kind": "campaign",
            "name": "TV flight",
            "fiscal_year": 2026,
            "starts_on": date(2026, 5, 1),
            "ends_on": date(2026, 6, 30),
            "campaign": "brand-tv",
        },
        parent_id=found["brand"].pk,
    )
    plan_lines(
        workspace, [{"node": flight.pk, "month": "2026-06", "channel": "tv", "amount": 5000}]
    )
    brand_line = BudgetLine.objects.get(node=found["brand"])
    flight_line = BudgetLine.objects.get(node=flight)
    issue_order(
        workspace,
        {
            "number": "PO-2026-002",
            "vendor": found["vendor"].pk,
            "line": flight_line.pk,
            "issued_on": date(2026, 5, 2),
            "amount": "3000",
        },
    )
    request_transfer(workspace, brand_line.pk, flight_line.pk, "2000", "More airtime")
    brand_tv = PlanNode.objects.get(pk=flight.pk).campaign
    record_spend(
        workspace,
        [
            {"day": date(2026, 3, 5), "channel": "tv", "campaign": brand_tv, "amount": "1000"},
            {"day": date(2026, 3, 6), "channel": "email", "amount": "50"},
        ],
    )
    return found
