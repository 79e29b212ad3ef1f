"""Share links over the REST API: made to a collection or to one asset (201, its address
in that answer only), listed, read with download counts, revoked (the public address
answers 410 at once, nothing counted); bad input is 422 naming the field with nothing
written; another workspace's link is 404; the permission gate (assets.view reads,
assets.manage writes)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.content import assets, partners, tasks, withdrawal
from pacer.content.models import ShareDownload, ShareLink
from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from tests.content.test_assets import png
from tests.content.test_partner_api import call  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture
def kit(workspace, media_dir, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    collection = assets.create_collection(workspace, "Summer kit")
    beach = assets.upload_asset(
        workspace, name="Beach", filename="b.png", data=png(), rights={"rights_end": "2026-06-30"}
    )
    tasks.render(beach.versions.get().pk)
    assets.collect(collection, beach)
    franchise = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print", "display"]
    )
    return {"collection": collection, "beach": beach, "franchise": franchise}


def _written():
    return ShareLink.objects.count(), AuditEntry.objects.count()


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


def test_a_link_to_one_asset_is_made_read_listed_and_its_downloads_counted(call, kit, admin):  # noqa: F811
    beach, franchise = kit["beach"], kit["franchise"]
    body = {
        "label": "Berlin print run",
        "asset_id": beach.pk,
        "partner_id": franchise.pk,
        "days": 7,
        "can_download": True,
        "renditions": ["medium", "original"],
        "channels": ["print"],
    }
    made = call("post", "/share-links", body)
    assert made.status_code == 201
    answer = made.json()
    link = ShareLink.objects.get()
    url = answer.pop("url")
    token = _token(url)
    assert answer == {
        "id": link.pk,
        "label": "Berlin print run",
        "collection_id": None,
        "asset_id": beach.pk,
        "partner_id": franchise.pk,
        "prefix": token[:6],
        "can_download": True,
        "renditions": ["medium", "original"],
        "channels": ["print"],
        "expires_at": "2026-06-08T12:00:00Z",
        "created_at": answer["created_at"],
        "created_by": "ada",
        "state": "open",
        "state_reason": "",
        "revoked_at": None,
        "revoked_by": None,
        "downloads": 0,
        "refusals": 0,
    }
    assert url == f"http://testserver/share/{token}/"
    public = Client()
    assert "Beach" in public.get(f"/share/{token}/").content.decode()
    for kind in ("medium", "medium", "original"):
        assert public.get(f"/share/{token}/{beach.pk}/{kind}/").status_code == 200
    assert public.get(f"/share/{token}/{beach.pk}/thumbnail/").status_code == 404
    shown = call("get", f"/share-links/{link.pk}").json()
    assert (shown["downloads"], shown["downloads_by_rendition"]) == (
        3,
        {"medium": 2, "original": 1},
    )
    assert "url" not in shown and "digest" not in shown
    assert list(ShareDownload.objects.values_list("channel", flat=True)) == ["print"] * 3
    audit = AuditEntry.objects.get(action="asset.share")
    assert audit.after == {
        "asset": beach.pk,
        "days": 7,
        "partner": franchise.pk,
        "channels": ["print"],
    }
    # listed, newest first, filtered by what it is to
    collection_link = call(
        "post",
        "/share-links",
        {"label": "Agency", "collection_id": kit["collection"].pk, "days": 3},
    ).json()
    listed = call("get", "/share-links").json()
    assert [row["id"] for row in listed] == [collection_link["id"], link.pk]
    assert [r["id"] for r in call("get", f"/share-links?asset_id={beach.pk}").json()] == [link.pk]
    by_collection = call("get", f"/share-links?collection_id={kit['collection'].pk}").json()
    assert [r["id"] for r in by_collection] == [collection_link["id"]]
    by_partner = call("get", f"/share-links?partner_id={franchise.pk}").json()
    assert [r["id"] for r in by_partner] == [link.pk]


def test_revoking_stops_the_public_link_at_once_and_again_is_no_change(call, kit):  # noqa: F811
    made = call(
        "post",
        "/share-links",
        {
            "label": "Agency",
            "collection_id": kit["collection"].pk,
            "days": 30,
            "can_download": True,
            "renditions": ["medium"],
        },
    ).json()
    token, beach = _token(made["url"]), kit["beach"]
    assert Client().get(f"/share/{token}/{beach.pk}/medium/").status_code == 200
    revoked = call("post", f"/share-links/{made['id']}/revoke")
    assert revoked.status_code == 200
    assert {
        k: revoked.json()[k] for k in ("state", "state_reason", "revoked_at", "revoked_by")
    } == {
        "state": "revoked",
        "state_reason": "revoked by ada on 2026-06-01 12:00 UTC",
        "revoked_at": "2026-06-01T12:00:00Z",
        "revoked_by": "ada",
    }
    page = Client().get(f"/share/{token}/")
    assert page.status_code == 410 and "This link was revoked" in page.content.decode()
    assert "Summer kit" not in page.content.decode()
    assert Client().get(f"/share/{token}/{beach.pk}/medium/").status_code == 410
    assert ShareDownload.objects.count() == 1
    audited = AuditEntry.objects.filter(action="asset.share_revoke").count()
    again = call("post", f"/share-links/{made['id']}/revoke")
    assert again.status_code == 200 and again.json()["revoked_at"] == "2026-06-01T12:00:00Z"
    assert AuditEntry.objects.filter(action="asset.share_revoke").count() == audited == 1


def test_a_link_to_one_asset_is_withdrawn_with_the_asset_and_its_rights(call, kit, monkeypatch):  # noqa: F811
    beach = kit["beach"]
    body = {"label": "A", "asset_id": beach.pk, "days": 60, "can_download": True}
    made = call("post", "/share-links", {**body, "renditions": ["medium"]}).json()
    token = _token(made["url"])
    # its rights end on 2026-06-30: from the next day the link opens nothing (404)
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(days=30))
    assert Client().get(f"/share/{token}/").status_code == 404
    assert Client().get(f"/share/{token}/{beach.pk}/medium/").status_code == 404
    shown = call("get", f"/share-links/{made['id']}").json()
    assert (shown["state"], shown["state_reason"]) == (
        "withdrawn",
        "the rights for 'Beach' do not cover 2026-07-01",
    )
    # the rights extended: it works again, until it expires
    assets.update_asset(beach, {"rights_end": "2026-12-31"})
    assert Client().get(f"/share/{token}/{beach.pk}/medium/").status_code == 200
    withdrawal.withdraw_asset(beach, reason="model release revoked")
    page = Client().get(f"/share/{token}/")
    assert page.status_code == 404 and "This link was withdrawn" in page.content.decode()
    assert "Beach" not in page.content.decode()
    assert Client().get(f"/share/{token}/{beach.pk}/medium/").status_code == 404
    assert ShareDownload.objects.count() == 1
    assert (
        call("get", f"/share-links/{made['id']}").json()["state_reason"] == "'Beach' is withdrawn"
    )


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"collection_id": None}, "collection_id", "name a collection_id or an asset_id (one)"),
        ({"asset_id": "kit"}, "collection_id", "name a collection_id or an asset_id (one)"),
        ({"days": 0}, "days", None),
        ({"days": 366}, "days", None),
        ({"label": ""}, "label", None),
        ({"renditions": ["poster"]}, "renditions", None),
        ({"can_download": True}, "renditions", "choose at least one to allow downloads"),
        ({"channels": ["fax"]}, "channels", "'fax' is not a channel"),
        (
            {"partner_id": "franchise", "channels": ["email"]},
            "channels",
            "Franchise Berlin may use assets on Display, Print; not Email",
        ),
        ({"partner_id": 999999}, "partner_id", "no such partner in this workspace"),
        ({"collection_id": "theirs"}, "collection_id", "no such collection in this workspace"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    call,  # noqa: F811
    kit,
    workspace,
    change,
    field,
    reason,
):
    theirs = assets.create_collection(core.create_workspace("Other", slug="other"), "Theirs")
    ids = {"kit": kit["beach"].pk, "franchise": kit["franchise"].pk, "theirs": theirs.pk}
    body = {"label": "A", "collection_id": kit["collection"].pk, "days": 7}
    body.update({k: ids.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    before = _written()
    answer = call("post", "/share-links", body)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert [key.split(".")[0].split("[")[0] for key in errors] == [field]
    if reason is not None:
        assert errors == {field: reason}
    assert _written() == before


def test_a_withdrawn_asset_or_a_deactivated_partner_is_refused(call, kit):  # noqa: F811
    partners.set_active(kit["franchise"], False)
    before = _written()
    body = {"label": "A", "collection_id": kit["collection"].pk, "days": 7}
    answer = call("post", "/share-links", {**body, "partner_id": kit["franchise"].pk})
    assert answer.json()["errors"] == {
        "partner_id": "Franchise Berlin is deactivated: reactivate it first"
    }
    withdrawal.withdraw_asset(kit["beach"], reason="gone")
    before = _written()
    answer = call("post", "/share-links", {"label": "A", "asset_id": kit["beach"].pk, "days": 7})
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"asset_id": "may not be shared: 'Beach' is withdrawn"}
    assert _written() == before


def test_another_workspaces_link_is_not_found_and_the_gate_holds(call, kit, workspace):  # noqa: F811
    other = core.create_workspace("Other", slug="other")
    theirs = assets.create_collection(other, "Theirs")
    their_link, token = assets.share_collection(
        theirs, label="Theirs", days=7, can_download=False, renditions=[]
    )
    for method, path in [("get", ""), ("post", "/revoke")]:
        answer = call(method, f"/share-links/{their_link.pk}{path}")
        assert answer.status_code == 404
        assert answer.json()["errors"] == {"link_id": "no such share link in this workspace"}
    assert call("get", "/share-links").json() == []
    their_link.refresh_from_db()
    assert their_link.revoked_at is None
    assert Client().get(f"/share/{token}/").status_code == 200
    mine, _ = assets.share_collection(
        kit["collection"], label="Mine", days=7, can_download=False, renditions=[]
    )
    staff = call.as_user(core.create_user(workspace, "stan", "correct-horse-1", Role.STAFF))
    assert staff("get", "/share-links").status_code == 200  # assets.view
    assert staff("get", f"/share-links/{mine.pk}").status_code == 200
    before = _written()
    body = {"label": "A", "collection_id": kit["collection"].pk, "days": 7}
    assert staff("post", "/share-links", body).status_code == 403  # assets.manage
    assert staff("post", f"/share-links/{mine.pk}/revoke").status_code == 403
    assert _written() == before
    mine.refresh_from_db()
    assert mine.revoked_at is None
