"""A crowded day on the content calendar: more than two campaigns running are one
"N campaigns running" summary that opens their list (names, links to their pages), not a
bar each (the demo ran ten at once: ten bars a day pushed the items out of sight); two
or fewer stay bars, themes stay bars, and the legend sums the campaigns up the same way."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from pacer.content import actions
from pacer.content.themes import band_style
from pacer.planning import actions as planning
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(workspace, team):
    """Three campaigns over 9–13 March, two of them also over 16–20 March; a theme."""
    made = [
        planning.create_campaign(
            workspace,
            f"c{n}",
            "email",
            name=f"Campaign {n}",
            starts_on=date(2026, 3, 9),
            ends_on=date(2026, 3, 20 if n < 2 else 13),
        )
        for n in range(3)
    ]
    actions.create_theme(
        workspace, name="Spring sale", starts_on="2026-03-01", ends_on="2026-03-31"
    )
    actions.create_item(
        workspace,
        title="Busy day post",
        kind="social_post",
        scheduled_for=datetime(2026, 3, 11, 9, tzinfo=UTC),
    )
    return made


def _day(page: str, day: str) -> str:
    return page.split(f'data-day="{day}"')[1].split("</section>")[0]


def _page(user, path: str) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client.get(path).content.decode()


@pytest.mark.parametrize("view", ["month", "week"])
def test_more_than_two_campaigns_on_a_day_are_one_summary_that_opens_their_list(
    workspace, team, crowded, view
):
    page = _page(team["editor"], f"/content/calendar/?view={view}&day=2026-03-11")
    busy = _day(page, "2026-03-11")
    assert busy.count('<span class="cal-band campaign"') == 0
    assert '<summary class="cal-band campaign">3 campaigns running' in busy
    links = [
        f'<li><a href="/campaigns/{c.pk}/">Campaign {n}</a></li>' for n, c in enumerate(crowded)
    ]
    assert "".join(links) in busy
    amber = band_style("amber")  # a theme's default colour
    assert (
        f'<span class="cal-band theme" title="Spring sale" style="{amber}">Spring sale</span>'
        in busy
    )
    assert "Busy day post" in busy


def test_two_campaigns_stay_bars_and_the_legend_sums_up_more(workspace, team, crowded):
    page = _page(team["editor"], "/content/calendar/?day=2026-03-11")
    later = _day(page, "2026-03-17")
    assert later.count('<span class="cal-band campaign"') == 2 and "running" not in later
    legend = page.split('id="calendar-legend"')[1].split("</div>")[0]
    assert "3 campaigns in view</summary>" in legend and "Theme: Spring sale" in legend
    assert "Campaign: " not in legend
    quiet = _page(team["editor"], "/content/calendar/?day=2026-04-15")  # none in view
    assert "campaigns in view</summary>" not in quiet and "campaigns running" not in quiet
