"""A collection renamed, an asset taken out of it (from the collection's page and the
asset's), and the collection deleted, on the pages and over the REST API. Deleting keeps
its assets and ends its partner shares; a collection with share links is kept (refused
naming ``collection``). Every refusal at its field, nothing written; the permission gate
(assets.manage writes, assets.view reads); another workspace's collection is not found."""

import pytest
from django.test import Client

from pacer.content import assets, partners
from pacer.content.models import Asset, Collection, PartnerShare, ShareLink
from pacer.core import actions as core
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD
from tests.content.test_assets import png
from tests.content.test_partner_api import call  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def kit(workspace, team):
    """ "Summer kit" with two assets, shared with a partner; "Winter kit" empty."""
    beach, sun = (
        assets.upload_asset(workspace, name=name, filename=f"{name}.png", data=png(8, 6))
        for name in ("Beach", "Sun")
    )
    summer = assets.create_collection(workspace, "Summer kit")
    for asset in (beach, sun):
        assets.collect(summer, asset)
    winter = assets.create_collection(workspace, "Winter kit")
    berlin = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print"]
    )
    partners.share(berlin, summer, renditions=["medium"])
    return {"summer": summer, "winter": winter, "beach": beach, "sun": sun, "berlin": berlin}


def _state():
    return (
        sorted(Collection.objects.values_list("pk", "name")),
        sorted(Collection.assets.through.objects.values_list("collection_id", "asset_id")),
        sorted(PartnerShare.objects.values_list("partner_id", "collection_id")),
        Asset.objects.count(),
        AuditEntry.objects.count(),
    )


def test_renaming_on_the_page(workspace, team, kit):
    summer = kit["summer"]
    client = _client(team["editor"])
    response = client.post(f"/assets/collections/{summer.pk}/rename/", {"name": " Summer 2026 "})
    assert response.status_code == 302
    assert Collection.objects.get(pk=summer.pk).name == "Summer 2026"
    entry = AuditEntry.objects.get(action="asset.collection_edit")
    assert (entry.before, entry.after) == ({"name": "Summer kit"}, {"name": "Summer 2026"})
    before = _state()
    taken = client.post(f"/assets/collections/{summer.pk}/rename/", {"name": "Winter kit"})
    assert taken.status_code == 422
    page = taken.content.decode()
    assert (
        '<a href="#field-rename-name">Name: &#x27;Winter kit&#x27; is already a collection</a>'
        in page
    )
    assert 'id="field-rename-name" name="name" type="text" value="Winter kit"' in page
    empty = client.post(f"/assets/collections/{summer.pk}/rename/", {"name": "  "})
    assert empty.status_code == 422 and 'id="field-rename-name-error"' in empty.content.decode()
    assert _state() == before


def test_taking_an_asset_out_from_the_collection_and_from_the_asset(workspace, team, kit):
    summer, beach, sun = kit["summer"], kit["beach"], kit["sun"]
    client = _client(team["editor"])
    page = client.get(f"/assets/collections/{summer.pk}/").content.decode()
    assert f'action="/assets/collections/{summer.pk}/remove/{beach.pk}/"' in page
    response = client.post(f"/assets/collections/{summer.pk}/remove/{beach.pk}/")
    assert response["Location"] == f"/assets/collections/{summer.pk}/"
    asset_page = client.get(f"/assets/{sun.pk}/").content.decode()
    assert f'action="/assets/collections/{summer.pk}/remove/{sun.pk}/"' in asset_page
    response = client.post(f"/assets/collections/{summer.pk}/remove/{sun.pk}/", {"back": "asset"})
    assert response["Location"] == f"/assets/{sun.pk}/"
    assert not summer.assets.exists()
    assert Asset.objects.count() == 2  # still in the library
    assert sorted(
        AuditEntry.objects.filter(action="asset.uncollect").values_list("before", flat=True),
        key=str,
    ) == sorted([{"asset": beach.pk}, {"asset": sun.pk}], key=str)
    before = _state()
    again = client.post(f"/assets/collections/{summer.pk}/remove/{sun.pk}/", {"back": "asset"})
    assert again.status_code == 422
    assert "Asset: Sun is not in Summer kit" in again.content.decode()
    assert _state() == before


