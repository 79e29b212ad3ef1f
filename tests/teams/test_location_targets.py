"""A team's scoreboard at one location (the franchise owner's view): a target of a total
(leads, revenue, spend...) is the whole business's, so the location's actual is not
measured against it (Jackson's 16 leads were "4% of target, Behind" against the
business's 400); a ratio's target (CAC) still is, and every location together is as
before."""

import re
from datetime import date

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.roles import Role
from pacer.metrics.cube import refresh_cube
from pacer.teams import actions, selectors
from pacer.teams.models import Team
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db
FEB = date(2026, 2, 1)


@pytest.fixture
def team(workspace, small_business):
    """Performance with targets for February: spend 150 (a total), CAC 150 (a ratio);
    the small business spent 100 in February, all of it at Austin (L1)."""
    sync(after_sync=refresh_cube)
    team = Team.objects.get(workspace=workspace, key="performance")
    actions.set_target(team, metric="spend", month="2026-02", target=150)
    actions.set_target(team, metric="cac", month="2026-02", target=150)
    return team


def _rows(board) -> dict:
    return {
        r.metric.key: (r.target, r.actual, r.attainment, r.met, r.business_target)
        for r in board.rows
    }


def test_at_a_location_a_totals_target_is_not_compared(team, small_business):
    everywhere = _rows(selectors.scoreboard(team, FEB))
    assert everywhere["spend"] == (150.0, 100.0, 1.5, True, False)
    austin = _rows(selectors.scoreboard(team, FEB, location_id=small_business["location"].pk))
    assert austin["spend"] == (150.0, 100.0, None, None, True)
    target, actual, attained, met, business = austin["cac"]
    assert (target, attained is not None, met is not None, business) == (150.0, True, True, False)
    assert attained == everywhere["cac"][2]  # all the spend and customers are Austin's


def _spend_row(page: str) -> str:
    table = page[page.index('id="scoreboard"') :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return next(r for r in rows if 'tabindex="0">Spend<' in r)


def test_the_page_says_so_at_a_location(workspace, team, small_business):
    user = core.create_user(workspace, "mia", "correct-horse-1", Role.MARKETER)
    client = Client()
    client.login(username=user.username, password="correct-horse-1")
    page = client.get("/teams/performance/?month=2026-02&location=L1").content.decode()
    row = _spend_row(page)
    assert "The business&#x27;s target: not compared at one location" in row
    assert 'id="location-targets"' in page
    page = client.get("/teams/performance/?month=2026-02").content.decode()
    assert "On target" in _spend_row(page)
    assert 'id="location-targets"' not in page
