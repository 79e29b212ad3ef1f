"""Share links as their makers see them: the state of each (open, expired, revoked or
withdrawn, and why), their download counts, and revoking one (for good: a revoked link
refuses every request, as an expired one). Making one: ``assets.share_collection`` and
``assets.share_asset``; what a link serves: ``share_views``."""

from django.db import transaction
from django.db.models import Count, QuerySet

from pacer.content.models import Partner, ShareDownload, ShareLink
from pacer.content.rights import lapsed
from pacer.core import audit, clock
from pacer.core.models import Workspace

OPEN, EXPIRED, REVOKED, WITHDRAWN = "open", "expired", "revoked", "withdrawn"


def links(workspace: Workspace) -> QuerySet[ShareLink]:
    """The workspace's share links, newest first, with their download and refusal counts."""
    return (
        ShareLink.objects.filter(workspace=workspace)
        .select_related("collection", "asset", "partner", "created_by", "revoked_by")
        .annotate(download_count=Count("downloads", distinct=True))
        .annotate(refusal_count=Count("refusals", distinct=True))
        .order_by("-created_at", "-pk")
    )


def link(workspace: Workspace, link_id: int) -> ShareLink | None:
    return links(workspace).filter(pk=link_id).first()


def state(found: ShareLink) -> tuple[str, str]:
    """(state, why) of a link now, by one rule: what lasts wins over what may pass.
    ``revoked`` (by whom; for good), else ``expired`` (when; for good), else ``withdrawn``
    (its partner deactivated, or else its one asset may be used nowhere: it works again
    when that ends, until it expires), else ``open``. Its maker reads both; the public
    address answers with the state only (``refusal``), never the why."""
    now = clock.now()
    if found.revoked_at is not None:
        who = found.revoked_by.get_username() if found.revoked_by else "system"
        return REVOKED, f"revoked by {who} on {found.revoked_at:%Y-%m-%d %H:%M} UTC"
    if found.expires_at <= now:
        return EXPIRED, f"expired on {found.expires_at:%Y-%m-%d %H:%M} UTC"
    if found.partner is not None and not found.partner.active:
        return WITHDRAWN, f"{found.partner.name} is deactivated"
    if found.asset is not None:
        problem = lapsed(found.asset, now.date())
        if problem:
            return WITHDRAWN, problem
    return OPEN, ""


def refusal(found: ShareLink) -> str | None:
    """What the link's public address refuses every request with: its ``state``
    (revoked, expired or withdrawn), or ``None`` while it is open."""
    standing, _ = state(found)
    return None if standing == OPEN else standing


def downloads_by_kind(found: ShareLink) -> dict[str, int]:
    """How many files were sent through the link, per rendition."""
    rows = (
        ShareDownload.objects.filter(link=found)
        .values("kind")
        .annotate(count=Count("pk"))
        .order_by("kind")
    )
    return {row["kind"]: row["count"] for row in rows}


@transaction.atomic
def revoke(found: ShareLink, *, actor=None, why: str = "") -> ShareLink:
    """Revoke a link: from now on it answers every request "revoked" (410), for good.
    Again: no change, no audit entry."""
    found = ShareLink.objects.select_for_update().get(pk=found.pk)
    if found.revoked_at is not None:
        return found
    found.revoked_at = clock.now()
    found.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    found.save(update_fields=["revoked_at", "revoked_by"])
    after = {"revoked_at": found.revoked_at.isoformat(), **({"why": why} if why else {})}
    audit.record(found.workspace, "asset.share_revoke", found, actor=actor, after=after)
    return found


def open_links(partner: Partner) -> list[ShareLink]:
    """The partner's links not revoked and not expired (what removing it revokes)."""
    rows = partner.links.filter(revoked_at__isnull=True, expires_at__gt=clock.now())
    return list(rows.select_related("collection", "asset").order_by("-created_at", "-pk"))
