"""A collection made from the assets list's New collection form (a name, an optional
description), then its page; refused forms come back on the list (422) with the reason
under the field's label and what was typed, nothing written; members who only view assets
get no form and a 403. The description is edited on the collection's page and read and
written over the REST API (``null`` refused at its field)."""

import pytest
from django.test import Client

from pacer.content import assets
from pacer.content.models import Collection
from pacer.core.models import AuditEntry
from tests.api_client import ApiClient
from tests.content.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _state():
    return (
        sorted(Collection.objects.values_list("name", "description")),
        AuditEntry.objects.count(),
    )


def test_a_new_collection_from_the_assets_list_opens_its_page(workspace, team):
    editor = _client(team["editor"])
    listing = editor.get("/assets/").content.decode()
    assert 'action="/assets/collections/new/"' in listing
    assert "PNG, JPEG, GIF, WebP or PDF, up to 20 MB" in listing  # the upload's help, whole
    made = editor.post(
        "/assets/collections/new/",
        {"name": " Autumn kit ", "description": "Leaves and scarves\nfor the agency"},
    )
    collection = Collection.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/assets/collections/{collection.pk}/"
    assert (collection.workspace_id, collection.name, collection.description) == (
        workspace.pk,
        "Autumn kit",
        "Leaves and scarves\nfor the agency",
    )
    assert AuditEntry.objects.filter(
        action="asset.collection", object_id=str(collection.pk)
    ).exists()
    page = editor.get(made["Location"]).content.decode()
    assert '<p id="collection-description">Leaves and scarves<br>for the agency</p>' in page
    assert "Collection “Autumn kit” made" in page


def test_a_refused_new_collection_names_its_fields_and_writes_nothing(workspace, team):
    assets.create_collection(workspace, "Brand kit")
    editor = _client(team["editor"])
    before = _state()
    refused = editor.post("/assets/collections/new/", {"name": "  ", "description": "x" * 5001})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert '<a href="#field-collection-name">Name: must not be empty</a>' in page
    assert (
        '<a href="#field-collection-description">Description: must be at most 5000 characters</a>'
        in page
    )
    assert "x" * 5001 + "</textarea>" in page  # what was typed is kept
    assert 'id="field-name-error"' not in page and "Upload an asset" in page  # the list, whole
    taken = editor.post("/assets/collections/new/", {"name": "Brand kit"})
    assert taken.status_code == 422
    assert (
        '<a href="#field-collection-name">Name: &#x27;Brand kit&#x27; is already a collection</a>'
        in taken.content.decode()
    )
    assert _state() == before


def test_a_member_who_only_views_assets_cannot_make_one(workspace, team):
    staff = _client(team["legal"])
    before = _state()
    listing = staff.get("/assets/")
    assert listing.status_code == 200
    assert 'id="collection-new"' not in listing.content.decode()
    assert staff.post("/assets/collections/new/", {"name": "Mine"}).status_code == 403
    assert _state() == before


def test_the_description_is_edited_on_its_page_and_over_the_api(workspace, team):
    kit = assets.create_collection(workspace, "Kit")
    editor = _client(team["editor"])
    saved = editor.post(
        f"/assets/collections/{kit.pk}/rename/", {"name": "Kit", "description": "For print"}
    )
    assert saved.status_code == 302
    entry = AuditEntry.objects.get(action="asset.collection_edit")
    assert (entry.before, entry.after) == ({"description": ""}, {"description": "For print"})
    api, viewer = ApiClient(workspace, team["editor"]), ApiClient(workspace, team["legal"])
    made = api.post("content/collections", {"name": "Web kit", "description": "For the site"})
    assert made.status_code == 201
    assert (made.json()["name"], made.json()["description"]) == ("Web kit", "For the site")
    before = _state()
    assert list(api.patch(f"content/collections/{kit.pk}", {"name": None}).json()["errors"]) == [
        "name"
    ]
    nulled = api.patch(f"content/collections/{kit.pk}", {"description": None})
    assert nulled.status_code == 422
    assert nulled.json()["errors"] == {"description": "must not be null"}
    long = api.patch(f"content/collections/{kit.pk}", {"description": "y" * 5001})
    assert long.status_code == 422 and list(long.json()["errors"]) == ["description"]
    denied = viewer.patch(f"content/collections/{kit.pk}", {"description": "Mine"})
    assert denied.status_code == 403
    assert _state() == before
    changed = api.patch(f"content/collections/{kit.pk}", {"description": ""})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["description"]) == ("Kit", "")
    assert viewer.get(f"content/collections/{kit.pk}").json()["description"] == ""
