"""The content calendar's channel, theme and team filters: each view (month, week, day, list)
shows exactly the items that match and hides the others, a theme filter also hides the
other themes' bands, the navigation keeps the filters; a value that is not one of the
choices (unknown, another workspace's theme, not a number, past any row id) is reported
next to its control and not applied, never a 5xx."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.content import actions
from pacer.core import actions as core
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ALL = ["Beach email", "Beach post", "Spring email", "Spring post", "Plain ad"]


@pytest.fixture
def calendar(workspace, team):
    """Five items in March 2026: two themes × two channels, and one with neither; the
    themes run through March."""
    beach = actions.create_theme(
        workspace, name="Beach week", starts_on="2026-03-02", ends_on="2026-03-08"
    )
    spring = actions.create_theme(
        workspace, name="Spring sale", starts_on="2026-03-09", ends_on="2026-03-31"
    )
    rows = [
        ("Beach email", "email", beach, 3),
        ("Beach post", "organic_social", beach, 4),
        ("Spring email", "email", spring, 10),
        ("Spring post", "organic_social", spring, 11),
        ("Plain ad", "paid_social", None, 12),
    ]
    for title, channel, theme, day in rows:
        actions.create_item(
            workspace,
            title=title,
            kind="ad",
            channel=channel,
            theme_id=theme.pk if theme else None,
            scheduled_for=datetime(2026, 3, day, 9, tzinfo=UTC),
        )
    client = Client()
    assert client.login(username=team["editor"].username, password=PASSWORD)
    return {"client": client, "beach": beach, "spring": spring}


def _shown(page: str) -> list[str]:
    """The titles of the items a calendar page shows, in grid or table order."""
    grid = re.findall(r'class="cal-item[^"]*"[^>]*>\d\d:\d\d ([^<]+)<', page)
    table = re.findall(r'<a href="/content/items/\d+/">([^<]+)</a>', page)
    return grid or table


def _bands(page: str) -> set[str]:
    return set(re.findall(r'<span class="cal-band theme" title="([^"]+)" style=', page))


def _get(calendar, query: str):
    answer = calendar["client"].get(f"/content/calendar/?day=2026-03-15&{query}")
    assert answer.status_code == 200, query
    return answer, answer.content.decode()


@pytest.mark.parametrize("view", ["month", "list"])
def test_the_channel_filter_shows_exactly_its_items(calendar, view):
    _, page = _get(calendar, f"view={view}")
    assert sorted(_shown(page)) == sorted(ALL)
    answer, page = _get(calendar, f"view={view}&channel=email")
    assert sorted(_shown(page)) == ["Beach email", "Spring email"]
    assert answer.context["bar"].errors == {}
    _, page = _get(calendar, f"view={view}&channel=paid_social")
    assert _shown(page) == ["Plain ad"]
    _, page = _get(calendar, f"view={view}&channel=print")  # a channel with no items
    assert _shown(page) == []


@pytest.mark.parametrize("view", ["month", "list"])
def test_the_theme_filter_shows_exactly_its_items_and_its_band(calendar, view):
    beach, spring = calendar["beach"], calendar["spring"]
    _, page = _get(calendar, f"view={view}&theme={beach.pk}")
    assert sorted(_shown(page)) == ["Beach email", "Beach post"]
    _, page = _get(calendar, f"view={view}&theme={spring.pk}&channel=organic_social")
    assert _shown(page) == ["Spring post"]
    if view == "month":
        _, page = _get(calendar, "view=month")
        assert _bands(page) == {"Beach week", "Spring sale"}
        _, page = _get(calendar, f"view=month&theme={spring.pk}")
        assert _bands(page) == {"Spring sale"}


def test_week_and_day_views_filter_too_and_navigation_keeps_the_filters(calendar):
    beach = calendar["beach"]
    answer = calendar["client"].get(
        f"/content/calendar/?view=week&day=2026-03-03&channel=email&theme={beach.pk}"
    )
    assert _shown(answer.content.decode()) == ["Beach email"]
    context = answer.context
    for url in (context["previous_url"], context["next_url"], context["today_url"]):
        assert "channel=email" in url and f"theme={beach.pk}" in url, url
    day = calendar["client"].get("/content/calendar/?view=day&day=2026-03-04&channel=email")
    assert _shown(day.content.decode()) == []  # the 4th has only the post
    day = calendar["client"].get("/content/calendar/?view=day&day=2026-03-04")
    assert _shown(day.content.decode()) == ["Beach post"]


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ("channel=tv2", "channel", "'tv2' is not one of the choices; all channels shown"),
        ("channel=EMAIL", "channel", "'EMAIL' is not one of the choices; all channels shown"),
        ("theme=abc", "theme", "'abc' is not one of the choices; all themes shown"),
        ("theme=0", "theme", "'0' is not one of the choices; all themes shown"),
        ("theme=-1", "theme", "'-1' is not one of the choices; all themes shown"),
        ("theme=" + "9" * 30, "theme", f"'{'9' * 30}' is not one of the choices; all themes shown"),
        ("theme=%00", "theme", "'\x00' is not one of the choices; all themes shown"),
    ],
)
@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_a_bad_filter_value_is_reported_and_not_applied(calendar, view, query, field, reason):
    answer, page = _get(calendar, f"view={view}&{query}&day=2026-03-03")
    assert answer.context["bar"].errors == {field: reason}
    expected = {"month": ALL, "week": ["Beach email", "Beach post"], "list": ALL}[view]
    assert sorted(_shown(page)) == sorted(expected)  # as with no filter at all
    assert 'aria-invalid="true"' in page and f'id="filter-{field}-error"' in page


def test_another_workspaces_theme_is_reported_and_not_applied(calendar, workspace):
    other = core.create_workspace("Other", slug="other")
    theirs = actions.create_theme(
        other, name="Their theme", starts_on="2026-03-01", ends_on="2026-03-31"
    )
    answer, page = _get(calendar, f"view=month&theme={theirs.pk}&channel=email")
    assert answer.context["bar"].errors == {
        "theme": f"'{theirs.pk}' is not one of the choices; all themes shown"
    }
    assert sorted(_shown(page)) == ["Beach email", "Spring email"]  # the good one applies
    assert "Their theme" not in page


@pytest.mark.parametrize("view", ["month", "week", "list"])
def test_the_team_filter_shows_exactly_its_teams_items(calendar, workspace, view):
    for title, team, day in [("Brand teaser", "brand", 13), ("Content digest", "content", 13)]:
        actions.create_item(
            workspace,
            title=title,
            kind="social_post",
            channel="email",
            team=team,
            scheduled_for=datetime(2026, 3, day, 10, tzinfo=UTC),
        )
    answer, page = _get(calendar, f"view={view}&team=brand")
    assert _shown(page) == ["Brand teaser"]
    assert answer.context["bar"].errors == {}
    _, page = _get(calendar, f"view={view}&team=content&channel=email")
    assert _shown(page) == ["Content digest"]
    _, page = _get(calendar, f"view={view}")
    assert "Brand teaser" in _shown(page) and "Content digest" in _shown(page)
