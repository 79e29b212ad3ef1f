"""Content items name their team (not its key) in the list and on the item page, and take
it from a select of the workspace's teams, by name."""

import pytest
from django.test import Client

from pacer.content import actions
from pacer.teams import actions as teams

pytestmark = pytest.mark.django_db


def test_items_show_team_names_and_take_the_team_from_a_select(workspace, admin):
    teams.create_team(workspace, key="studio-x", name="Brand studio")
    item = actions.create_item(workspace, title="Launch post", kind="blog_post", team="studio-x")
    client = Client()
    client.force_login(admin)
    page = client.get("/content/items/")
    rows = [[cell.text for cell in row] for row in page.context["table"].rows]
    assert rows == [["Launch post", "Blog post", "Idea", "", "Brand studio", "", "—"]]
    assert page.context["teams"][0] == ("", "—")
    assert ("studio-x", "Brand studio") in page.context["teams"]
    assert '<option value="studio-x">Brand studio</option>' in page.content.decode()
    detail = client.get(f"/content/items/{item.pk}/").content.decode()
    assert "<dd>Brand studio</dd>" in detail
