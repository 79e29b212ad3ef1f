"""Reads in the core domain."""

from django.contrib.auth.models import User
from django.utils import timezone

from pacer.core.actions import digest_secret
from pacer.core.key_lookup import unrevoked_key
from pacer.core.models import ApiKey, ApiKeyKind, AuditEntry, Invitation, Membership, Workspace


def active_key(secret: str, kind: str) -> ApiKey | None:
    """The unrevoked key of ``kind`` whose secret is ``secret``, with its workspace and user."""
    return unrevoked_key(digest_secret(secret), kind) if secret else None


def active_personal_key(secret: str) -> ApiKey | None:
    """The unrevoked personal token whose secret is ``secret``, with its workspace, its
    user and ``member_role``: the user's role in the workspace now, None once they are no
    longer a member. One query (a token is checked at every API call)."""
    return active_key(secret, ApiKeyKind.PERSONAL)


def workspace_for_write_key(secret: str) -> Workspace | None:
    key = active_key(secret, ApiKeyKind.WRITE)
    return key.workspace if key else None


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships with their workspaces, by workspace name."""
    return list(
        Membership.objects.filter(user=user).select_related("workspace").order_by("workspace__name")
    )


def members(workspace: Workspace) -> list[Membership]:
    return list(
        Membership.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__username")
    )


def role_of(user: User, workspace: Workspace) -> str | None:
    return (
        Membership.objects.filter(user=user, workspace=workspace)
        .values_list("role", flat=True)
        .first()
    )


def audit_trail(
    workspace: Workspace, *, object_type: str = "", object_id: str = "", limit: int = 100
):
    entries = AuditEntry.objects.filter(workspace=workspace)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    return list(entries.select_related("actor")[:limit])


def invitation_by_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("workspace")
        .filter(digest=digest_secret(token or ""))
        .first()
    )


def pending_invitations(workspace: Workspace) -> list[Invitation]:
    return list(
        Invitation.objects.filter(
            workspace=workspace,
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )
        .select_related("created_by")
        .order_by("-created_at")
    )
