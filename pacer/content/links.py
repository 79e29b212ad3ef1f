"""The library assets an item's body links to, for where-used tracking: this install's
asset pages and files (``/assets/<id>/...``) and partners' share-link downloads
(``/share/<token>/<id>/<kind>/``, an asset of the link's collection), each relative or
under ``BASE_URL``.

Saving a body records a use of each linked asset (so withdrawing it flags the item) and
drops the uses recorded from links the new body no longer has; uses added by hand stay.
A body may not link an asset that may be used nowhere (withdrawn, its rights or a talent
release ended): the save is refused naming ``body``. Territories and channels are
checked with the other uses when the item next needs approval.
"""

import re
from datetime import date

from django.conf import settings

from pacer.content import selectors
from pacer.content.models import Asset, AssetUse, ContentItem
from pacer.content.rights import lapsed
from pacer.core import audit
from pacer.core.models import Workspace

_BEFORE = r"(?:^|(?<=[\"'(=\s>]))"


def _patterns() -> tuple[re.Pattern, re.Pattern]:
    base = f"(?:{re.escape(settings.BASE_URL)})?"
    return (
        re.compile(rf"{_BEFORE}{base}/assets/(\d{{1,18}})/"),
        re.compile(rf"{_BEFORE}{base}/share/([A-Za-z0-9_-]{{16,64}})/(\d{{1,18}})/"),
    )


def linked_assets(workspace: Workspace, body: str) -> list[Asset]:
    """The workspace's assets ``body`` links to, in the order of their first link.

    Example: ``'<img src="/assets/7/v1/medium/">'`` -> asset 7, if it is this workspace's;
    ``"https://pacer.test/share/<token>/8/original/"`` -> asset 8, if the token is a
    share link of this workspace whose collection holds it."""
    by_asset, by_share = _patterns()
    found: dict[int, int] = {}  # asset id -> where its first link starts
    for match in by_asset.finditer(body or ""):
        found.setdefault(int(match.group(1)), match.start())
    for match in by_share.finditer(body or ""):
        link = selectors.share_link_by_token(match.group(1))
        asset_id = int(match.group(2))
        if (
            link is not None
            and link.workspace_id == workspace.pk
            and link.collection.assets.filter(pk=asset_id).exists()
        ):
            found[asset_id] = min(found.get(asset_id, match.start()), match.start())
    if not found:
        return []
    rows = Asset.objects.filter(workspace=workspace, pk__in=found).prefetch_related("releases")
    return sorted(rows, key=lambda asset: found[asset.pk])


def check_links(workspace: Workspace, body: str, day: date, errors: dict) -> list[Asset]:
    """The assets ``body`` links to; a reason under ``errors["body"]`` for the first that
    may be used nowhere on ``day``."""
    found = linked_assets(workspace, body)
    for asset in found:
        problem = lapsed(asset, day, releases=asset.releases.all())
        if problem:
            errors["body"] = f"links to an asset that may not be used: {problem}"
            break
    return found


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
