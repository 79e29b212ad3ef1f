"""A content item's team is one of the workspace's teams or none: the item form and the
REST API refuse any other key (422 naming ``team``, nothing written), keep a blank team
as none, and store a team's key as the workspace spells it. A team's calendar feed needs
one of its teams too."""

import pytest
from django.test import Client

from pacer.content import actions
from pacer.content.models import CalendarFeed, ContentItem, ContentVersion
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.teams import actions as teams

pytestmark = pytest.mark.django_db
UNKNOWN = "no team 'sales' in this workspace: choose one of its teams"


def _written():
    return (
        ContentItem.objects.count(),
        ContentVersion.objects.count(),
        AuditEntry.objects.count(),
    )


def test_the_item_form_refuses_an_unknown_team_and_keeps_blank_as_none(workspace, admin):
    client = Client()
    client.force_login(admin)
    before = _written()
    page = client.post("/content/items/", {"title": "Post", "kind": "ad", "team": "sales"})
    assert page.status_code == 422
    assert page.context["errors"] == {"team": UNKNOWN}
    assert UNKNOWN.replace("'", "&#x27;") in page.content.decode()
    assert _written() == before
    assert client.post("/content/items/", {"title": "A", "kind": "ad", "team": ""}).status_code
    assert client.post("/content/items/", {"title": "B", "kind": "ad", "team": "cx"}).status_code
    assert dict(ContentItem.objects.values_list("title", "team")) == {"A": "", "B": "cx"}


def test_the_api_refuses_another_workspaces_team(workspace, admin, client):
    teams.create_team(core.create_workspace("Other", slug="other"), key="sales", name="Sales")
    _, token = core.issue_api_key(workspace, "personal", "test", user=admin)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def post(team):
        body = {"title": "Post", "kind": "ad", "team": team}
        return client.post("/api/content/items", body, content_type="application/json", **headers)

    before = _written()
    refused = post("sales")
    assert refused.status_code == 422 and refused.json()["errors"] == {"team": UNKNOWN}
    assert _written() == before
    assert post("").json()["team"] == ""
    assert post(" Brand ").json()["team"] == "brand"


def test_a_team_feed_needs_one_of_the_workspaces_teams(workspace, admin):
    with pytest.raises(ValidationFailed) as refused:
        actions.rotate_feed(workspace, user=admin, scope="team", team="sales")
    assert refused.value.errors == {"team": UNKNOWN}
    with pytest.raises(ValidationFailed) as blank:
        actions.rotate_feed(workspace, user=admin, scope="team", team="")
    assert blank.value.errors == {"team": "must not be empty"}
    assert CalendarFeed.objects.count() == 0
    feed, _ = actions.rotate_feed(workspace, user=admin, scope="team", team="Content")
    assert feed.team == "content"


def test_the_calendar_and_the_feeds_page_name_teams(workspace, admin):
    actions.create_item(workspace, title="Post", kind="ad", team="cx")
    client = Client()
    client.force_login(admin)
    calendar = client.get("/content/calendar/").content.decode()
    assert '<option value="cx">CX</option>' in calendar
    feeds = client.get("/content/feeds/")
    assert feeds.context["teams"] == [
        ("", "—"),
        ("brand", "Brand"),
        ("content", "Content"),
        ("cx", "CX"),
        ("performance", "Performance"),
        ("product", "Product"),
    ]


def test_a_refused_feed_comes_back_with_the_choice_kept_and_the_reason_at_the_field(
    workspace, admin
):
    client = Client()
    client.force_login(admin)
    audited = AuditEntry.objects.count()

    answer = client.post("/content/feeds/", {"scope": "team", "team": ""})

    assert answer.status_code == 422
    html = answer.content.decode()
    assert 'id="field-team-error"><p>must not be empty</p>' in html
    assert '<option value="team" selected>' in html
    assert "new-feed-url" not in html
    assert CalendarFeed.objects.count() == 0 and AuditEntry.objects.count() == audited
