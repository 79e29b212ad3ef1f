"""The content pages without a browser: creating an item from its form (and the refused
form), approving from the item page, a diff page, and uploads from the asset page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.content import actions
from pacer.content.models import Asset, AssetVersion, ContentItem
from tests.content.conftest import PASSWORD
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_an_item_is_created_from_its_form_and_a_refused_form_names_the_fields(team):
    editor = _client(team["editor"])
    refused = editor.post("/content/items/", {"title": "", "kind": "poem"})
    assert refused.status_code == 422
    assert b"must not be empty" in refused.content and b"must be one of" in refused.content
    assert ContentItem.objects.count() == 0
    answer = editor.post(
        "/content/items/",
        {
            "title": "Launch email",
            "kind": "email",
            "body": "<p>Hi</p>",
            "step1_name": "Legal",
            "step1_reviewer": str(team["legal"].pk),
            "scheduled_for": "2026-03-10",
        },
    )
    item = ContentItem.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/content/items/{item.pk}/"
    assert item.approval_plan == [{"name": "Legal", "reviewer": team["legal"].pk}]
    assert _client(team["legal"]).post("/content/items/", {"title": "x"}).status_code == 403


@pytest.mark.parametrize("theme", ["①", "99999999999999999999999"])
def test_a_theme_that_is_no_row_id_is_refused_by_name_and_the_list_filter_ignores_it(team, theme):
    # the hostile-input walk: "①" (str.isdigit, not int) was a 500 from the theme lookup,
    # and a number past a row id overflows SQLite's integer in the list's filter
    editor = _client(team["editor"])
    refused = editor.post("/content/items/", {"title": "Launch", "kind": "email", "theme": theme})
    assert refused.status_code == 422
    assert b"no such theme in this workspace" in refused.content
    assert ContentItem.objects.count() == 0
    assert editor.get("/content/items/", {"theme": theme}).status_code == 200


def test_the_named_reviewer_approves_from_the_item_page(workspace, team, plan):
    item = actions.create_item(workspace, title="Post", kind="blog_post", reviewers=plan)
    actions.transition(item, "draft")
    actions.transition(item, "in_review")
    # someone else's vote is refused: no step waits for them
    _client(team["brand"]).post(f"/content/items/{item.pk}/vote/", {"decision": "approved"})
    assert item.steps.filter(decision="approved").count() == 0
    legal = _client(team["legal"])
    page = legal.get(f"/content/items/{item.pk}/").content.decode()
    assert 'id="vote-form"' in page
    legal.post(f"/content/items/{item.pk}/vote/", {"decision": "approved", "comment": "ok"})
    _client(team["brand"]).post(f"/content/items/{item.pk}/vote/", {"decision": "approved"})
    item.refresh_from_db()
    assert item.state == "approved"
    page = legal.get(f"/content/items/{item.pk}/").content.decode()
    assert 'id="approval-done"' in page and 'id="vote-form"' not in page


def test_the_diff_page_shows_added_and_removed_lines(workspace, team):
    item = actions.create_item(workspace, title="Post", kind="blog_post", body="a\nb")
    actions.save_version(item, "a\nc")
    page = _client(team["editor"]).get(f"/content/items/{item.pk}/changes/").content.decode()
    assert "<del>-b</del>" in page and "<ins>+c</ins>" in page
    missing = _client(team["editor"]).get(f"/content/items/{item.pk}/changes/?a=9")
    assert missing.status_code == 404


def test_uploads_from_the_page_are_checked_by_content(workspace, team, media_dir):
    editor = _client(team["editor"])
    fake = SimpleUploadedFile("photo.png", b"<html>not an image</html>", "image/png")
    refused = editor.post("/assets/", {"name": "Photo", "file": fake})
    assert refused.status_code == 422
    assert b"is not a PNG, JPEG, GIF, WebP or PDF file" in refused.content
    assert Asset.objects.count() == 0 and not (media_dir / "assets").exists()
    good = SimpleUploadedFile("photo.png", png(), "application/octet-stream")
    answer = editor.post("/assets/", {"name": "Photo", "file": good, "territories": "us"})
    asset = Asset.objects.get()
    assert answer["Location"] == f"/assets/{asset.pk}/"
    assert (asset.territories, AssetVersion.objects.get().content_type) == (["US"], "image/png")
    original = editor.get(f"/assets/{asset.pk}/v1/original/")
    assert original.content == png() and original["Content-Type"] == "image/png"
