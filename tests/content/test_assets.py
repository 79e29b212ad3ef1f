"""The asset library: uploads judged by content (wrong type, size, broken images refused
with nothing written), versions, renditions, search, rights checked at use, and the
expiry loop (alerts before, withdrawal at expiry, once however often it runs)."""

import io
from datetime import UTC, date, datetime

import pytest
from django.core import mail
from PIL import Image

from pacer.content import actions, assets, selectors, tasks, withdrawal
from pacer.content.models import Asset, AssetNotice, AssetUse, AssetVersion, Rendition
from pacer.content.storage import storage
from pacer.core import outbox
from pacer.core.errors import ValidationFailed
from pacer.messaging import webhooks

pytestmark = pytest.mark.django_db
TODAY = date(2026, 6, 1)


def png(width=800, height=600, color=(200, 40, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def _files(media_dir) -> list:
    root = media_dir / "assets"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _upload(workspace, owner, **rights):
    return assets.upload_asset(
        workspace,
        name="Beach hero",
        filename="hero.png",
        data=png(),
        tags="summer, hero",
        rights=rights,
        owner=owner,
    )


def test_an_upload_stores_version_1_and_the_worker_makes_renditions(workspace, team, media_dir):
    asset = _upload(workspace, team["editor"])
    version = AssetVersion.objects.get(asset=asset)
    assert (version.number, version.content_type, version.width, version.height) == (
        1,
        "image/png",
        800,
        600,
    )
    assert storage().read(version.storage_key) == png()
    assert tasks.render(version.pk) == 2
    assert tasks.render(version.pk) == 0  # twice: nothing more
    sizes = {r.kind: (r.width, r.height) for r in Rendition.objects.filter(version=version)}
    assert sizes == {"thumbnail": (240, 180), "medium": (800, 600)}
    thumbnail = Rendition.objects.get(kind="thumbnail")
    with Image.open(io.BytesIO(storage().read(thumbnail.storage_key))) as image:
        assert image.size == (240, 180)
    second = assets.add_version(asset, filename="hero2.png", data=png(300, 300), user=None)
    assert second.number == 2 and AssetVersion.objects.filter(asset=asset).count() == 2


@pytest.mark.parametrize(
    ("filename", "data", "reason"),
    [
        ("empty.png", b"", "is empty"),
        ("evil.png", b"MZ\x90\x00 this is an executable", "is not a PNG, JPEG, GIF, WebP or PDF"),
        ("broken.png", png()[:40], "is not a readable image/png image"),
        ("big.pdf", b"%PDF-" + b"0" * assets.MAX_BYTES, "bytes; the limit is 20,971,520"),
    ],
)
def test_bad_uploads_are_refused_with_a_clear_error_and_nothing_written(
    workspace, team, media_dir, filename, data, reason
):
    with pytest.raises(ValidationFailed) as refused:
        assets.upload_asset(workspace, name="x", filename=filename, data=data, owner=team["editor"])
    assert reason in refused.value.errors["file"]
    assert Asset.objects.count() == 0 and AssetVersion.objects.count() == 0
    assert _files(media_dir) == []


def test_a_failed_file_write_leaves_no_rows(workspace, team, media_dir, monkeypatch):
    def refuse(self, key, data):
        raise OSError("disk full")

    monkeypatch.setattr(type(storage()), "save", refuse)
    with pytest.raises(OSError):
        _upload(workspace, team["editor"])
    assert Asset.objects.count() == 0 and AssetVersion.objects.count() == 0


def test_search_finds_assets_by_words_and_tags(workspace, team):
    _upload(workspace, team["editor"])
    assets.upload_asset(
        workspace, name="Winter banner", filename="w.png", data=png(), tags="winter"
    )
    assert [a.name for a in selectors.assets(workspace, search="beach")] == ["Beach hero"]
    assert [a.name for a in selectors.assets(workspace, tag="winter")] == ["Winter banner"]
    assert selectors.assets(workspace, search="beach winter").count() == 0


def _item(workspace, team, **extra):
    return actions.create_item(
        workspace,
        title="Summer ad",
        kind="ad",
        channel="paid_social",
        scheduled_for=datetime(2026, 6, 10, 9, tzinfo=UTC),
        **extra,
    )


def test_use_is_refused_outside_the_rights_and_recorded_inside(workspace, team):
    asset = _upload(
        workspace,
        team["editor"],
        licence="Stock, standard",
        territories="US, CA",
        channels="paid_social, email",
        rights_start="2026-01-01",
        rights_end="2026-06-30",
    )
    item = _item(workspace, team)
    with pytest.raises(ValidationFailed) as refused:
        assets.use_asset(item, asset, territory="DE")
    assert refused.value.errors == {"asset": "'Beach hero' is licensed for CA, US, not DE"}
    late = actions.create_item(
        workspace,
        title="Late",
        kind="ad",
        channel="paid_social",
        scheduled_for=datetime(2026, 7, 1, 9, tzinfo=UTC),
    )
    with pytest.raises(ValidationFailed, match="may be used until 2026-06-30, not on 2026-07-01"):
        assets.use_asset(late, asset, territory="US")
    print_item = actions.create_item(
        workspace, title="Flyer", kind="print", channel="print", scheduled_for="2026-06-10"
    )
    with pytest.raises(ValidationFailed, match="licensed for channels email, paid_social"):
        assets.use_asset(print_item, asset, territory="US")
    assert AssetUse.objects.count() == 0
    assets.use_asset(item, asset, territory="us")
    assert [(u.item.title, u.territory) for u in selectors.where_used(asset)] == [
        ("Summer ad", "US")
    ]
    # moving the item past the rights is refused once it needs approval; before, allowed
    actions.reschedule(item, "2026-07-05")
    with pytest.raises(ValidationFailed, match="cannot become approved"):
        actions.transition(item, "draft")
        actions.transition(item, "approved")


def test_expiry_alerts_before_and_withdraws_at_expiry_once(
    workspace, team, media_dir, django_capture_on_commit_callbacks
):
    webhooks.add_webhook(
        workspace, url="https://hooks.example.com/dam", event_types=["asset.withdrawn"]
    )
    soon = _upload(workspace, team["editor"], rights_end="2026-06-10")
    ended = _upload(workspace, team["editor"], rights_end="2026-05-31")
    later = _upload(workspace, team["editor"], rights_end="2026-12-31")
    item = _item(workspace, team)
    AssetUse.objects.create(workspace=workspace, asset=ended, item=item)
    with django_capture_on_commit_callbacks(execute=True):
        assert withdrawal.expire_assets(TODAY) == 2
        assert withdrawal.expire_assets(TODAY) == 0  # twice = once
    assert outbox.send_due() == 2  # the staff outbox sends what they queued
    assert sorted((m.subject, tuple(m.to)) for m in mail.outbox) == [
        ("'Beach hero' was withdrawn", ("eve@acme.test",)),
        ("Rights for 'Beach hero' end on 2026-06-10", ("eve@acme.test",)),
    ]
    soon.refresh_from_db(), ended.refresh_from_db(), later.refresh_from_db()
    assert (soon.status, ended.status, later.status) == ("active", "withdrawn", "active")
    assert sorted(AssetNotice.objects.values_list("asset__name", "kind", "rights_end")) == [
        ("Beach hero", "expiring", date(2026, 6, 10)),
        ("Beach hero", "withdrawn", date(2026, 5, 31)),
    ]
    deliveries = list(webhooks.WebhookDelivery.objects.all())
    assert [d.payload["data"] for d in deliveries] == [
        {
            "id": ended.pk,
            "name": "Beach hero",
            "reason": "its rights ended 2026-05-31",
            "rights_end": "2026-05-31",
            "used_in_content": [item.pk],
            "unscheduled": [],
        }
    ]
    with pytest.raises(ValidationFailed, match="'Beach hero' is withdrawn"):
        assets.use_asset(_item(workspace, team), ended)
