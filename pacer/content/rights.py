"""Usage rights of an asset: whether a use on a day, in a territory, on a channel is
covered (pure; the actions ask it when an asset is used and when content is scheduled)."""

from datetime import date


def rights_problem(asset, day: date, *, territory: str = "", channel: str = "") -> str | None:
    """Why ``asset`` may not be used on ``day`` (``None`` when it may).

    Example: an asset licensed for US and CA until 2026-06-30 refuses a use in DE, or any
    use on 2026-07-01; empty territories or channels mean worldwide or any channel."""
    name = f"'{asset.name}'"
    if asset.status != "active":
        return f"{name} is withdrawn (its rights ended {asset.rights_end})"
    if asset.rights_start and day < asset.rights_start:
        return f"{name} may be used from {asset.rights_start}, not on {day}"
    if asset.rights_end and day > asset.rights_end:
        return f"{name} may be used until {asset.rights_end}, not on {day}"
    if asset.territories and territory.upper() not in asset.territories:
        where = territory.upper() or "an unnamed territory"
        return f"{name} is licensed for {', '.join(asset.territories)}, not {where}"
    if asset.channels and channel not in asset.channels:
        return f"{name} is licensed for channels {', '.join(asset.channels)}, not '{channel}'"
    return None
