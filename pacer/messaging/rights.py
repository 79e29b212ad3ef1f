"""Usage rights of the content library's assets a message shows.

A template uses an asset when its HTML links to it as content's where-used tracking
sees it (``pacer.content.links.linked_assets``): this install's ``/assets/<id>/`` (an
image from the library) or a partner share-link download ``/share/<token>/<id>/...`` of
the workspace whose collection holds the asset, each relative or under ``BASE_URL``;
the ids are kept on the template when it is saved. Before a message is queued and again
before it is sent, each asset is checked for the recipient's country (their ``country``
trait, else the workspace's default territory), on the day it goes, on the ``email``
channel, by
``pacer.content.selectors.check_asset_use`` (withdrawn, outside its licensed days,
territories or channels, or a talent release that does not cover the use). A message
that may not show one is skipped with the reasons.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from pacer.content import links
from pacer.content import selectors as content
from pacer.core.models import Workspace

CHANNEL = "email"
REASON_PREFIX = "asset rights: "


def template_assets(workspace: Workspace, html: str) -> tuple[list[int], list[int]]:
    """The ids of the workspace's assets the HTML shows (``/assets/`` and share links, in
    order of first use), and those of ``/assets/<id>/`` links that are no asset of the
    workspace."""
    shown = [asset.pk for asset in links.linked_assets(workspace, html or "")]
    return shown, [asset_id for asset_id in asset_ids_in(html) if asset_id not in shown]


def asset_ids_in(html: str) -> list[int]:
    """The ids of this install's ``/assets/<id>/`` links in the HTML, in order of first use.

    >>> asset_ids_in('<img src="/assets/7/v1/original/"> <a href="https://cdn.test/assets/8/">')
    [7]
    """
    base = re.escape(settings.BASE_URL)
    pattern = rf"(?:^|(?<=[\"'(=\s]))(?:{base})?/assets/(\d{{1,18}})/"
    return list(dict.fromkeys(int(found) for found in re.findall(pattern, html or "")))


def territory_of(country, default: str) -> str:
    """The recipient's country as two upper-case letters (their trait, else ``default``)."""
    if isinstance(country, str) and len(country.strip()) == 2 and country.strip().isalpha():
        return country.strip().upper()
    return default


class AssetRights:
    """The rights checks of one workspace's messages, each (assets, territory, day) asked
    once."""

    def __init__(self, workspace: Workspace):
        self.workspace = workspace
        self.answers: dict[tuple, str] = {}

    def problem(self, asset_ids: list[int], territory: str, at: datetime, zone: str) -> str:
        """Why a message showing ``asset_ids`` may not go at ``at`` (the day in the
        recipient's ``zone``) to ``territory``; "" when it may."""
        if not asset_ids:
            return ""
        day = at.astimezone(ZoneInfo(zone)).date()
        key = (tuple(asset_ids), territory, day)
        if key not in self.answers:
            problems = []
            for asset_id in asset_ids:
                problems += content.check_asset_use(
                    self.workspace, asset_id, CHANNEL, territory, day
                )
            self.answers[key] = (REASON_PREFIX + "; ".join(problems))[:300] if problems else ""
        return self.answers[key]
