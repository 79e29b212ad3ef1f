"""Removing a partner: it leaves every list, page and API answer, and what it had is
ended explicitly, in one transaction (all or nothing):

- each of its share links still open (not expired, not revoked) is revoked (an
  ``asset.share_revoke`` audit entry each): its address answers "revoked" (410) for good;
- each of its logins is taken off it as **Remove login** does (``partners.remove_login``:
  out of the workspace if the partner role is what they hold there, their API tokens
  revoked; a ``partner.login_remove`` and ``membership.remove`` entry each);
- one ``partner.remove`` entry names the links revoked and the logins removed.

A soft removal: the row stays (``removed_at``), deactivated, so its download log (who
got which file), the audit trail, the "revoked" state of its links and the withdrawal
notices to its contacts about assets it downloaded keep their partner; its name and key
are free for a new partner. A delete would cascade over that history."""

from dataclasses import dataclass, field

from django.db import transaction

from pacer.content import partners, share_links
from pacer.content.models import Partner, ShareLink
from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed
from pacer.core.roles import Role
from pacer.core.selectors import role_of


@dataclass
class RemovedLogin:
    user_id: int
    username: str
    left_workspace: bool


@dataclass
class Removal:
    """What removing a partner does (``preview``) or did (``remove_partner``)."""

    partner: Partner
    links: list[ShareLink] = field(default_factory=list)
    logins: list[RemovedLogin] = field(default_factory=list)


def preview(found: Partner) -> Removal:
    """What removing ``found`` would do now: the open links revoked, the logins taken off
    (and whether each leaves the workspace)."""
    members = found.members.select_related("user").order_by("user__username")
    logins = [
        RemovedLogin(
            member.user_id,
            member.user.get_username(),
            role_of(member.user, found.workspace) == Role.PARTNER,
        )
        for member in members
    ]
    return Removal(found, share_links.open_links(found), logins)


@transaction.atomic
def remove_partner(found: Partner, *, confirm, actor=None) -> Removal:
    """Remove a partner, after ``confirm`` names it (refused naming ``confirm``, nothing
    changed); see the module. Answers what was done."""
    if not isinstance(confirm, str) or confirm.strip() != found.name:
        raise ValidationFailed({"confirm": f"type the partner's name, {found.name}, to remove it"})
    found = Partner.objects.select_for_update().get(pk=found.pk)
    if found.removed_at is not None:
        raise ValidationFailed({"partner": f"{found.name} was already removed"})
    done = preview(found)
    for link in done.links:
        share_links.revoke(link, actor=actor, why=f"partner {found.name} removed")
    for login in done.logins:
        partners.remove_login(found, login.user_id, actor=actor)
    found.active = False
    found.removed_at = clock.now()
    found.removed_by = actor if getattr(actor, "is_authenticated", False) else None
    found.save(update_fields=["active", "removed_at", "removed_by"])
    audit.record(
        found.workspace,
        "partner.remove",
        found,
        actor=actor,
        before={"name": found.name, "key": found.key},
        after={
            "links_revoked": [link.pk for link in done.links],
            "logins_removed": [login.username for login in done.logins],
            "left_workspace": [login.username for login in done.logins if login.left_workspace],
        },
    )
    done.partner = found
    return done


def removed(workspace) -> list[Partner]:
    """The workspace's removed partners, latest first, for the partner list."""
    rows = Partner.objects.filter(workspace=workspace, removed_at__isnull=False)
    return list(rows.select_related("removed_by").order_by("-removed_at", "-pk")[:50])
