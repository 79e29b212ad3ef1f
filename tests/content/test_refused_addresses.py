"""Content's refused forms posted to an address that answers POST only (issue 11): the
page comes back (422) saying its own address (``show_at``), which answers 200, every link
of its error boxes lands on a focusable element, and nothing is written."""

import re
from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.content.models import (
    Asset,
    AssetUse,
    Collection,
    ContentItem,
    ContentVersion,
    Partner,
    TalentRelease,
    VersionComment,
)
from pacer.core import clock
from pacer.core.models import AuditEntry
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')


@pytest.fixture
def shop(workspace, admin, team, used, monkeypatch):
    """Ada (admin) logged in; an asset and a draft item that uses it."""
    monkeypatch.setattr(clock, "now", lambda: NOW)
    client = Client()
    assert client.login(username="ada", password="correct-horse-1")
    return {
        "client": client,
        "asset": used["asset"].pk,
        "item": used["draft"].pk,
        "published": used["published"].pk,
    }


def _written():
    return (
        AuditEntry.objects.count(),
        list(Asset.objects.values_list("pk", "name", "status", "territories")),
        list(ContentItem.objects.values_list("pk", "state", "scheduled_for", "due_on")),
        ContentVersion.objects.count(),
        VersionComment.objects.count(),
        AssetUse.objects.count(),
        Collection.objects.count(),
        TalentRelease.objects.count(),
        Partner.objects.count(),
    )


# (what, the POST address, the form, the page's own address, the link the reason has)
REFUSALS = [
    (
        "asset: rename to nothing",
        "/assets/{asset}/edit/",
        {"name": " "},
        "/assets/{asset}/",
        "field-name",
    ),
    ("asset: a version without a file", "/assets/{asset}/version/", {}, "/assets/{asset}/", None),
    (
        "asset: collect into nothing",
        "/assets/{asset}/collect/",
        {"collection": "x"},
        "/assets/{asset}/",
        None,
    ),
    (
        "asset: a release of nobody",
        "/assets/{asset}/releases/",
        {"person": ""},
        "/assets/{asset}/",
        None,
    ),
    (
        "asset: withdraw without a reason",
        "/assets/{asset}/withdraw/",
        {"reason": " "},
        "/assets/{asset}/",
        None,
    ),
    (
        "partners: a partner without a name",
        "/assets/partners/new/",
        {"name": ""},
        "/assets/partners/",
        "field-name",
    ),
    (
        "item: an asset that is not there",
        "/content/items/{item}/assets/",
        {"asset": "x"},
        "/content/items/{item}/",
        None,
    ),
    (
        "item: an empty comment",
        "/content/items/{item}/comment/",
        {"version": "1", "body": ""},
        "/content/items/{item}/",
        "field-comment-body",
    ),
    (
        "item: a comment on no version",
        "/content/items/{item}/comment/",
        {"version": "x", "body": "hi"},
        "/content/items/{item}/",
        "field-comment-body",
    ),
    (
        "item: a deadline that is no date",
        "/content/items/{item}/due/",
        {"due_on": "soon"},
        "/content/items/{item}/",
        None,
    ),
    (
        "item: a day that is no date",
        "/content/items/{item}/schedule/",
        {"day": "2026-13-45"},
        "/content/items/{item}/",
        None,
    ),
    (
        "item: a move to no state",
        "/content/items/{item}/state/",
        {"state": "nowhere"},
        "/content/items/{item}/",
        "move-in_review",
    ),
    (
        "item: a version of a published item",
        "/content/items/{published}/version/",
        {"body": "new words"},
        "/content/items/{published}/",
        None,
    ),
]


@pytest.mark.parametrize(
    ("what", "url", "form", "address", "link"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_a_refused_content_page_says_its_address_and_its_error_links_land(
    shop, what, url, form, address, link
):
    client = shop["client"]
    url, address = url.format(**shop), address.format(**shop)
    before = _written()
    response = client.post(url, form)
    assert response.status_code == 422, what
    page = response.content.decode()
    assert _written() == before  # nothing written
    assert ADDRESS.findall(page) == [address]
    assert broken_error_links(page) == []
    if link:
        assert link in error_links(page)
    assert "alert error" in page or "field-error" in page  # the reason is shown
    assert client.get(address).status_code == 200


def test_a_refused_move_links_to_the_button_of_the_move(shop, team):
    """Submitting for review without reviewers: the reason links to that move's button."""
    client = shop["client"]
    created = client.post(
        "/content/items/",
        {"title": "Spring", "kind": "ad", "channel": "paid_social", "body": "x"},
    )
    item = ContentItem.objects.get(title="Spring")
    assert created.status_code == 302
    assert client.post(f"/content/items/{item.pk}/state/", {"state": "draft"}).status_code == 302
    response = client.post(f"/content/items/{item.pk}/state/", {"state": "in_review"})
    assert response.status_code == 422
    page = response.content.decode()
    assert '<a href="#move-in_review">Reviewers: name at least one reviewer first</a>' in page
    assert 'id="move-in_review"' in page and broken_error_links(page) == []
    item.refresh_from_db()
    assert item.state == "draft"


def test_a_refused_step_shows_its_reason_under_the_steps_reviewer(shop, team):
    """A step with a reviewer who is not a member: the reason is under that step's field
    (the second step's, when the first is blank) and its link lands there."""
    client = shop["client"]
    before = ContentItem.objects.count()
    response = client.post(
        "/content/items/",
        {"title": "Spring", "kind": "ad", "step2_name": "Legal", "step2_reviewer": "999999"},
    )
    assert response.status_code == 422
    page = response.content.decode()
    reason = "must be a member of this workspace"
    assert f'<a href="#field-step2_reviewer">Step 2 reviewer: {reason}</a>' in page
    assert f'id="field-step2_reviewer-error"><p>{reason}</p>' in page
    assert 'name="step2_name" value="Legal"' in page or 'value="Legal"' in page
    assert broken_error_links(page) == []
    assert ContentItem.objects.count() == before


def test_the_workflows_general_reason_links_to_the_first_states_key(shop):
    client = shop["client"]
    form = {"position": ["1", "2"], "key": ["draft", "draft"], "label": ["A", "B"]}
    form["moves_to"] = ["", ""]
    response = client.post("/content/workflow/", form)
    assert response.status_code == 422
    page = response.content.decode()
    assert '<a href="#state-0-key">States: ' in page
    assert broken_error_links(page) == []
