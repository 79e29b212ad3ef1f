"""The asset library's REST operations for what needs attention, with the rules of their
pages: withdrawing (a preview, a required reason, once; the items that use the asset
taken off the schedule or flagged; a withdrawn asset refused at use), talent releases
(added, edited, removed; bad terms refused naming the field, nothing written) and the
flags (listed, cleared with a note); the gate and another workspace's things."""

from datetime import UTC, date, datetime

import pytest

from pacer.content import actions, assets, releases, withdrawal
from pacer.content.models import AssetUse, ContentFlag, ContentItem, TalentRelease
from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from tests.api_client import ApiClient
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def editor(workspace, team):
    return ApiClient(workspace, team["editor"])


@pytest.fixture
def staff(workspace, team):
    return ApiClient(workspace, team["legal"])  # may view assets, not manage them


def _states() -> dict:
    return dict(ContentItem.objects.values_list("title", "state"))


def test_a_withdrawal_is_previewed_then_done_once_and_the_asset_is_refused_at_use(
    workspace, team, used, editor, staff
):
    asset, path = used["asset"], f"content/assets/{used['asset'].pk}/withdrawal"
    preview = editor.get(path)
    assert preview.status_code == 200
    assert preview.json() == [
        {
            "item": used["scheduled"].pk,
            "title": "scheduled ad",
            "kind": "unscheduled",
            "state_before": "Scheduled",
            "state_after": "Draft",
        },
        {
            "item": used["published"].pk,
            "title": "published ad",
            "kind": "published",
            "state_before": "Published",
            "state_after": "Published",
        },
        {
            "item": used["draft"].pk,
            "title": "draft ad",
            "kind": "in_progress",
            "state_before": "Draft",
            "state_after": "Draft",
        },
    ]
    assert staff.post(path, {"reason": "no"}).status_code == 403
    refused = editor.post(path, {"reason": "  "})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"reason": "must not be empty"}
    asset.refresh_from_db()
    assert asset.status == "active" and ContentFlag.objects.count() == 0
    assert not AuditEntry.objects.filter(action="asset.withdraw").exists()

    done = editor.post(path, {"reason": "licence revoked"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["asset"]["status"], body["asset"]["withdrawn_reason"]) == (
        "withdrawn",
        "licence revoked",
    )
    assert body["asset"]["withdrawn_at"] == "2026-06-01T12:00:00Z"
    flagged = {(f["item_title"], f["kind"], f["state_before"]) for f in body["flagged"]}
    assert flagged == {
        ("scheduled ad", "unscheduled", "scheduled"),
        ("published ad", "published", "published"),
        ("draft ad", "in_progress", "draft"),
    }
    assert _states() == {
        "scheduled ad": "draft",
        "published ad": "published",
        "draft ad": "draft",
        "archived ad": "archived",
    }
    assert AuditEntry.objects.filter(action="asset.withdraw", actor=team["editor"]).count() == 1

    again = editor.post(path, {"reason": "again"})
    assert again.status_code == 422
    assert again.json()["errors"] == {"asset_id": "this asset is already withdrawn"}
    assert ContentFlag.objects.count() == 3 and editor.get(path).json() == []

    new_item = actions.create_item(workspace, title="new ad", kind="ad", channel="paid_social")
    use = editor.post(f"content/items/{new_item.pk}/assets", {"asset": asset.pk})
    assert use.status_code == 422
    assert use.json()["errors"] == {"asset": "'Beach hero' is withdrawn (licence revoked)"}
    assert not AssetUse.objects.filter(item=new_item).exists()


def test_an_asset_is_used_in_an_item_within_its_rights(workspace, team, editor, staff):
    asset = assets.upload_asset(
        workspace,
        name="Pool",
        filename="p.png",
        data=png(4, 4),
        rights={"territories": "US", "rights_end": "2026-06-30"},
    )
    item = actions.create_item(workspace, title="June ad", kind="ad", scheduled_for="2026-06-20")
    path = f"content/items/{item.pk}/assets"
    assert staff.post(path, {"asset": asset.pk, "territory": "US"}).status_code == 403
    abroad = editor.post(path, {"asset": asset.pk, "territory": "DE"})
    assert abroad.status_code == 422
    assert abroad.json()["errors"] == {"asset": "'Pool' is licensed for US, not DE"}
    assert editor.post(path, {"asset": 10**9}).json()["errors"] == {
        "asset": "no such asset in this workspace"
    }
    assert AssetUse.objects.count() == 0
    done = editor.post(path, {"asset": asset.pk, "territory": "us"})
    assert done.status_code == 201
    body = done.json()
    assert (body["asset"], body["item"], body["territory"]) == (asset.pk, item.pk, "US")
    assert AssetUse.objects.get().territory == "US"
    assert editor.get(f"content/assets/{asset.pk}").json()["used_in"] == [item.pk]
    assert editor.get("content/assets", q="pool").json()[0]["used_in"] == [item.pk]


def test_releases_are_added_edited_and_removed(workspace, team, used, editor, staff):
    asset = used["asset"]
    document = assets.upload_asset(workspace, name="Signed form", filename="f.png", data=png(4, 4))
    base = f"content/assets/{asset.pk}/releases"
    refused = editor.post(base, {"person": "", "territories": ["usa"], "ends_on": "2026-13-01"})
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"ends_on"}  # the schema refuses the bad day
    refused = editor.post(base, {"person": " ", "territories": ["usa"], "channels": ["fax"]})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "person": "must not be empty",
        "territories": "two-letter country codes (ISO 3166), or none for worldwide",
        "channels": "channel keys (e.g. email, paid_social), or none for any",
    }
    assert staff.post(base, {"person": "Mia Rossi"}).status_code == 403
    assert TalentRelease.objects.count() == 0

    added = editor.post(
        base,
        {
            "person": "Mia Rossi",
            "territories": ["US", "CA"],
            "channels": ["email"],
            "ends_on": "2026-12-31",
            "document": document.pk,
        },
    )
    assert added.status_code == 201, added.content
    release = TalentRelease.objects.get()
    shown = dict(added.json())
    assert shown.pop("created_at").startswith(str(release.created_at.date()))
    assert shown == {
        "id": release.pk,
        "asset": asset.pk,
        "person": "Mia Rossi",
        "document": document.pk,
        "territories": ["CA", "US"],
        "channels": ["email"],
        "starts_on": None,
        "ends_on": "2026-12-31",
    }
    assert staff.get(base).json() == [added.json()]  # viewers may read them

    item = actions.create_item(workspace, title="Mail", kind="email", channel="email")
    outside = editor.post(f"content/items/{item.pk}/assets", {"asset": asset.pk, "territory": "DE"})
    assert outside.status_code == 422 and "whose release does not cover DE" in outside.text

    path = f"{base}/{release.pk}"
    edited = editor.patch(path, {"territories": [], "ends_on": "2025-01-31", "document": None})
    assert edited.status_code == 200, edited.content
    release.refresh_from_db()
    assert (release.person, release.territories, release.channels) == ("Mia Rossi", [], ["email"])
    assert (release.ends_on, release.document_id) == (date(2025, 1, 31), None)
    bad = editor.patch(path, {"person": "Mia", "starts_on": "2026-02-01"})
    assert bad.status_code == 422
    assert bad.json()["errors"] == {"ends_on": "must not be before the start"}
    release.refresh_from_db()
    assert (release.person, release.starts_on) == ("Mia Rossi", None)

    assert staff.delete(path).status_code == 403
    other = releases.add_release(document, person="Jo")
    wrong = editor.client.delete(f"/api/{base}/{other.pk}", **editor.headers())
    assert wrong.status_code == 404 and TalentRelease.objects.filter(pk=other.pk).exists()
    gone = editor.client.delete(f"/api/{path}", **editor.headers())
    assert gone.status_code == 204
    assert list(TalentRelease.objects.values_list("person", flat=True)) == ["Jo"]
    assert AuditEntry.objects.filter(action="asset.release.remove").count() == 1


