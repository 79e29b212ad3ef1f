"""The guards of putting an asset in a collection, each on its own: the permission
(``assets.manage``) of the REST operation, and the workspace — another workspace's asset
is refused by the action itself and by the API before it, nothing written either way."""

import pytest

from pacer.content import assets
from pacer.content.models import Collection
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from tests.api_client import ApiClient
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def kit(workspace, team):
    """An empty collection, an asset of this workspace and one of another workspace."""
    other = core.create_workspace("Other", slug="other")
    return {
        "kit": assets.create_collection(workspace, "Kit"),
        "beach": assets.upload_asset(workspace, name="Beach", filename="b.png", data=png(8, 6)),
        "theirs": assets.upload_asset(other, name="Theirs", filename="t.png", data=png(8, 6)),
    }


def _written():
    members = Collection.assets.through.objects.values_list("collection_id", "asset_id")
    return sorted(members), AuditEntry.objects.filter(action="asset.collect").count()


def test_the_action_refuses_another_workspaces_asset(kit):
    before = _written()
    with pytest.raises(ValidationFailed) as refused:
        assets.collect(kit["kit"], kit["theirs"])
    assert refused.value.errors == {"asset": "not in this workspace"}
    assert _written() == before


def test_the_api_refuses_another_workspaces_asset_at_asset_id(workspace, team, kit):
    api = ApiClient(workspace, team["editor"])
    before = _written()
    refused = api.post(
        f"content/collections/{kit['kit'].pk}/assets", {"asset_id": kit["theirs"].pk}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"asset_id": "no such asset in this workspace"}
    assert _written() == before


def test_a_member_who_only_views_assets_cannot_add_one_over_the_api(workspace, team, kit):
    viewer = ApiClient(workspace, team["legal"])  # staff: assets.view only
    before = _written()
    path = f"content/collections/{kit['kit'].pk}/assets"
    assert viewer.post(path, {"asset_id": kit["beach"].pk}).status_code == 403
    assert _written() == before
    added = ApiClient(workspace, team["editor"]).post(path, {"asset_id": kit["beach"].pk})
    assert added.status_code == 200 and added.json()["assets"] == [kit["beach"].pk]
