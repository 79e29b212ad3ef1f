"""Writes in the core domain: workspaces, members and their roles, API keys."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from pacer.core import audit
from pacer.core.errors import ValidationFailed, check_text, require
from pacer.core.models import ApiKey, ApiKeyKind, Invitation, Membership, Role, Workspace

KEY_PREFIXES = {ApiKeyKind.WRITE: "pw_", ApiKeyKind.PERSONAL: "pt_"}
INVITATION_DAYS = 7
USERNAME = re.compile(r"^[\w.@+-]+$")


def digest_secret(secret: str) -> str:
    """The SHA-256 hex digest under which a key is stored and looked up."""
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def create_workspace(name: str, *, slug: str = "", currency: str = "USD", actor=None) -> Workspace:
    """Create a workspace; the acting user, if any, becomes its admin."""
    errors: dict[str, str] = {}
    name = check_text(errors, "name", name, 200, required=True)
    slug = check_text(errors, "slug", slug, 60)
    if errors:
        raise ValidationFailed(errors)
    slug = slug or slugify(name)[:60]
    require(bool(slug), "slug", "must contain letters or digits")
    require(not Workspace.objects.filter(slug=slug).exists(), "slug", f"'{slug}' is already taken")
    require(len(currency) == 3 and currency.isalpha(), "currency", "must be a 3-letter ISO code")
    workspace = Workspace.objects.create(name=name, slug=slug, currency=currency.upper())
    audit.record(
        workspace, "workspace.create", workspace, actor=actor, after=audit.snapshot(workspace)
    )
    if getattr(actor, "is_authenticated", False):
        set_role(workspace, actor, Role.ADMIN, actor=actor)
    return workspace


@transaction.atomic
def set_role(workspace: Workspace, user: User, role: str, *, actor=None) -> Membership:
    """Give ``user`` ``role`` in ``workspace`` and mirror it as the Django group of that name.

    Refused naming ``role`` when a domain says the person may not hold it
    (``permissions.role_refusal``: a partner's login keeps the partner role, and a login of
    a deactivated partner neither changes role nor joins again)."""
    require(role in Role.values, "role", f"must be one of {', '.join(Role.values)}")
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    if membership is None or membership.role != role:
        from pacer.core.permissions import role_refusal  # it reads selectors, which read us

        refused = role_refusal(workspace, user, role)
        require(not refused, "role", refused)
    return _give_role(workspace, user, role, membership, actor=actor)


def _give_role(
    workspace: Workspace, user: User, role: str, membership: Membership | None, *, actor
) -> Membership:
    """``set_role`` once the role may be given (``membership``: the user's, or ``None``)."""
    if membership is not None and membership.role == Role.ADMIN and role != Role.ADMIN:
        _keep_an_admin(workspace, user)
    before = audit.snapshot(membership) if membership else None
    if membership is None:
        membership = Membership.objects.create(workspace=workspace, user=user, role=role)
    else:
        membership.role = role
        membership.save(update_fields=["role"])
    _mirror_groups(user)
    audit.record(
        workspace,
        "membership.set_role",
        membership,
        actor=actor,
        before=before,
        after=audit.snapshot(membership),
    )
    return membership


def _keep_an_admin(workspace: Workspace, leaving: User) -> None:
    others = Membership.objects.filter(workspace=workspace, role=Role.ADMIN).exclude(user=leaving)
    require(others.exists(), "role", "the workspace must keep at least one admin")


def _mirror_groups(user: User) -> None:
    """The user's Django groups are the roles they hold in any workspace."""
    roles_held = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    if len(groups) < len(Role.values):
        Group.objects.bulk_create(
            [Group(name=value) for value in Role.values if value not in groups],
            ignore_conflicts=True,
        )
        groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    user.groups.remove(*(groups[value] for value in Role.values if value not in roles_held))
    user.groups.add(*(groups[value] for value in Role.values if value in roles_held))


@transaction.atomic
def remove_member(workspace: Workspace, user: User, *, actor=None) -> None:
    """Take ``user`` out of ``workspace`` (their login stays); never the last admin."""
    membership = Membership.objects.filter(workspace=workspace, user=user).first()
    require(membership is not None, "user", "is not a member of this workspace")
    if membership.role == Role.ADMIN:
        _keep_an_admin(workspace, user)
    before = audit.snapshot(membership)
    membership.delete()
    _mirror_groups(user)
    revoke_member_tokens(workspace, [user.pk], actor=actor)
    audit.record(workspace, "membership.remove", user, actor=actor, before=before)


@dataclass(frozen=True)
class NewLogin:
    """A login checked and its password hashed (``prepare_login``), ready to write."""

    username: str
    email: str
    password_hash: str


def prepare_login(
    username: str, password: str, *, email: str = "", role: str | None = None
) -> NewLogin:
    """Check a new login's fields (every refusal at once; ``role`` too unless None), then
    hash its password. Called before any transaction: the hash is the slow part (PBKDF2,
    a million rounds, 0.2–3 s of CPU on a loaded machine), and a transaction that
    contained it would hold SQLite's write lock all that time."""
    errors = {}
    username = User.normalize_username(username.strip())
    if not username:
        errors["username"] = "must not be empty"
    elif len(username) > 150 or not USERNAME.match(username):
        errors["username"] = "use at most 150 letters, digits and @ . + - _"
    elif User.objects.filter(username=username).exists():
        errors["username"] = _taken(username)
    try:
        validate_password(password, User(username=username, email=email))
    except DjangoValidationError as error:
        errors["password"] = " ".join(error.messages)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors["email"] = "is not a valid email address"
    if role is not None and role not in Role.values:
        errors["role"] = _no_such_role()
    if errors:
        raise ValidationFailed(errors)
    return NewLogin(username, User.objects.normalize_email(email), make_password(password))


def _taken(username: str) -> str:
    return f"'{username}' is already taken; choose another"


def _no_such_role() -> str:
    return f"must be one of {', '.join(Role.values)}"


@transaction.atomic
def add_login(workspace: Workspace, login: NewLogin, role: str, *, actor=None) -> User:
    """Write a prepared login with its role in the workspace: a short transaction (a
    name taken since it was prepared is refused)."""
    require(role in Role.values, "role", _no_such_role())
    require(
        not User.objects.filter(username=login.username).exists(),
        "username",
        _taken(login.username),
    )
    user = User(username=login.username, email=login.email, password=login.password_hash)
    user.save()
    _give_role(workspace, user, role, None, actor=actor)  # a new login: no domain holds it
    return user


def create_user(
    workspace: Workspace, username: str, password: str, role: str, *, email: str = "", actor=None
) -> User:
    """Create a login for a person and give them a role in the workspace: checked and
    hashed first, then written in a transaction of its own (``prepare_login``,
    ``add_login``). Called inside a caller's transaction, the hash is inside that one:
    such a caller prepares the login before it opens its transaction."""
    login = prepare_login(username, password, email=email, role=role)
    return add_login(workspace, login, role, actor=actor)


@transaction.atomic
def issue_api_key(
    workspace: Workspace, kind: str, name: str, *, user: User | None = None, actor=None
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is shown once and never stored.
    A personal token is refused, naming ``user`` and why, to a suspended member (the gate
    would refuse it at every use: ``permissions.suspension``)."""
    require(kind in ApiKeyKind.values, "kind", f"must be one of {', '.join(ApiKeyKind.values)}")
    require(bool(name.strip()), "name", "must not be empty")
    if kind == ApiKeyKind.PERSONAL:
        require(user is not None, "user", "a personal token belongs to a user")
        membership = Membership.objects.filter(workspace=workspace, user=user).first()
        require(membership is not None, "user", "is not a member of this workspace")
        from pacer.core.permissions import suspension  # it reads selectors, which read us

        refused = suspension(workspace, user, membership.role)
        require(not refused, "user", f"gets no token while suspended: {refused}")
    secret = KEY_PREFIXES[kind] + secrets.token_urlsafe(24)
    key = ApiKey.objects.create(
        workspace=workspace,
        kind=kind,
        user=user,
        name=name.strip(),
        prefix=secret[:10],
        digest=digest_secret(secret),
    )
    audit.record(
        workspace,
        "api_key.issue",
        key,
        actor=actor,
        after=audit.snapshot(key, ["kind", "name", "prefix"]),
    )
    return key, secret


@transaction.atomic
def revoke_api_key(key: ApiKey, *, actor=None) -> ApiKey:
    """Stop a key from working; the row stays for the audit trail."""
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(key.workspace, "api_key.revoke", key, actor=actor)
    return key


@transaction.atomic
def revoke_member_tokens(workspace: Workspace, user_ids: list[int], *, actor=None) -> int:
    """Revoke every unrevoked personal token of these users in ``workspace`` (each an
    audit entry); answers how many."""
    keys = ApiKey.objects.filter(workspace=workspace, user_id__in=user_ids, revoked_at=None)
    revoked = 0
    for key in keys.select_related("workspace").order_by("pk"):
        revoke_api_key(key, actor=actor)
        revoked += 1
    return revoked


@transaction.atomic
def rotate_api_key(key: ApiKey, *, actor=None) -> tuple[ApiKey, str]:
    """Replace a key by a new one of the same kind and name, revoking the old one.

    A personal token is rotated only by its owner (anyone else would learn a secret that
    acts as that person); admins revoke other people's tokens instead.
    """
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    require(key.revoked_at is None, "key", "is revoked; issue a new key instead")
    if key.kind == ApiKeyKind.PERSONAL:
        require(
            getattr(actor, "pk", None) == key.user_id,
            "key",
            "a personal token is rotated by its owner; revoke it instead",
        )
    revoke_api_key(key, actor=actor)
    return issue_api_key(key.workspace, key.kind, key.name, user=key.user, actor=actor)


@transaction.atomic
def invite(
    workspace: Workspace, role: str, *, note: str = "", actor=None
) -> tuple[Invitation, str]:
    """An invitation to join ``workspace`` as ``role``; returns it with its token, which is
    shown once (the link to share) and never stored."""
    require(role in Role.values, "role", f"must be one of {', '.join(Role.values)}")
    require(len(note) <= 200, "note", "must be at most 200 characters")
    token = "pi_" + secrets.token_urlsafe(24)
    invitation = Invitation.objects.create(
        workspace=workspace,
        role=role,
        note=note.strip(),
        digest=digest_secret(token),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit.record(
        workspace,
        "invitation.create",
        invitation,
        actor=actor,
        after=audit.snapshot(invitation, ["role", "note", "expires_at"]),
    )
    return invitation, token


def _usable_invitation(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("workspace")
        .filter(digest=digest_secret(token or ""))
        .first()
    )
    usable = (
        invitation is not None
        and invitation.accepted_at is None
        and invitation.revoked_at is None
        and invitation.expires_at > timezone.now()
    )
    require(usable, "invitation", "this invitation link is not valid any more; ask for a new one")
    return invitation


@transaction.atomic
def accept_invitation(token: str, user: User) -> Membership:
    """Join the invitation's workspace with its role (once; the invitation is used up)."""
    invitation = _usable_invitation(token)
    require(
        not Membership.objects.filter(workspace=invitation.workspace, user=user).exists(),
        "invitation",
        "you are already a member of this workspace",
    )
    membership = set_role(invitation.workspace, user, invitation.role, actor=user)
    invitation.accepted_by, invitation.accepted_at = user, timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    audit.record(invitation.workspace, "invitation.accept", invitation, actor=user)
    return membership


def join_with_new_login(token: str, username: str, password: str, *, email: str = "") -> User:
    """Create a login for the invitation's holder and accept it, or change nothing. The
    password is hashed before the transaction (``prepare_login``)."""
    login = prepare_login(username, password, email=email)
    with transaction.atomic():
        invitation = _usable_invitation(token)
        user = add_login(invitation.workspace, login, invitation.role)
        invitation.accepted_by, invitation.accepted_at = user, timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        audit.record(invitation.workspace, "invitation.accept", invitation, actor=user)
    return user


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor=None) -> Invitation:
    """Revoke an invitation not yet used, or change nothing. The row is read again under a
    lock, so an invitation accepted since ``invitation`` was loaded stays accepted."""
    invitation = (
        Invitation.objects.select_for_update().select_related("workspace").get(pk=invitation.pk)
    )
    if invitation.revoked_at is None and invitation.accepted_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(invitation.workspace, "invitation.revoke", invitation, actor=actor)
    return invitation
