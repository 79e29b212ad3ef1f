"""A theme edited and deleted, on its page and over the REST API: the same rules as a new
theme (every refusal at its field, nothing written); a deleted theme's items keep their
dates and lose the theme (the confirmation says so); the permission gate (content.edit
writes, content.view reads); another workspace's theme is not found."""

from datetime import date

import pytest
from django.test import Client

from pacer.content import actions
from pacer.content.models import ContentItem, Theme
from pacer.core import actions as core
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD
from tests.content.test_partner_api import call  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def summer(workspace, team):
    """A theme with two items (one scheduled) and one other item without it."""
    theme = actions.create_theme(
        workspace, name="Summer season", starts_on="2026-06-01", ends_on="2026-08-31"
    )
    made = [
        actions.create_item(
            workspace,
            title=title,
            kind="blog_post",
            owner=team["editor"],
            theme_id=theme.pk,
            **days,
        )
        for title, days in (
            ("Beach guide", {"scheduled_for": "2026-07-04"}),
            ("Sun list", {}),
        )
    ]
    actions.create_item(workspace, title="Other", kind="blog_post", owner=team["editor"])
    return {"theme": theme, "items": made}


def _state(theme_id):
    return (
        list(Theme.objects.filter(pk=theme_id).values_list("name", "starts_on", "ends_on")),
        sorted(ContentItem.objects.values_list("title", "theme_id", "scheduled_for")),
        AuditEntry.objects.count(),
    )


def test_an_editor_edits_a_theme_on_its_page(workspace, team, summer):
    theme = summer["theme"]
    client = _client(team["editor"])
    form = client.get(f"/content/themes/{theme.pk}/edit/").content.decode()
    assert 'id="field-theme-starts_on" name="starts_on" type="date" value="2026-06-01"' in form
    assert "2 items have this theme: they keep their dates and lose the theme." in form
    assert "Its 2 items keep their dates and lose the theme." in form  # the confirmation
    listed = client.get("/content/themes/").content.decode()
    assert f'href="/content/themes/{theme.pk}/edit/"' in listed
    response = client.post(
        f"/content/themes/{theme.pk}/edit/",
        {"name": " High summer ", "starts_on": "2026-07-01", "ends_on": "2026-08-15"},
    )
    assert response.status_code == 302 and response["Location"] == "/content/themes/"
    theme.refresh_from_db()
    assert (theme.name, theme.starts_on, theme.ends_on) == (
        "High summer",
        date(2026, 7, 1),
        date(2026, 8, 15),
    )
    entry = AuditEntry.objects.get(action="content.theme_update")
    assert entry.before == {
        "name": "Summer season",
        "starts_on": "2026-06-01",
        "ends_on": "2026-08-31",
    }
    assert entry.after == {
        "name": "High summer",
        "starts_on": "2026-07-01",
        "ends_on": "2026-08-15",
    }
    assert entry.actor_id == team["editor"].pk
    page = client.get("/content/calendar/?day=2026-07-04").content.decode()
    assert "High summer" in page and "Summer season" not in page


