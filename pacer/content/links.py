"""The library assets an item's body links to, for where-used tracking: this install's
asset pages and files (``/assets/<id>/...``), partners' share-link downloads
(``/share/<token>/<id>/<kind>/``, an asset of the link's collection or its one asset), share
links to a whole collection (``/share/<token>/``: every asset of the collection the
partner's page shows, i.e. whose rights hold that day) and to one asset (that asset, as
if linked by itself), each relative or under ``BASE_URL``.

Saving a body records a use of each linked asset (so withdrawing it flags the item) and
drops the uses recorded from links the new body no longer has; uses added by hand stay.
A body may not link an asset that may be used nowhere (withdrawn, its rights or a talent
release ended): the save is refused naming ``body``. A collection's asset that may be used
nowhere is hidden from the partner's page, so a link to the collection does not use it
(and is not refused for it); it is used again by the next save after its rights hold.
Territories and channels are checked with the other uses when the item next needs
approval.
"""

import re
from datetime import date

from django.conf import settings

from pacer.content import selectors
from pacer.content.assets import link_assets
from pacer.content.models import Asset, AssetUse, ContentItem
from pacer.content.rights import lapsed
from pacer.core import audit, clock
from pacer.core.models import Workspace

_BEFORE = r"(?:^|(?<=[\"'(=\s>]))"


def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    base = f"(?:{re.escape(settings.BASE_URL)})?"
    token = r"([A-Za-z0-9_-]{16,64})"
    return (
        re.compile(rf"{_BEFORE}{base}/assets/(\d{{1,18}})/"),
        re.compile(rf"{_BEFORE}{base}/share/{token}/(\d{{1,18}})/"),
        re.compile(rf"{_BEFORE}{base}/share/{token}/(?![\w-])"),
    )


def _share_link(workspace: Workspace, token: str):
    link = selectors.share_link_by_token(token)
    return link if link is not None and link.workspace_id == workspace.pk else None


def _links(workspace: Workspace, body: str) -> tuple[dict[int, int], dict[int, int]]:
    """Asset id -> where its first link starts: the assets linked one by one, and those
    linked only through a link to their whole collection."""
    by_asset, by_share, by_collection = _patterns()
    single: dict[int, int] = {}
    for match in by_asset.finditer(body or ""):
        single.setdefault(int(match.group(1)), match.start())
    for match in by_share.finditer(body or ""):
        link = _share_link(workspace, match.group(1))
        asset_id = int(match.group(2))
        if link is not None and link_assets(link).filter(pk=asset_id).exists():
            single[asset_id] = min(single.get(asset_id, match.start()), match.start())
    whole: dict[int, int] = {}
    for match in by_collection.finditer(body or ""):
        link = _share_link(workspace, match.group(1))
        if link is not None and link.asset_id is not None:  # a link to one asset names it
            single[link.asset_id] = min(single.get(link.asset_id, match.start()), match.start())
            whole.pop(link.asset_id, None)
            continue
        for asset_id in link.collection.assets.values_list("pk", flat=True) if link else ():
            if asset_id not in single:
                whole[asset_id] = min(whole.get(asset_id, match.start()), match.start())
    return single, whole


def _assets(workspace: Workspace, where: dict[int, int]) -> list[Asset]:
    if not where:
        return []
    rows = Asset.objects.filter(workspace=workspace, pk__in=where).prefetch_related("releases")
    return sorted(rows, key=lambda asset: where[asset.pk])


def check_links(workspace: Workspace, body: str, day: date, errors: dict) -> list[Asset]:
    """The assets ``body`` uses through its links on ``day``, in the order of their first
    link (a linked collection's at the link's place, by id); a reason under
    ``errors["body"]`` for the first asset linked one by one that may be used nowhere that
    day (a collection's such assets are hidden from its page: not used, no refusal).

    Example: ``'<img src="/assets/7/v1/medium/">'`` -> asset 7, if it is this workspace's;
    ``"https://pacer.test/share/<token>/8/original/"`` -> asset 8, if the token is a
    share link of this workspace whose collection holds it;
    ``"https://pacer.test/share/<token>/"`` -> the assets of that link's collection."""
    single, whole = _links(workspace, body)
    for asset in _assets(workspace, single):
        problem = lapsed(asset, day, releases=asset.releases.all())
        if problem:
            errors["body"] = f"links to an asset that may not be used: {problem}"
            break
    shown = [
        asset
        for asset in _assets(workspace, whole)
        if not lapsed(asset, day, releases=asset.releases.all())
    ]
    where = {**whole, **single}
    found = _assets(workspace, single) + shown
    return sorted(found, key=lambda asset: (where[asset.pk], asset.pk))


def linked_assets(workspace: Workspace, body: str, day: date | None = None) -> list[Asset]:
    """The assets ``body`` uses through its links on ``day`` (today by default), as
    ``check_links`` finds them but without refusing any: for other domains that check the
    rights themselves (``pacer.messaging.rights``)."""
    return check_links(workspace, body, day or clock.now().date(), {})


def record_links(item: ContentItem, linked: list[Asset], *, actor=None) -> None:
    """Make the item's uses recorded from links those of ``linked`` (hand-made uses stay)."""
    wanted = {asset.pk for asset in linked}
    have = dict(AssetUse.objects.filter(item=item).values_list("asset_id", "from_body"))
    dropped = [
        asset_id for asset_id, from_body in have.items() if from_body and asset_id not in wanted
    ]
    if dropped:
        AssetUse.objects.filter(item=item, asset_id__in=dropped).delete()
    for asset in linked:
        if asset.pk in have:
            continue
        use = AssetUse.objects.create(
            workspace_id=item.workspace_id, asset=asset, item=item, from_body=True
        )
        audit.record(
            item.workspace,
            "asset.use",
            use,
            actor=actor,
            after={"asset": asset.pk, "item": item.pk, "from": "link"},
        )
    if dropped:
        audit.record(item.workspace, "asset.unuse", item, actor=actor, after={"assets": dropped})
