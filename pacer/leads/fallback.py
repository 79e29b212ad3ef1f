"""Fallback owners: the member who takes a lead nobody else can (every agent of its pools
away, off shift or at their cap once its assignment tries are spent, or at a
re-assignment or an away hand-over with nobody free), per location, else the workspace's
("" location). The rotation never gives them leads otherwise. A fallback owner away
(time off) or no longer a member is passed over; without one the lead's managers are
alerted (``pacer.leads.notices.alert_unowned``), so no lead waits unowned silently.

Every write validates first, refuses with the field named and writes nothing; each is
audited.
"""

from datetime import datetime

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Membership, Workspace
from pacer.leads import selectors
from pacer.leads.models import Agent, FallbackOwner
from pacer.people.selectors import locations


def owners(workspace: Workspace, now: datetime) -> dict[int | None, int]:
    """The user id of each location's fallback owner (None: every other location), those
    away at ``now`` or no longer members left out."""
    found = dict(
        FallbackOwner.objects.filter(workspace=workspace).values_list("location_id", "user_id")
    )
    members = set(
        Membership.objects.filter(workspace=workspace, user_id__in=found.values()).values_list(
            "user_id", flat=True
        )
    )
    away = set(
        Agent.objects.filter(
            workspace=workspace, user_id__in=found.values(), away_until__gt=now
        ).values_list("user_id", flat=True)
    )
    return {place: user for place, user in found.items() if user in members - away}


@transaction.atomic
def set_owner(workspace: Workspace, location: str, user: str, *, actor=None) -> None:
    """Make ``user`` (a member's username) the fallback owner of ``location`` (a location
    code; "" for every location without its own), replacing the one it has; an empty
    ``user`` removes it (refused when there is none)."""
    errors: dict[str, str] = {}
    code = check_text(errors, "location", location, 60)
    codes = {loc.code: loc.pk for loc in locations(workspace)}
    if code and "location" not in errors and code not in codes:
        errors["location"] = f"no location '{code}' in this workspace"
    username = check_text(errors, "user", user, 150)
    member = None
    if username and "user" not in errors:
        member = Membership.objects.filter(workspace=workspace, user__username=username).first()
        if member is None:
            errors["user"] = f"no member '{username}' in this workspace"
        elif refusal := selectors.not_a_worker(username, member.role):
            errors["user"] = refusal
    if errors:
        raise ValidationFailed(errors)
    location_id = codes.get(code)
    row = (
        FallbackOwner.objects.select_for_update()
        .filter(workspace=workspace, location_id=location_id)
        .first()
    )
    before = {"location": code, "user": row.user.username} if row else None
    if member is None:
        if row is None:
            raise ValidationFailed({"location": "has no fallback owner to remove"})
        audit.record(workspace, "leads.fallback.remove", row, actor=actor, before=before)
        row.delete()
        return
    row = row or FallbackOwner(workspace=workspace, location_id=location_id)
    row.user_id = member.user_id
    row.save()
    audit.record(
        workspace,
        "leads.fallback",
        row,
        actor=actor,
        before=before,
        after={"location": code, "user": username},
    )


def owner_rows(workspace: Workspace) -> list[dict]:
    """Every fallback owner as ``{location, location_name, user, name}`` (``location`` a
    code, "" for every other location), the every-location one first."""
    places = {loc.pk: loc for loc in locations(workspace)}
    rows = [
        {
            "location": places[row.location_id].code if row.location_id else "",
            "location_name": places[row.location_id].name
            if row.location_id
            else "Every other location",
            "user": row.user.username,
            "member": row.user,
        }
        for row in FallbackOwner.objects.filter(workspace=workspace).select_related("user")
        if row.location_id is None or row.location_id in places
    ]
    return sorted(rows, key=lambda row: (row["location"] != "", row["location_name"]))
