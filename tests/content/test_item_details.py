"""A content item's details — title, kind, channel, team, theme, campaign — are changed
from its page and over the REST API through one action: a team, theme or campaign the
workspace does not have is refused naming the field (at creation too), nothing is
written on a refusal, a published item cannot change, an approved item cannot move to a
channel its assets' rights do not cover; each change is one audit entry."""

import pytest
from django.test import Client

from pacer.content import actions, assets
from pacer.content.models import ContentItem
from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.planning import actions as planning
from tests.api_client import ApiClient
from tests.content.conftest import PASSWORD
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(workspace, team):
    spring = planning.create_campaign(workspace, "spring-26", "paid_social", name="Spring")
    summer = actions.create_theme(
        workspace, name="Summer", starts_on="2026-06-01", ends_on="2026-08-31"
    )
    item = actions.create_item(
        workspace, title="Launch post", kind="blog_post", channel="email", team="brand"
    )
    editor = Client()
    assert editor.login(username=team["editor"].username, password=PASSWORD)
    return {"campaign": spring, "theme": summer, "item": item, "editor": editor}


def _state(item):
    item.refresh_from_db()
    fields = ("title", "kind", "channel", "team", "theme_id", "campaign_key")
    return {f: getattr(item, f) for f in fields}


def test_the_details_are_changed_from_the_items_page(setup):
    item, editor = setup["item"], setup["editor"]
    url = f"/content/items/{item.pk}/edit/"
    assert f'href="{url}"' in editor.get(f"/content/items/{item.pk}/").content.decode()
    form = editor.get(url)
    assert form.context["form"] == {
        "title": "Launch post",
        "kind": "blog_post",
        "channel": "email",
        "team": "brand",
        "theme": "",
        "campaign_key": "",
    }
    assert ("spring-26", "Spring (spring-26)") in form.context["campaigns"]
    before, entries = _state(item), AuditEntry.objects.count()
    refused = editor.post(
        url,
        {
            "title": " ",
            "kind": "blog_post",
            "channel": "fax",
            "team": "sales",
            "theme": "999",
            "campaign_key": "winter",
        },
    )
    assert refused.status_code == 422
    assert refused.context["errors"] == {
        "title": "must not be empty",
        "channel": "is not a known channel",
        "team": "no team 'sales' in this workspace: choose one of its teams",
        "theme": "no such theme in this workspace",
        "campaign_key": "no campaign 'winter' in this workspace",
    }
    assert refused.context["campaigns"][-1] == ("winter", "winter (no such campaign)")
    assert _state(item) == before and AuditEntry.objects.count() == entries
    saved = editor.post(
        url,
        {
            "title": "Launch post (final)",
            "kind": "social_post",
            "channel": "paid_social",
            "team": "content",
            "theme": str(setup["theme"].pk),
            "campaign_key": "spring-26",
        },
    )
    assert saved.status_code == 302 and saved["Location"] == f"/content/items/{item.pk}/"
    assert _state(item) == {
        "title": "Launch post (final)",
        "kind": "social_post",
        "channel": "paid_social",
        "team": "content",
        "theme_id": setup["theme"].pk,
        "campaign_key": "spring-26",
    }
    entry = AuditEntry.objects.get(action="content.update")
    assert entry.before == {
        "title": "Launch post",
        "kind": "blog_post",
        "channel": "email",
        "team": "brand",
        "theme": None,
        "campaign_key": "",
    }
    assert entry.after["theme"] == setup["theme"].pk
    page = editor.get(f"/content/items/{item.pk}/").content.decode()
    link = f'<a href="/campaigns/{setup["campaign"].pk}/">Spring</a>'
    assert link in page


def test_an_unknown_campaign_is_refused_when_an_item_is_made(workspace, setup):
    count = ContentItem.objects.count()
    refused = setup["editor"].post(
        "/content/items/", {"title": "New", "kind": "ad", "campaign_key": "winter"}
    )
    assert refused.status_code == 422
    assert refused.context["errors"] == {"campaign_key": "no campaign 'winter' in this workspace"}
    assert ContentItem.objects.count() == count
    made = actions.create_item(workspace, title="New", kind="ad", campaign_key="spring-26")
    assert made.campaign_key == "spring-26"


@pytest.fixture
def api(workspace, team):
    editor = ApiClient(workspace, team["editor"])
    return lambda item_id, body: editor.patch(f"content/items/{item_id}", body)


def test_patch_changes_only_the_fields_sent_and_refuses_whole(setup, api):
    item = setup["item"]
    changed = api(item.pk, {"campaign_key": "spring-26", "theme": setup["theme"].pk})
    assert changed.status_code == 200
    body = changed.json()
    assert (body["title"], body["campaign_key"], body["theme"], body["team"]) == (
        "Launch post",
        "spring-26",
        setup["theme"].pk,
        "brand",
    )
    before, entries = _state(item), AuditEntry.objects.count()
    refused = api(item.pk, {"title": "Other", "team": "sales"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "team": "no team 'sales' in this workspace: choose one of its teams"
    }
    assert _state(item) == before and AuditEntry.objects.count() == entries
    cleared = api(item.pk, {"theme": None, "team": "", "campaign_key": ""}).json()
    assert (cleared["theme"], cleared["team"], cleared["campaign_key"]) == (None, "", "")
    assert api(item.pk, {"title": ""}).status_code == 422  # the title cannot be emptied


def test_a_published_item_and_an_unlicensed_channel_are_refused(workspace, setup, api):
    other = core.create_workspace("Other", slug="other")
    theirs = actions.create_item(other, title="Theirs", kind="ad")
    assert api(theirs.pk, {"title": "Mine"}).status_code == 404
    published = actions.create_item(workspace, title="Out", kind="ad")
    ContentItem.objects.filter(pk=published.pk).update(state="published")
    refused = api(published.pk, {"title": "Out again"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"state": "a published item cannot change; archive it first"}
    social = assets.upload_asset(
        workspace,
        name="Beach",
        filename="b.png",
        data=png(8, 6),
        rights={"channels": ["paid_social"]},
    )
    ad = actions.create_item(
        workspace, title="Ad", kind="ad", channel="paid_social", scheduled_for="2026-06-10"
    )
    assets.use_asset(ad, social)
    ContentItem.objects.filter(pk=ad.pk).update(state="scheduled")
    moved = api(ad.pk, {"channel": "email"})
    assert moved.status_code == 422
    assert moved.json()["errors"]["channel"].startswith("'Beach': ")
    assert ContentItem.objects.get(pk=ad.pk).channel == "paid_social"
    ContentItem.objects.filter(pk=ad.pk).update(state="draft")  # not approved: may move
    assert api(ad.pk, {"channel": "email"}).json()["channel"] == "email"


def test_staff_may_not_change_details(workspace, setup, client):
    staff = core.create_user(workspace, "stan", PASSWORD, Role.STAFF)
    client.force_login(staff)
    item = setup["item"]
    assert client.get(f"/content/items/{item.pk}/edit/").status_code == 403
    assert client.post(f"/content/items/{item.pk}/edit/", {"title": "X"}).status_code == 403
    assert ContentItem.objects.get(pk=item.pk).title == "Launch post"
