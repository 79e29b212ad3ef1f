"""The calendar and an asset's "Where used" name an item's state and team as people read
them ("In review", "Brand studio"), not by their keys ("in_review", "studio-x"): the
month and week grids (their item's and deadline's hidden words), the day and list views'
tables and deadlines, and the asset page (issue 15 audit)."""

import re
from datetime import UTC, date, datetime

import pytest
from django.test import Client

from pacer.content import actions, assets
from pacer.content.models import ContentItem
from pacer.core import clock
from pacer.teams import actions as teams
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned(workspace, admin, media_dir, monkeypatch):
    """'Launch post' (in review, team Brand studio) on 10 March 2026, due 12 March, using
    'Beach hero'; the clock on 1 March."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 3, 1, 9, tzinfo=UTC))
    teams.create_team(workspace, key="studio-x", name="Brand studio")
    item = actions.create_item(
        workspace,
        title="Launch post",
        kind="blog_post",
        team="studio-x",
        scheduled_for=datetime(2026, 3, 10, 9, tzinfo=UTC),
        due_on=date(2026, 3, 12),
    )
    ContentItem.objects.filter(pk=item.pk).update(state="in_review")
    asset = assets.upload_asset(workspace, name="Beach hero", filename="h.png", data=png(8, 6))
    assets.use_asset(item, asset)
    client = Client()
    client.force_login(admin)
    return {"client": client, "item": item, "asset": asset}


def test_the_grids_name_the_state(planned):
    client, item = planned["client"], planned["item"]
    for view in ("month", "week"):
        page = client.get(f"/content/calendar/?view={view}&day=2026-03-10").content.decode()
        assert "in_review" not in page.replace("state-in_review", "")
        assert (
            f'id="cal-item-{item.pk}">09:00 Launch post'
            '<span class="visually-hidden"> (Blog post, In review)</span>'
        ) in page
        assert 'Due: Launch post<span class="visually-hidden"> (In review)</span>' in page


def test_the_list_and_day_views_name_the_state_and_the_team(planned):
    client, item = planned["client"], planned["item"]
    for view, day in (("list", "2026-03-10"), ("day", "2026-03-10")):
        response = client.get(f"/content/calendar/?view={view}&day={day}")
        rows = [[cell.text for cell in row] for row in response.context["table"].rows]
        assert rows == [
            ["2026-03-10 09:00", "Launch post", "Blog post", "In review", "", "Brand studio", ""]
        ]
    listed = client.get("/content/calendar/?view=list&day=2026-03-10").content.decode()
    due = re.search(r'<ul class="plain-list" id="calendar-due".*?</ul>', listed).group(0)
    assert f'<a href="/content/items/{item.pk}/">Launch post</a> · In review</li>' in due


def test_where_used_names_the_state(planned):
    page = planned["client"].get(f"/assets/{planned['asset'].pk}/").content.decode()
    used = re.search(r'<ul class="plain-list" id="where-used">.*?</ul>', page).group(0)
    assert '">Launch post</a> · In review · 2026-03-10</li>' in used