def test_a_refused_edit_comes_back_with_the_reasons_and_changes_nothing(workspace, team, summer):
    theme = summer["theme"]
    before = _state(theme.pk)
    response = _client(team["editor"]).post(
        f"/content/themes/{theme.pk}/edit/",
        {"name": "", "starts_on": "2026-09-01", "ends_on": "2026-08-01"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert '<div class="field-error" id="field-theme-name-error">' in page
    assert '<a href="#field-theme-ends_on">Ends: must not be before the start</a>' in page
    assert 'id="field-theme-starts_on" name="starts_on" type="date" value="2026-09-01"' in page
    assert _state(theme.pk) == before
    response = _client(team["editor"]).post(
        f"/content/themes/{theme.pk}/edit/",
        {"name": "Summer", "starts_on": "2026-02-30", "ends_on": "2026-08-01"},
    )
    assert response.status_code == 422
    assert "Starts: must be a date (YYYY-MM-DD)" in response.content.decode()
    assert _state(theme.pk) == before


def test_deleting_a_theme_keeps_its_items_and_their_dates(workspace, team, summer):
    theme = summer["theme"]
    beach, sun = summer["items"]
    changed = ContentItem.objects.get(pk=beach.pk).changed_at
    response = _client(team["editor"]).post(f"/content/themes/{theme.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/content/themes/", 302)]
    assert "Theme “Summer season” deleted. 2 items kept their dates, without a theme." in (
        response.content.decode()
    )
    assert not Theme.objects.filter(pk=theme.pk).exists()
    assert sorted(ContentItem.objects.values_list("title", "theme_id", "scheduled_for")) == [
        ("Beach guide", None, beach.scheduled_for),
        ("Other", None, None),
        ("Sun list", None, None),
    ]
    assert ContentItem.objects.get(pk=beach.pk).changed_at > changed
    entry = AuditEntry.objects.get(action="content.theme_delete")
    assert entry.before == {
        "name": "Summer season",
        "starts_on": "2026-06-01",
        "ends_on": "2026-08-31",
        "colour": "amber",
    }
    assert entry.after == {"items_without_theme": sorted([beach.pk, sun.pk])}


def test_a_member_who_may_not_edit_cannot_edit_or_delete_a_theme(workspace, team, summer):
    theme = summer["theme"]
    before = _state(theme.pk)
    client = _client(team["legal"])  # staff: content.view only
    assert (
        'href="/content/themes/' + str(theme.pk)
        not in client.get("/content/themes/").content.decode()
    )
    assert client.get(f"/content/themes/{theme.pk}/edit/").status_code == 403
    edit = {"name": "Mine", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}
    assert client.post(f"/content/themes/{theme.pk}/edit/", edit).status_code == 403
    assert client.post(f"/content/themes/{theme.pk}/delete/").status_code == 403
    assert _state(theme.pk) == before


def test_another_workspaces_theme_is_not_found(workspace, team, summer, call):  # noqa: F811
    other = core.create_workspace("Other", slug="other")
    theirs = actions.create_theme(
        other, name="Theirs", starts_on="2026-01-01", ends_on="2026-01-31"
    )
    client = _client(team["editor"])
    assert client.get(f"/content/themes/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/content/themes/{theirs.pk}/delete/").status_code == 404
    assert call("patch", f"/themes/{theirs.pk}", {"name": "Mine"}).status_code == 404
    gone = call("delete", f"/themes/{theirs.pk}")
    assert gone.status_code == 404 and gone.json()["errors"] == {
        "theme_id": "no such theme in this workspace"
    }
    assert Theme.objects.get(pk=theirs.pk).name == "Theirs"


def test_themes_over_the_api(workspace, team, summer, call):  # noqa: F811
    theme = summer["theme"]
    assert call("get", "/themes").json() == [
        {"id": theme.pk, "name": "Summer season", "starts_on": "2026-06-01",
         "ends_on": "2026-08-31", "colour": "amber", "items": 2}
    ]  # fmt: skip
    made = call(
        "post", "/themes", {"name": "Autumn", "starts_on": "2026-09-01", "ends_on": "2026-11-30"}
    )
    assert made.status_code == 201
    autumn = made.json()
    assert autumn == {"id": autumn["id"], "name": "Autumn", "starts_on": "2026-09-01",
                      "ends_on": "2026-11-30", "colour": "amber", "items": 0}  # fmt: skip
    changed = call("patch", f"/themes/{autumn['id']}", {"ends_on": "2026-10-31"})
    assert changed.status_code == 200 and changed.json()["ends_on"] == "2026-10-31"
    assert call("get", f"/themes/{autumn['id']}").json()["ends_on"] == "2026-10-31"
    deleted = call("delete", f"/themes/{theme.pk}")
    assert deleted.json() == {"id": theme.pk, "name": "Summer season", "items_without_theme": 2}
    assert not ContentItem.objects.filter(theme_id=theme.pk).exists()
    assert call("get", f"/themes/{theme.pk}").status_code == 404


def test_a_refused_api_edit_names_the_field_and_writes_nothing(workspace, team, summer, call):  # noqa: F811
    theme = summer["theme"]
    before = _state(theme.pk)
    early = call("patch", f"/themes/{theme.pk}", {"ends_on": "2026-05-31"})  # before its start
    assert early.status_code == 422
    assert early.json()["errors"] == {"ends_on": "must not be before the start"}
    both = call("patch", f"/themes/{theme.pk}", {"name": None, "starts_on": "2026-09-01"})
    assert both.status_code == 422
    assert set(both.json()["errors"]) == {"name", "ends_on"}
    bad = call("post", "/themes", {"name": "X", "starts_on": "2026-09-01", "ends_on": "2026-08-01"})
    assert bad.status_code == 422 and bad.json()["errors"] == {
        "ends_on": "must not be before the start"
    }
    assert _state(theme.pk) == before
    staff = call.as_user(team["legal"])
    assert staff("get", f"/themes/{theme.pk}").status_code == 200
    assert staff("patch", f"/themes/{theme.pk}", {"name": "Mine"}).status_code == 403
    assert staff("delete", f"/themes/{theme.pk}").status_code == 403
    assert (
        staff(
            "post", "/themes", {"name": "Y", "starts_on": "2026-01-01", "ends_on": "2026-01-02"}
        ).status_code
        == 403
    )
    assert _state(theme.pk)[:2] == before[:2]
