"""Where-used tracking from an item's body: links to an asset's page or files and to a
partner share link's download both record a use, so withdrawing the asset flags the item;
a new body drops the uses of links it no longer has (hand-made uses stay); a body may not
link an asset that may be used nowhere."""

from datetime import UTC, datetime

import pytest
from django.conf import settings

from pacer.content import actions, assets, withdrawal
from pacer.content.models import AssetUse, ContentFlag, ContentItem, ContentVersion
from pacer.core import actions as core
from pacer.core import clock
from pacer.core.errors import ValidationFailed
from tests.content.test_assets import png

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


def _asset(workspace, name: str):
    return assets.upload_asset(workspace, name=name, filename="a.png", data=png(4, 4))


@pytest.fixture
def shared(workspace):
    """Two assets in a collection shared with a partner, and the link's token."""
    hero, pool = _asset(workspace, "Beach hero"), _asset(workspace, "Pool")
    collection = assets.create_collection(workspace, "Summer")
    for asset in (hero, pool):
        assets.collect(collection, asset)
    _, token = assets.share_collection(
        collection, label="Agency", days=30, can_download=True, renditions=["original"]
    )
    return {"hero": hero, "pool": pool, "token": token, "collection": collection}


def _uses(item) -> dict:
    return dict(AssetUse.objects.filter(item=item).values_list("asset_id", "from_body"))


def test_a_share_link_in_the_body_is_a_use_and_its_withdrawal_flags_the_item(
    workspace, team, shared
):
    hero, pool, token = shared["hero"], shared["pool"], shared["token"]
    body = (
        f'<p><img src="{settings.BASE_URL}/share/{token}/{hero.pk}/original/"></p>'
        f'<p><a href="/assets/{pool.pk}/">the pool</a></p>'
    )
    item = actions.create_item(
        workspace,
        title="Summer mail",
        kind="email",
        body=body,
        owner=team["editor"],
        scheduled_for="2026-06-10",
    )
    assert _uses(item) == {hero.pk: True, pool.pk: True}
    withdrawal.withdraw_asset(hero, reason="licence revoked", actor=team["editor"])
    flag = ContentFlag.objects.get()
    assert (flag.item_id, flag.asset_id, flag.kind) == (item.pk, hero.pk, "in_progress")
    assert flag.reason == "'Beach hero' was withdrawn: licence revoked"


def test_links_that_are_not_this_workspaces_assets_are_not_uses(workspace, shared):
    other = core.create_workspace("Other", slug="other")
    theirs = _asset(other, "Theirs")
    collection = assets.create_collection(other, "Theirs")
    assets.collect(collection, theirs)
    _, their_token = assets.share_collection(
        collection, label="Them", days=5, can_download=False, renditions=[]
    )
    outside = _asset(workspace, "Not shared")
    body = " ".join(
        (
            f"/share/{their_token}/{theirs.pk}/original/",  # another workspace's link
            f"/share/{shared['token']}/{outside.pk}/original/",  # not in the collection
            f"/share/{'x' * 43}/{shared['hero'].pk}/original/",  # no such link
            f"/assets/{theirs.pk}/",  # another workspace's asset
            f"https://elsewhere.test/assets/{outside.pk}/",  # another site
            f"/assets/{10**12}/",
        )
    )
    item = actions.create_item(workspace, title="Links", kind="blog_post", body=body)
    assert _uses(item) == {}


def test_a_new_body_drops_the_uses_of_links_it_no_longer_has(workspace, team, shared):
    hero, pool, token = shared["hero"], shared["pool"], shared["token"]
    item = actions.create_item(
        workspace, title="Post", kind="blog_post", body=f"/share/{token}/{hero.pk}/medium/"
    )
    assets.use_asset(item, pool)  # by hand
    assert _uses(item) == {hero.pk: True, pool.pk: False}
    actions.save_version(item, f"now with /assets/{pool.pk}/v1/original/ only", actor=None)
    assert _uses(item) == {pool.pk: False}  # the hand-made use stays as it was
    actions.save_version(item, "no links", actor=None)
    assert _uses(item) == {pool.pk: False}
    # replacing a withdrawn asset in the body clears the way to approval
    withdrawal.withdraw_asset(pool, reason="complaint")
    actions.save_version(item, f"/share/{token}/{hero.pk}/original/")
    assert _uses(item) == {hero.pk: True, pool.pk: False}


