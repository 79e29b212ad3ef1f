"""What a card's link points at: each kind is checked against its own domain's selectors
when the link is made (an id that names nothing there is refused), and shown with its
name and page. A link is kept under the id of what it names (``ref``: "+5" or "0005" is
stored as "5", and a campaign named by its key is stored under its id), so the same thing
is not linked twice under two spellings, and a campaign deleted and made again with the
same key is not the old link's. Journeys have no domain of their own yet, so their ids are
kept as given."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from pacer.core.errors import row_id
from pacer.core.models import Workspace
from pacer.work.models import LinkKind


@dataclass(frozen=True)
class Target:
    label: str
    url: str = ""
    ref: str = ""  # the id a link to it is stored under


def _campaign(workspace: Workspace, target_id: str) -> Target | None:
    """The campaign of this id, else of this key (an id wins over a key of the same
    digits)."""
    from pacer.planning import selectors

    number = row_id(target_id)
    found = selectors.campaign(workspace, number) if number else None
    if found is None:
        found = selectors.campaign_by_key(workspace, target_id)
    return _target(found, found and found.name, "campaign-detail")


def _content(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.content import selectors

    number = row_id(target_id)
    found = selectors.item(workspace, number) if number else None
    return _target(found, found and found.title, "content-item")


def _asset(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.content import selectors

    number = row_id(target_id)
    found = selectors.asset(workspace, number) if number else None
    return _target(found, found and found.name, "asset-detail")


def _lead(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.leads import selectors

    number = row_id(target_id)
    found = selectors.lead(workspace, number) if number else None
    return _target(found, found and f"Lead {found.pk}", "lead-detail")


def _message(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.messaging import selectors

    number = row_id(target_id)
    found = selectors.broadcast(workspace, number) if number else None
    return _target(found, found and found.name, "broadcast")


def _target(found, label: str | None, page: str) -> Target | None:
    """The target of a row found by id (``None``: not found), shown as ``label``."""
    if found is None:
        return None
    return Target(label, reverse(page, args=[found.pk]), str(found.pk))


RESOLVERS: dict[str, Callable[[Workspace, str], Target | None]] = {
    LinkKind.CAMPAIGN: _campaign,
    LinkKind.CONTENT: _content,
    LinkKind.ASSET: _asset,
    LinkKind.LEAD: _lead,
    LinkKind.MESSAGE: _message,
}


def resolve(workspace: Workspace, kind: str, target_id: str) -> Target | None:
    """The thing a link of ``kind`` to ``target_id`` names, or ``None`` if there is none
    in the workspace (a journey: always its id, unchecked)."""
    resolver = RESOLVERS.get(kind)
    if resolver is None:
        return Target(f"Journey {target_id}", ref=target_id)
    return resolver(workspace, target_id)


def linked_already(kind: str, target: Target) -> str:
    """Why a card cannot link to ``target`` again."""
    named = "" if kind == LinkKind.JOURNEY else f" ({target.label})"
    return f"the card already links to {LinkKind(kind).label.lower()} {target.ref}{named}"
