"""What the Members page (``pacer.core``) says of a partner's logins: of which partner,
and whether they are suspended with it (``DomainConfig.member_notes``)."""

from django.urls import reverse

from pacer.content.models import PartnerMember
from pacer.core.domains import MemberNote
from pacer.core.models import Workspace
from pacer.core.roles import Role


def member_notes(workspace: Workspace, memberships: list) -> dict[int, MemberNote]:
    """For the Members page: which members are a partner's logins, of which partner, and
    whether they are suspended with it, by user id (one query)."""
    logins = PartnerMember.objects.filter(
        workspace=workspace, user_id__in=[m.user_id for m in memberships]
    ).select_related("partner")
    partner_by_user = {login.user_id: login.partner for login in logins}
    notes = {}
    for membership in memberships:
        found = partner_by_user.get(membership.user_id)
        if found is None:
            continue
        url = reverse("partner", args=[found.pk])
        if membership.role != Role.PARTNER:
            warning = (
                f"Holds the {membership.role} role, so not suspended with {found.name} "
                "(deactivated): set the role to partner, or Remove login."
                if not found.active
                else f"Holds the {membership.role} role: deactivating {found.name} makes them "
                "a partner login again (Remove login first to keep them)."
            )
        elif not found.active:
            warning = f"Suspended: {found.name} is deactivated."
        else:
            warning = ""
        notes[membership.user_id] = MemberNote(f"Login of {found.name}", url, warning)
    return notes
