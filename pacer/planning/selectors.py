"""Reads for campaigns and spend."""

from datetime import date

from pacer.core.models import Workspace
from pacer.planning.models import Campaign, SpendEntry


def has_spend(workspace: Workspace) -> bool:
    return SpendEntry.objects.filter(workspace=workspace).exists()


def campaigns(workspace: Workspace) -> list[Campaign]:
    return list(Campaign.objects.filter(workspace=workspace).order_by("key"))


def spend(workspace: Workspace, start: date, end: date, *, channel: str = "") -> list[dict]:
    """Spend rows between two days (inclusive), oldest first, naming campaign and location."""
    rows = SpendEntry.objects.filter(workspace=workspace, day__gte=start, day__lte=end)
    if channel:
        rows = rows.filter(channel=channel)
    return [
        {
            "day": day,
            "channel": ch,
            "campaign": campaign or "",
            "location": location or "",
            "amount": float(amount),
        }
        for day, ch, campaign, location, amount in rows.order_by("day", "id").values_list(
            "day", "channel", "campaign__key", "location__code", "amount"
        )
    ]
