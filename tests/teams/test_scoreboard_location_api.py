"""A team's REST scoreboard at one location (``location``: its code), as the page's
franchise-owner view: a total's target is the business's and not compared there; a code
the caller may not see (staff: only the locations they take leads for) or that does not
exist is refused naming ``location``."""

import pytest

from pacer.core.roles import Role
from pacer.metrics.cube import refresh_cube
from pacer.teams import actions
from pacer.teams.models import Team
from pacer.warehouse.sync import sync

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(workspace, small_business):
    """Performance's February targets: spend 150 (a total), CAC 150 (a ratio); the small
    business spent 100 in February, all at Austin (L1)."""
    sync(after_sync=refresh_cube)
    team = Team.objects.get(workspace=workspace, key="performance")
    actions.set_target(team, metric="spend", month="2026-02", target=150)
    actions.set_target(team, metric="cac", month="2026-02", target=150)
    return team


def _rows(board: dict) -> dict:
    return {
        r["metric"]: (r["target"], r["actual"], r["attainment"], r["met"], r["business_target"])
        for r in board["rows"]
    }


def test_the_scoreboard_at_a_location_leaves_a_totals_target_uncompared(team, call):
    everywhere = call("get", "/performance/scoreboard?month=2026-02-01").json()
    assert everywhere["location"] is None
    assert _rows(everywhere) == {
        "spend": (150.0, 100.0, 1.5, True, False),
        "cac": (150.0, 100.0, 1.5, True, False),
    }
    austin = call("get", "/performance/scoreboard?month=2026-02-01&location=L1")
    assert austin.status_code == 200, austin.content
    assert austin.json()["location"] == "L1"
    assert _rows(austin.json()) == {
        "spend": (150.0, 100.0, None, None, True),  # the business's target
        "cac": (150.0, 100.0, 1.5, True, False),  # all February's customers are Austin's
    }


@pytest.mark.parametrize(
    "query, role",
    [
        ("location=NOPE", Role.MARKETER),  # no such location
        ("location=L1", Role.STAFF),  # staff who take no leads at Austin
        ("location=", Role.MARKETER),
    ],
)
def test_a_location_the_caller_may_not_see_is_refused_by_name(team, call, query, role):
    response = call("get", f"/performance/scoreboard?month=2026-02-01&{query}", role=role)
    assert response.status_code == 422, response.content
    assert list(response.json()["errors"]) == ["location"]
