"""A download through a working share link that the asset's rights refused (ADR 0011,
step 5): logged, counted on the collection's page, and its makers told.

The person who made the link and the asset's owner (each with an address; one email when
they are the same person) get one email per link per day (UTC): the outbox key holds the
link, the day and the person, so a partner retrying all afternoon sends one. It names the
asset, the reason the partner was given and the collection's page, where every refusal is
counted and the latest listed with their reasons; the day's later refusals are logged and
counted only."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from pacer.content.models import Asset, Collection, ShareLink, ShareRefusal
from pacer.core import clock, outbox


@transaction.atomic
def record_refusal(
    link: ShareLink, asset: Asset, kind: str, channel: str, reason: str
) -> ShareRefusal:
    """Log a download through ``link`` that the asset's rights refused (nothing sent) and
    queue the day's email to the link's maker and the asset's owner; ``channel`` and
    ``reason`` may hold what the address asked for, so a NUL (which PostgreSQL cannot
    store) is dropped."""
    refusal = ShareRefusal.objects.create(
        workspace_id=link.workspace_id,
        link=link,
        asset=asset,
        kind=kind[:20],
        channel=channel.replace("\x00", "")[:40],
        reason=reason.replace("\x00", "")[:500],
        refused_at=clock.now(),
    )
    _tell_makers(link, asset, refusal)
    return refusal


def _tell_makers(link: ShareLink, asset: Asset, refusal: ShareRefusal) -> None:
    day = refusal.refused_at.date().isoformat()
    told = {user.pk: user for user in (link.created_by, asset.owner) if user and user.email}
    if link.asset_id is not None:
        page = settings.BASE_URL + reverse("asset-detail", args=[link.asset_id])
    else:
        page = settings.BASE_URL + reverse("collection", args=[link.collection_id])
    whom = f" (for {link.partner.name})" if link.partner_id else ""
    for user in told.values():
        outbox.queue(
            link.workspace,
            key=f"content.share-refused:{link.pk}:{day}:{user.pk}",
            to=user.email,
            subject=f"A download of '{asset.name}' through '{link.label}' was refused",
            body=(
                f"Someone with the share link '{link.label}'{whom} asked for '{asset.name}' "
                f"on {day} and was refused: {refusal.reason}. Nothing was sent.\n\n"
                "Change the asset's rights or make a link that fits them if the partner "
                f"should have it. Every refusal is counted on the link's page: {page}\n"
                "You get this email once a day per link.\n"
            ),
            source="content.share",
        )


RECENT = 20  # refusals the collection's page lists


def recent_refusals(collection: Collection) -> list[ShareRefusal]:
    """The collection's latest refused downloads, newest first, for its page (the e-mail
    sends the reader there)."""
    rows = ShareRefusal.objects.filter(
        workspace_id=collection.workspace_id, link__collection=collection
    )
    return list(rows.select_related("link", "asset").order_by("-refused_at", "-pk")[:RECENT])