def test_deleting_keeps_the_assets_and_ends_the_partner_shares(workspace, team, kit):
    summer = kit["summer"]
    client = _client(team["editor"])
    page = client.get(f"/assets/collections/{summer.pk}/").content.decode()
    assert "Shared with Franchise Berlin: they no longer see it on the portal" in page
    assert "Its 2 assets stay in the library. Franchise Berlin no longer sees it" in page
    response = client.post(f"/assets/collections/{summer.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/assets/#collections-h", 302)]
    assert (
        "Collection “Summer kit” deleted; its assets stay. No longer shared with Franchise Berlin."
        in response.content.decode()
    )
    assert list(Collection.objects.values_list("name", flat=True)) == ["Winter kit"]
    assert Asset.objects.count() == 2 and not PartnerShare.objects.exists()
    entry = AuditEntry.objects.get(action="asset.collection_delete")
    assert entry.before == {
        "name": "Summer kit",
        "assets": sorted([kit["beach"].pk, kit["sun"].pk]),
        "partners": [kit["berlin"].pk],
    }


def test_a_collection_with_a_share_link_is_kept(workspace, team, kit):
    summer = kit["summer"]
    assets.share_collection(summer, label="Print run", days=7, can_download=False, renditions=[])
    client = _client(team["editor"])
    page = client.get(f"/assets/collections/{summer.pk}/").content.decode()
    assert "It has 1 share link</strong>, so it is kept" in page
    before = _state()
    refused = client.post(f"/assets/collections/{summer.pk}/delete/")
    assert refused.status_code == 422
    assert "Collection: it has 1 share link (with their downloads)" in refused.content.decode()
    assert _state() == before and ShareLink.objects.count() == 1


def test_the_permission_gate_and_other_workspaces(workspace, team, kit, call):  # noqa: F811
    summer, beach = kit["summer"], kit["beach"]
    before = _state()
    staff = _client(team["legal"])  # assets.view only
    page = staff.get(f"/assets/collections/{summer.pk}/").content.decode()
    assert 'id="collection-rename"' not in page and "/remove/" not in page
    for url, body in (
        (f"/assets/collections/{summer.pk}/rename/", {"name": "Mine"}),
        (f"/assets/collections/{summer.pk}/remove/{beach.pk}/", {}),
        (f"/assets/collections/{summer.pk}/delete/", {}),
    ):
        assert staff.post(url, body).status_code == 403, url
    api = call.as_user(team["legal"])
    assert api("get", f"/collections/{summer.pk}").status_code == 200
    assert api("patch", f"/collections/{summer.pk}", {"name": "Mine"}).status_code == 403
    assert api("delete", f"/collections/{summer.pk}/assets/{beach.pk}").status_code == 403
    assert api("delete", f"/collections/{summer.pk}").status_code == 403
    assert api("post", "/collections", {"name": "Mine"}).status_code == 403
    other = core.create_workspace("Other", slug="other")
    theirs = assets.create_collection(other, "Theirs")
    assert (
        _client(team["editor"]).post(f"/assets/collections/{theirs.pk}/delete/").status_code == 404
    )
    gone = call("delete", f"/collections/{theirs.pk}")
    assert gone.status_code == 404
    assert gone.json()["errors"] == {"collection_id": "no such collection in this workspace"}
    assert _state()[:4] == (before[0] + [(theirs.pk, "Theirs")], *before[1:4])


