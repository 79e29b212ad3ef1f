"""Usage rights of an asset: whether a use on a day, in a territory, on a channel is
covered by the asset's own rights and by the talent releases of the people in it (pure;
the actions ask it when an asset is used, when content is scheduled and when another
domain asks ``selectors.check_asset_use``)."""

from datetime import date


def _covers(
    territories, channels, start, end, day: date, territory: str | None, channel: str
) -> bool:
    return (
        (not start or day >= start)
        and (not end or day <= end)
        and (territory is None or not territories or territory.upper() in territories)
        and (not channels or channel in channels)
    )


def release_problems(
    asset, releases, day: date, *, territory: str | None = "", channel: str = ""
) -> list[str]:
    """Why the talent releases do not cover the use: one reason per person none of whose
    releases covers it (``releases``: the asset's ``TalentRelease`` rows; ``territory``
    ``None``: any territory, not checked)."""
    by_person: dict[str, list] = {}
    for release in releases:
        by_person.setdefault(release.person, []).append(release)
    problems = []
    for person in sorted(by_person):
        held = by_person[person]
        if any(
            _covers(r.territories, r.channels, r.starts_on, r.ends_on, day, territory, channel)
            for r in held
        ):
            continue
        terms = "; ".join(_terms(r) for r in held)
        problems.append(
            f"'{asset.name}' shows {person}, whose release does not cover "
            f"{_where(territory)}, channel '{channel or 'none'}' "
            f"on {day} (it covers {terms})"
        )
    return problems


def _where(territory: str | None) -> str:
    if territory is None:
        return "any territory"
    return territory.upper() or "an unnamed territory"


def _terms(release) -> str:
    where = ", ".join(release.territories) or "worldwide"
    how = ", ".join(release.channels) or "any channel"
    return f"{where}, {how}, {release.starts_on or 'open'} to {release.ends_on or 'open'}"


def rights_problems(
    asset, day: date, *, territory: str | None = "", channel: str = "", releases=None
) -> list[str]:
    """Every reason ``asset`` may not be used on ``day`` in ``territory`` on ``channel``
    (empty when it may). ``releases`` defaults to the asset's talent releases; a
    ``territory`` of ``None`` is not checked (a share link made for no partner).

    Example: an asset licensed for US and CA until 2026-06-30 refuses a use in DE, or any
    use on 2026-07-01; empty territories or channels mean worldwide or any channel."""
    name = f"'{asset.name}'"
    problems = []
    if asset.status != "active":
        why = asset.withdrawn_reason or f"its rights ended {asset.rights_end}"
        problems.append(f"{name} is withdrawn ({why})")
    if asset.rights_start and day < asset.rights_start:
        problems.append(f"{name} may be used from {asset.rights_start}, not on {day}")
    if asset.rights_end and day > asset.rights_end:
        problems.append(f"{name} may be used until {asset.rights_end}, not on {day}")
    if territory is not None and asset.territories and territory.upper() not in asset.territories:
        where = _where(territory)
        problems.append(f"{name} is licensed for {', '.join(asset.territories)}, not {where}")
    if asset.channels and channel not in asset.channels:
        problems.append(
            f"{name} is licensed for channels {', '.join(asset.channels)}, not '{channel}'"
        )
    if releases is None:
        releases = asset.releases.all()
    problems += release_problems(asset, releases, day, territory=territory, channel=channel)
    return problems


def rights_problem(asset, day: date, *, territory: str = "", channel: str = "") -> str | None:
    """The first reason ``asset`` may not be used (``None`` when it may)."""
    found = rights_problems(asset, day, territory=territory, channel=channel)
    return found[0] if found else None


def lapsed(asset, day: date, releases=None) -> str | None:
    """Why ``asset`` may be used nowhere on ``day`` (withdrawn, its rights not yet begun
    or ended, or a person in it whose every release has ended), or ``None``. Partners'
    share links ask this: where they use it is theirs to check."""
    if asset.status != "active":
        return f"'{asset.name}' is withdrawn"
    if (asset.rights_start and day < asset.rights_start) or (
        asset.rights_end and day > asset.rights_end
    ):
        return f"the rights for '{asset.name}' do not cover {day}"
    if releases is None:
        releases = asset.releases.all()
    ends: dict[str, list] = {}
    for release in releases:
        ends.setdefault(release.person, []).append(release.ends_on)
    for person, days in sorted(ends.items()):
        if all(end is not None and end < day for end in days):
            return f"the release of {person} in '{asset.name}' has ended"
    return None