def test_a_body_may_not_link_an_asset_that_may_be_used_nowhere(workspace, team, shared):
    hero, token = shared["hero"], shared["token"]
    withdrawal.withdraw_asset(hero, reason="licence revoked")
    body = f"<img src='/share/{token}/{hero.pk}/original/'>"
    with pytest.raises(ValidationFailed) as refused:
        actions.create_item(workspace, title="New", kind="ad", body=body)
    assert refused.value.errors == {
        "body": "links to an asset that may not be used: 'Beach hero' is withdrawn"
    }
    assert ContentItem.objects.count() == 0 and AssetUse.objects.count() == 0
    item = actions.create_item(workspace, title="New", kind="ad", body="draft")
    with pytest.raises(ValidationFailed) as refused:
        actions.save_version(item, f"/assets/{hero.pk}/")
    assert list(refused.value.errors) == ["body"]
    assert ContentVersion.objects.filter(item=item).count() == 1 and _uses(item) == {}


def test_a_link_to_a_whole_shared_collection_uses_each_asset_its_page_shows(
    workspace, team, shared
):
    """``/share/<token>/`` uses every asset of the collection whose rights hold (the
    partner's page hides the others): the withdrawal preview and the withdrawal see the
    item; an asset whose rights ended is neither used nor a reason to refuse the body."""
    hero, pool, token = shared["hero"], shared["pool"], shared["token"]
    old = _asset(workspace, "Old campaign")
    assets.update_asset(old, {"rights_end": "2026-05-31"})  # ended the day before NOW
    assets.collect(shared["collection"], old)
    body = f'<a href="{settings.BASE_URL}/share/{token}/">our summer pictures</a>'
    item = actions.create_item(
        workspace, title="Partner mail", kind="email", body=body, owner=team["editor"]
    )
    assert _uses(item) == {hero.pk: True, pool.pk: True}
    assert [(e["item"].pk, e["kind"]) for e in withdrawal.effects(pool)] == [
        (item.pk, "in_progress")
    ]
    assert withdrawal.effects(old) == []
    withdrawal.withdraw_asset(pool, reason="model release revoked", actor=team["editor"])
    assert list(ContentFlag.objects.values_list("item_id", "asset_id")) == [(item.pk, pool.pk)]
    # the same link relative, beside a single link to one of its assets: one use each
    actions.save_version(item, f"/share/{token}/ and /assets/{hero.pk}/")
    assert _uses(item) == {hero.pk: True}  # pool is withdrawn now: hidden, not used
    actions.save_version(item, "no links")
    assert _uses(item) == {}
    # a collection link with a token of no link, or a download link, is not the collection
    actions.save_version(item, f"/share/{'x' * 43}/ /share/{token}/{hero.pk}/original/")
    assert _uses(item) == {hero.pk: True}


def test_a_link_to_one_asset_in_the_body_uses_that_asset_and_is_refused_once_it_lapses(
    workspace, team, shared
):
    pool = shared["pool"]
    _, token = assets.share_asset(pool, label="One", days=30, can_download=False, renditions=[])
    item = actions.create_item(workspace, title="One", kind="ad", body=f"see /share/{token}/ now")
    assert list(AssetUse.objects.filter(item=item).values_list("asset__name", "from_body")) == [
        ("Pool", True)
    ]
    withdrawal.withdraw_asset(pool, reason="gone")
    with pytest.raises(ValidationFailed) as refused:
        actions.save_version(item, f"again /share/{token}/{pool.pk}/original/")
    assert refused.value.errors == {
        "body": "links to an asset that may not be used: 'Pool' is withdrawn"
    }
