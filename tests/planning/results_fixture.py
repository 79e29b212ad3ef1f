"""A plan whose campaigns brought hand-countable people, for the results tests.

- spring (paid search) on the leaf "Spring search"; summer (paid search) on the program
  "Search" itself, the leaf's parent; the root plan has no campaign.
- P1 arrives by spring only and buys 100; P2 arrives by spring, then summer, and buys 200;
  P3 arrives by summer and buys nothing.
- spend: spring 400 (Jan), summer 1500 (Jan) and 50 outside the range (Dec 2025).
"""

from datetime import date

from pacer.core.actions import create_user
from pacer.core.models import Membership
from pacer.core.roles import Role
from pacer.metrics.cube import refresh_cube
from pacer.people.actions import record_predictions
from pacer.people.selectors import contacts_by_user_id
from pacer.planning.actions import create_campaign, record_spend
from pacer.planning.plan_actions import create_node, update_node
from pacer.teams.actions import update_team
from pacer.teams.selectors import team_by_key
from pacer.warehouse.sync import sync

START, END = date(2026, 1, 1), date(2026, 2, 28)


def _visit(mid: str, anon: str, when: str, campaign: str) -> dict:
    url = f"https://s.test/?utm_source=google&utm_medium=cpc&utm_campaign={campaign}"
    return {
        "type": "page",
        "messageId": mid,
        "anonymousId": anon,
        "timestamp": when,
        "context": {"page": {"url": url}},
    }


def _identify(mid: str, anon: str, user: str, when: str) -> dict:
    return {
        "type": "identify",
        "messageId": mid,
        "anonymousId": anon,
        "userId": user,
        "timestamp": when,
        "traits": {"email": f"{user.lower()}@x.com"},
    }


def _order(mid: str, user: str, when: str, total: int) -> dict:
    return {
        "type": "track",
        "messageId": mid,
        "userId": user,
        "event": "Order Completed",
        "timestamp": when,
        "properties": {"order_id": mid, "total": total},
    }


def build_results_plan(workspace, tracker) -> dict:
    spring = create_campaign(workspace, "spring", "paid_search")
    summer = create_campaign(workspace, "summer", "paid_search")
    root = create_node(workspace, {"kind": "plan", "name": "FY2026", "fiscal_year": 2026})
    search = create_node(
        workspace,
        {"kind": "program", "name": "Search", "fiscal_year": 2026, "campaign": "summer"},
        parent_id=root.pk,
    )
    leaf = create_node(
        workspace,
        {"kind": "campaign", "name": "Spring search", "fiscal_year": 2026, "campaign": "spring"},
        parent_id=search.pk,
    )
    record_spend(
        workspace,
        [
            {"day": date(2026, 1, 5), "channel": "paid_search", "campaign": spring, "amount": 400},
            {"day": date(2026, 1, 6), "channel": "paid_search", "campaign": summer, "amount": 1500},
            {"day": date(2025, 12, 6), "channel": "paid_search", "campaign": summer, "amount": 50},
        ],
    )
    response = tracker.batch(
        [
            _visit("p1v", "a1", "2026-01-05T09:00:00Z", "spring"),
            _identify("p1i", "a1", "P1", "2026-01-05T09:05:00Z"),
            _order("p1o", "P1", "2026-01-06T09:00:00Z", 100),
            _visit("p2v", "a2", "2026-01-07T09:00:00Z", "spring"),
            _visit("p2w", "a2", "2026-01-09T09:00:00Z", "summer"),
            _identify("p2i", "a2", "P2", "2026-01-09T09:05:00Z"),
            _order("p2o", "P2", "2026-01-10T09:00:00Z", 200),
            _visit("p3v", "a3", "2026-01-11T09:00:00Z", "summer"),
            _identify("p3i", "a3", "P3", "2026-01-11T09:05:00Z"),
        ]
    )
    assert response.json()["accepted"] == 9
    sync(after_sync=refresh_cube)
    people = contacts_by_user_id(workspace, ["P1", "P2", "P3"])
    record_predictions(
        workspace, {people["P1"]: (150.0, 0.5, 0.1), people["P2"]: (420.0, 0.7, 0.3)}
    )
    return {"root": root, "search": search, "leaf": leaf, "spring": spring, "summer": summer}


def add_teams(workspace, made: dict) -> None:
    """Put Search (and the Spring search under it) on the performance team, add a Brand
    program on the brand team with 700 of TV spend on 2026-01-08, and a marketer 'pat'
    of the performance team."""
    values = {"kind": "program", "name": "Search", "fiscal_year": 2026, "campaign": "summer"}
    update_node(made["search"], {**values, "team": "performance"})
    tv = create_campaign(workspace, "brand-tv", "tv")
    create_node(
        workspace,
        {"kind": "program", "name": "Brand", "fiscal_year": 2026, "team": "brand",
         "campaign": "brand-tv"},
        parent_id=made["root"].pk,
    )  # fmt: skip
    record_spend(workspace, [{"day": date(2026, 1, 8), "channel": "tv", "campaign": tv,
                              "amount": 700}])  # fmt: skip
    marketer = create_user(workspace, "pat", "correct-horse-1", Role.MARKETER)
    team = team_by_key(workspace, "performance")
    membership = Membership.objects.get(workspace=workspace, user=marketer)
    update_team(team, name=team.name, member_ids=[membership.pk])