def test_flags_are_listed_and_cleared_with_a_note(workspace, team, used, editor, staff):
    editor.post(f"content/assets/{used['asset'].pk}/withdrawal", {"reason": "licence revoked"})
    listed = staff.get("content/flags").json()
    assert sorted(f["item_title"] for f in listed) == ["draft ad", "published ad", "scheduled ad"]
    flag = ContentFlag.objects.get(item=used["published"])
    shown = next(f for f in listed if f["id"] == flag.pk)
    assert shown == {
        "id": flag.pk,
        "item": used["published"].pk,
        "item_title": "published ad",
        "asset": used["asset"].pk,
        "asset_name": "Beach hero",
        "kind": "published",
        "reason": "'Beach hero' was withdrawn: licence revoked",
        "state_before": "published",
        "created_at": "2026-06-01T12:00:00Z",
        "resolved_at": None,
        "resolved_by": None,
        "resolution": "",
    }
    assert [f["item"] for f in editor.get("content/flags", kind="unscheduled").json()] == [
        used["scheduled"].pk
    ]
    clear = f"content/flags/{flag.pk}/clear"
    refused = editor.post(clear, {"note": " "})
    assert refused.status_code == 422 and refused.json()["errors"] == {"note": "must not be empty"}
    assert staff.post(clear, {"note": "fine"}).status_code == 403
    flag.refresh_from_db()
    assert flag.resolved_at is None
    done = editor.post(clear, {"note": "replaced with the pool photo"})
    assert done.status_code == 200
    assert (done.json()["resolved_at"], done.json()["resolved_by"]) == (
        "2026-06-01T12:00:00Z",
        team["editor"].pk,
    )
    flag.refresh_from_db()
    assert (flag.resolved_at, flag.resolved_by, flag.resolution) == (
        NOW,
        team["editor"],
        "replaced with the pool photo",
    )
    assert len(editor.get("content/flags").json()) == 2
    cleared = editor.get("content/flags", status="cleared").json()
    assert [(f["id"], f["resolution"]) for f in cleared] == [
        (flag.pk, "replaced with the pool photo")
    ]
    assert len(editor.get("content/flags", status="all").json()) == 3
    again = ApiClient(workspace, team["brand"]).post(clear, {"note": "other"})
    assert (again.json()["resolution"], again.json()["resolved_by"]) == (
        "replaced with the pool photo",
        team["editor"].pk,
    )


