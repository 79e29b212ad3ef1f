"""What a card's link points at: each kind is checked against its own domain's selectors
when the link is made (an id that names nothing there is refused), and shown with its
name and page. Journeys have no domain of their own yet, so their ids are kept as given."""

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

from pacer.core.models import Workspace
from pacer.work.models import LinkKind


@dataclass(frozen=True)
class Target:
    label: str
    url: str = ""


def _number(target_id: str) -> int | None:
    return int(target_id) if target_id.isdecimal() and len(target_id) < 19 else None


def _campaign(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.planning import selectors

    number = _number(target_id)
    found = selectors.campaign(workspace, number) if number else None
    found = found or selectors.campaign_by_key(workspace, target_id)
    if found is None:
        return None
    return Target(found.name, reverse("campaign-detail", args=[found.pk]))


def _content(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.content import selectors

    number = _number(target_id)
    found = selectors.item(workspace, number) if number else None
    return Target(found.title, reverse("content-item", args=[found.pk])) if found else None


def _asset(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.content import selectors

    number = _number(target_id)
    found = selectors.asset(workspace, number) if number else None
    return Target(found.name, reverse("asset-detail", args=[found.pk])) if found else None


def _lead(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.leads import selectors

    number = _number(target_id)
    found = selectors.lead(workspace, number) if number else None
    return Target(f"Lead {found.pk}", reverse("lead-detail", args=[found.pk])) if found else None


def _message(workspace: Workspace, target_id: str) -> Target | None:
    from pacer.messaging import selectors

    number = _number(target_id)
    found = selectors.broadcast(workspace, number) if number else None
    return Target(found.name, reverse("broadcast", args=[found.pk])) if found else None


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
        return Target(f"Journey {target_id}")
    return resolver(workspace, target_id)
