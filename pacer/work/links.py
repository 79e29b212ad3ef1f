"""What a card's link points at: each kind is checked against its own domain's selectors
when the link is made (an id that names nothing there is refused), and shown with its
name and page. A link is kept under the id of what it names (``ref``: "+5" or "0005" is
stored as "5", and a campaign named by its key is stored under its id), so the same thing
is not linked twice under two spellings, and a campaign deleted and made again with the
same key is not the old link's. Journeys have no domain of their own yet, so their ids are
kept as given.

The card page's link picker finds them by name (``search``): each domain's own search
selector, scoped to the workspace, for the kinds the member's role may see there."""

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
    name = selectors.lead_name(workspace, number) if number else None
    if name is None:
        return None
    return Target(f"{name} (lead #{number})", reverse("lead-detail", args=[number]), str(number))


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


# who may search each kind: the permission to see it in its own domain
SEARCH_PERMISSIONS = {
    LinkKind.CAMPAIGN: "campaigns.view",
    LinkKind.CONTENT: "content.view",
    LinkKind.ASSET: "assets.view",
    LinkKind.LEAD: "leads.view",
    LinkKind.MESSAGE: "messaging.view",
}
SEARCH_LIMIT = 10


def _found(kind: str, workspace: Workspace, text: str) -> list[Target]:
    """The things of ``kind`` whose name holds ``text``: ``SEARCH_LIMIT + 1`` at most (one
    more says there are more)."""
    limit = SEARCH_LIMIT + 1
    if kind == LinkKind.CAMPAIGN:
        from pacer.planning import selectors as planning

        rows = [
            (c.pk, c.name if c.name == c.key else f"{c.name} ({c.key})")
            for c in planning.campaign_search(workspace, text, limit)
        ]
        page = "campaign-detail"
    elif kind == LinkKind.CONTENT:
        from pacer.content import selectors as content

        found = content.items(workspace, search=text).order_by("title", "pk")[:limit]
        rows, page = [(i.pk, i.title) for i in found], "content-item"
    elif kind == LinkKind.ASSET:
        from pacer.content import selectors as content

        found = content.assets(workspace, search=text).order_by("name", "pk")[:limit]
        rows, page = [(a.pk, a.name) for a in found], "asset-detail"
    elif kind == LinkKind.LEAD:
        from pacer.leads import selectors as leads

        rows = [
            (pk, f"{name} (lead #{pk})") for pk, name in leads.lead_search(workspace, text, limit)
        ]
        page = "lead-detail"
    else:
        from pacer.messaging import selectors as messaging

        rows, page = messaging.broadcast_search(workspace, text, limit), "broadcast"
    return [Target(label, reverse(page, args=[pk]), str(pk)) for pk, label in rows]


@dataclass(frozen=True)
class Search:
    """What the link picker offers for a kind and the text typed: ``targets`` (the first
    ``SEARCH_LIMIT``), whether there are ``more``, or ``problem``, why none is offered."""

    targets: list[Target]
    more: bool = False
    problem: str = ""


def search(workspace: Workspace, role: str, kind: str, text: str) -> Search:
    """The things of ``kind`` in the workspace a card may link to, for the ``text`` typed:
    what it names exactly (an id, a campaign's key) first, then those whose name holds it.
    A journey is its id as typed (journeys have no list yet). A kind the ``role`` may not
    see in its own domain finds nothing."""
    from pacer.core.permissions import allows

    text = text.strip()[:64]
    if kind not in LinkKind.values:
        return Search([], problem="Choose what to link to.")
    noun = LinkKind(kind).label.lower()
    if kind == LinkKind.JOURNEY:
        found = [Target(f"Journey {text}", ref=text)] if text else []
        return Search(found, problem="" if text else "Type the journey's id.")
    if not allows(role, SEARCH_PERMISSIONS[kind]):
        return Search([], problem=f"Your role cannot see {noun}s; type its id instead.")
    if not text:
        return Search([], problem=f"Type a few letters of the {noun}'s name, or its id.")
    exact = resolve(workspace, kind, text)
    found = [exact] if exact else []
    found += [t for t in _found(kind, workspace, text) if not exact or t.ref != exact.ref]
    if not found:
        return Search([], problem=f"No {noun} matches “{text}”.")
    return Search(found[:SEARCH_LIMIT], more=len(found) > SEARCH_LIMIT)


def linked_already(kind: str, target: Target) -> str:
    """Why a card cannot link to ``target`` again."""
    named = "" if kind == LinkKind.JOURNEY else f" ({target.label})"
    return f"the card already links to {LinkKind(kind).label.lower()} {target.ref}{named}"