def test_another_workspaces_assets_releases_and_flags_are_not_found(workspace, used, editor):
    other = core.create_workspace("Other", slug="other")
    theirs = assets.upload_asset(other, name="Theirs", filename="t.png", data=png(4, 4))
    release = releases.add_release(theirs, person="Jo")
    item = actions.create_item(other, title="Their ad", kind="ad")
    assets.use_asset(item, theirs)
    withdrawal.withdraw_asset(theirs, reason="theirs")
    flag = ContentFlag.objects.get(item=item)
    assert editor.post(f"content/assets/{theirs.pk}/withdrawal", {"reason": "x"}).status_code == 404
    assert editor.get(f"content/assets/{theirs.pk}/releases").status_code == 404
    deleted = editor.client.delete(
        f"/api/content/assets/{theirs.pk}/releases/{release.pk}", **editor.headers()
    )
    assert deleted.status_code == 404
    assert editor.post(f"content/flags/{flag.pk}/clear", {"note": "x"}).status_code == 404
    assert editor.get("content/flags").json() == []
    mine = editor.post(f"content/items/{used['draft'].pk}/assets", {"asset": theirs.pk})
    assert mine.json()["errors"] == {"asset": "no such asset in this workspace"}
    flag.refresh_from_db()
    assert flag.resolved_at is None and TalentRelease.objects.filter(pk=release.pk).exists()
