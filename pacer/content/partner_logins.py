"""Logins of partners deactivated before partner suspension existed (round 29).

Deactivating a partner now gives any of its logins that holds another role the partner
role back, so that the gate suspends every one of them, and revokes their API tokens
(``partners.set_active``). A partner deactivated before that kept such logins in their
other role (staff, marketer, even admin), getting in as before, with their tokens.

These people hold that role because an admin gave it to them, and an admin may mean to
keep them (a franchisee hired by the brand): the live deactivation names them on the
partner's page first, and never takes the last admin. So this is not a data migration,
which would cut them off unseen at an upgrade, but an admin's command (ADR 0011,
"Logins of partners deactivated before suspension"): ``pacer partner-logins`` lists
them, ``--apply`` suspends them as a deactivation does today, each audited.
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction

from pacer.content.models import Partner
from pacer.content.partners import other_role_logins
from pacer.core import actions as core
from pacer.core import audit
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, Workspace
from pacer.core.roles import Role


@dataclass
class Unsuspended:
    """A deactivated partner whose logins still get in: each with the role they hold."""

    partner: Partner
    logins: list[tuple[User, str]]
    inactive_since: str  # "2026-11-02", or how little is known


def _inactive_since(found: Partner) -> str:
    """The day of the partner's last deactivation in the audit log, if recorded."""
    entry = (
        AuditEntry.objects.filter(
            workspace_id=found.workspace_id,
            action="partner.deactivate",
            object_type="Partner",
            object_id=str(found.pk),
        )
        .order_by("-at", "-pk")
        .first()
    )
    return f"{entry.at:%Y-%m-%d}" if entry else "a day the audit log does not record"


def unsuspended(workspace: Workspace) -> list[Unsuspended]:
    """Every deactivated partner of ``workspace`` with logins holding another role."""
    found = []
    for partner in Partner.objects.filter(workspace=workspace, active=False).order_by("name"):
        logins = other_role_logins(partner)
        if logins:
            found.append(Unsuspended(partner, logins, _inactive_since(partner)))
    return found


@transaction.atomic
def suspend(entry: Unsuspended, *, actor=None, by: str = "command") -> list[str]:
    """Give each of the partner's logins that holds another role the partner role back
    (the gate then suspends them with the partner) and revoke its logins' API tokens,
    all or nothing; audited "suspended by command: partner inactive since …". Refused
    (``ValidationFailed`` naming ``role``) if it would take the workspace's last admin.
    Answers the usernames suspended."""
    found = Partner.objects.select_for_update().get(pk=entry.partner.pk)
    if found.active:
        raise ValidationFailed({"partner": f"{found.name} was reactivated: nothing to do"})
    names = []
    for user, _role in other_role_logins(found):
        core.set_role(found.workspace, user, Role.PARTNER, actor=actor)
        names.append(user.get_username())
    logins = list(found.members.values_list("user_id", flat=True))
    core.revoke_member_tokens(found.workspace, logins, actor=actor)
    audit.record(
        found.workspace,
        "partner.suspend_logins",
        found,
        actor=actor,
        before={"roles": {user.get_username(): role for user, role in entry.logins}},
        after={
            "suspended": names,
            "reason": f"suspended by {by}: partner inactive since {entry.inactive_since}",
        },
    )
    return names