def test_collections_over_the_api(workspace, team, kit, call):  # noqa: F811
    summer, winter, beach, sun, berlin = (
        kit[k] for k in ("summer", "winter", "beach", "sun", "berlin")
    )
    assert call("get", "/collections").json() == [
        {"id": summer.pk, "name": "Summer kit", "description": "",
         "assets": sorted([beach.pk, sun.pk]), "partners": [berlin.pk], "share_links": 0},
        {"id": winter.pk, "name": "Winter kit", "description": "", "assets": [], "partners": [],
         "share_links": 0},
    ]  # fmt: skip
    made = call("post", "/collections", {"name": "Autumn kit"})
    assert made.status_code == 201 and made.json()["assets"] == []
    autumn = made.json()["id"]
    added = call("post", f"/collections/{autumn}/assets", {"asset_id": beach.pk})
    assert added.status_code == 200 and added.json()["assets"] == [beach.pk]
    assert call("post", f"/collections/{autumn}/assets", {"asset_id": beach.pk}).json()[
        "assets"
    ] == [beach.pk]
    renamed = call("patch", f"/collections/{autumn}", {"name": "Fall kit"})
    assert renamed.json()["name"] == "Fall kit"
    out = call("delete", f"/collections/{summer.pk}/assets/{sun.pk}")
    assert out.status_code == 200 and out.json()["assets"] == [beach.pk]
    deleted = call("delete", f"/collections/{summer.pk}")
    assert deleted.json() == {"id": summer.pk, "name": "Summer kit", "assets": 1,
                              "partners": ["Franchise Berlin"]}  # fmt: skip
    assert call("get", f"/collections/{summer.pk}").status_code == 404
    assert sorted(Collection.objects.values_list("name", flat=True)) == ["Fall kit", "Winter kit"]


def test_refused_api_writes_name_the_field_and_write_nothing(workspace, team, kit, call):  # noqa: F811
    summer, winter, sun = kit["summer"], kit["winter"], kit["sun"]
    assets.share_collection(winter, label="Preview", days=7, can_download=False, renditions=[])
    before = _state()
    cases = [
        ("post", "/collections", {"name": "Winter kit"}, "name"),
        ("patch", f"/collections/{summer.pk}", {"name": "Winter kit"}, "name"),
        ("post", f"/collections/{summer.pk}/assets", {"asset_id": 999999}, "asset_id"),
        ("delete", f"/collections/{winter.pk}/assets/{sun.pk}", None, "asset_id"),
        ("delete", f"/collections/{winter.pk}", None, "collection"),
    ]
    for method, path, body, field in cases:
        response = call(method, path, body)
        assert response.status_code == 422, path
        assert list(response.json()["errors"]) == [field], path
    assert call("delete", f"/collections/{winter.pk}").json()["errors"]["collection"] == (
        "it has 1 share link (with their downloads): revoke them and keep the collection, "
        "or take its assets out"
    )
    assert _state() == before


def test_adding_assets_from_the_collections_page_by_search(workspace, team, kit):
    winter, beach, sun = kit["winter"], kit["beach"], kit["sun"]
    client = _client(team["editor"])
    assets.collect(winter, sun)
    page = client.get(f"/assets/collections/{winter.pk}/?find=beach").content.decode()
    assert f'<input type="hidden" name="asset" value="{beach.pk}">' in page
    assert f'name="asset" value="{sun.pk}"' not in page  # already in it
    none = client.get(f"/assets/collections/{winter.pk}/?find=sun").content.decode()
    assert "No asset outside this collection matches “sun”." in none
    response = client.post(f"/assets/collections/{winter.pk}/add/", {"asset": beach.pk})
    assert response["Location"] == f"/assets/collections/{winter.pk}/"
    assert sorted(winter.assets.values_list("name", flat=True)) == ["Beach", "Sun"]
    before = _state()
    other = core.create_workspace("Other", slug="other")
    theirs = assets.upload_asset(other, name="Theirs", filename="t.png", data=png(8, 6))
    for typed in (str(theirs.pk), "x", "", "9" * 30):
        refused = client.post(f"/assets/collections/{winter.pk}/add/", {"asset": typed})
        assert refused.status_code == 422, typed
        assert "Asset: no such asset in this workspace" in refused.content.decode()
    assert _state()[:4] == (before[0], before[1], before[2], before[3] + 1)  # theirs only
    staff = _client(team["legal"])
    assert "collection-find" not in staff.get(f"/assets/collections/{winter.pk}/").content.decode()
    assert (
        staff.post(f"/assets/collections/{winter.pk}/add/", {"asset": beach.pk}).status_code == 403
    )
