"""Workspaces, logins, roles and keys at their edges: every refusal in its own words with
nothing written, what is stored exactly, and what the audit log says (found by mutation
testing: docs/testing.md)."""

import hashlib

import pytest
from django.contrib.auth.models import User

from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import ApiKey, AuditEntry, Membership, Role, Workspace

pytestmark = pytest.mark.django_db


def _groups(user):
    return sorted(user.groups.values_list("name", flat=True))


def test_a_workspace_is_named_slugged_and_priced_as_given(db):
    workspace = actions.create_workspace("  Café Örebro & Co  ", currency="sek")
    workspace.refresh_from_db()
    assert (workspace.name, workspace.slug, workspace.currency) == (
        "Café Örebro & Co",
        "cafe-orebro-co",
        "SEK",
    )
    assert actions.create_workspace("Plain").currency == "USD"


def test_a_workspace_slug_from_a_long_name_keeps_60_characters(db):
    workspace = actions.create_workspace("a" * 70)
    assert workspace.slug == "a" * 60


def test_a_given_slug_is_used_as_given(db):
    assert actions.create_workspace("Acme", slug="acme-east").slug == "acme-east"


@pytest.mark.parametrize(
    "name, slug, currency, errors",
    [
        ("", "", "USD", {"name": "must not be empty"}),
        ("   ", "", "USD", {"name": "must not be empty"}),
        (None, "", "USD", {"name": "must not be empty"}),
        ("!!!", "", "USD", {"slug": "must contain letters or digits"}),
        ("X", "", "US", {"currency": "must be a 3-letter ISO code"}),
        ("X", "", "USDX", {"currency": "must be a 3-letter ISO code"}),
        ("X", "", "US1", {"currency": "must be a 3-letter ISO code"}),
        # NUL (PostgreSQL cannot store it: a 500 from the page) and lengths (SQLite kept
        # a 100,000-character name), found by a hostile-input walk of the demo's forms
        ("a\x00b", "", "USD", {"name": "must not contain NUL characters"}),
        ("x" * 201, "", "USD", {"name": "must be at most 200 characters"}),
        ("X", "s" * 61, "USD", {"slug": "must be at most 60 characters"}),
    ],
)
def test_a_workspace_refused_names_its_field_and_is_not_made(name, slug, currency, errors):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_workspace(name, slug=slug, currency=currency)
    assert refused.value.errors == errors
    assert not Workspace.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_creator_of_a_workspace_becomes_its_admin_and_both_are_audited(workspace, admin):
    made = actions.create_workspace("Beta", actor=admin)
    assert Membership.objects.get(workspace=made, user=admin).role == Role.ADMIN
    created = AuditEntry.objects.get(workspace=made, action="workspace.create")
    assert (created.actor, created.actor_label) == (admin, "ada")
    assert (created.object_type, created.object_id) == ("Workspace", str(made.pk))
    assert created.before is None
    assert {k: created.after[k] for k in ("name", "slug", "currency")} == {
        "name": "Beta",
        "slug": "beta",
        "currency": "USD",
    }
    role = AuditEntry.objects.get(workspace=made, action="membership.set_role")
    assert role.actor == admin and role.before is None and role.after["role"] == Role.ADMIN
    # made by the system (no actor): no member
    system_made = actions.create_workspace("Gamma")
    assert not Membership.objects.filter(workspace=system_made).exists()


def test_a_role_not_known_is_refused_and_changes_nothing(workspace, admin):
    with pytest.raises(ValidationFailed) as refused:
        actions.set_role(workspace, admin, "owner")
    assert refused.value.errors == {
        "role": "must be one of admin, marketer, analyst, staff, partner"
    }
    assert Membership.objects.get(user=admin).role == Role.ADMIN
    assert _groups(admin) == [Role.ADMIN]
    assert not AuditEntry.objects.filter(action="membership.set_role", before__isnull=False)


def test_a_new_member_is_audited_with_nothing_before_and_its_workspace_and_user_after(
    workspace, admin
):
    other = actions.create_workspace("Other", slug="other")
    membership = actions.set_role(other, admin, Role.STAFF, actor=admin)
    entry = AuditEntry.objects.get(workspace=other, action="membership.set_role")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        admin,
        "Membership",
        str(membership.pk),
    )
    assert entry.before is None
    assert {k: entry.after[k] for k in ("workspace", "user", "role")} == {
        "workspace": other.pk,
        "user": admin.pk,
        "role": Role.STAFF,
    }
    # the same admin in two workspaces holds both roles' groups
    assert _groups(admin) == sorted([Role.ADMIN, Role.STAFF])


def test_an_admin_may_be_demoted_while_another_admin_stays(workspace, admin):
    second = actions.create_user(workspace, "bo", "long-password-1", Role.ADMIN)
    actions.set_role(workspace, admin, Role.ANALYST, actor=second)
    assert Membership.objects.get(user=admin).role == Role.ANALYST
    assert _groups(admin) == [Role.ANALYST]
    entry = AuditEntry.objects.get(
        action="membership.set_role",
        object_id=str(Membership.objects.get(user=admin).pk),
        before__isnull=False,
    )
    assert (entry.before["role"], entry.after["role"], entry.actor) == (
        Role.ADMIN,
        Role.ANALYST,
        second,
    )


def test_a_new_login_is_stored_as_given_with_its_role(workspace, admin):
    user = actions.create_user(
        workspace,
        "  mia.k+1@x-y_z  ",
        "long-password-1",
        Role.STAFF,
        email="mia@x.com",
        actor=admin,
    )
    user = User.objects.get(pk=user.pk)
    assert (user.username, user.email) == ("mia.k+1@x-y_z", "mia@x.com")
    assert user.check_password("long-password-1")
    assert Membership.objects.get(user=user).role == Role.STAFF
    assert _groups(user) == [Role.STAFF]
    entry = AuditEntry.objects.get(action="membership.set_role", after__user=user.pk)
    assert entry.actor == admin
    assert actions.create_user(workspace, "u" * 150, "long-password-1", Role.STAFF)


@pytest.mark.parametrize(
    "username, password, email, role, errors",
    [
        ("u" * 151, "long-password-1", "", "staff", "username"),
        ("mia k", "long-password-1", "", "staff", "username"),
        ("mia!", "long-password-1", "", "staff", "username"),
        ("ada", "long-password-1", "", "staff", "taken"),
        ("mia", "long-password-1", "not-an-email", "staff", "email"),
        ("mia", "12345678", "", "staff", "password"),
        ("mia", "long-password-1", "", "owner", "role"),
    ],
)
def test_a_login_refused_names_its_field_in_its_own_words_and_makes_nothing(
    workspace, admin, username, password, email, role, errors
):
    expected = {
        "username": {"username": "use at most 150 letters, digits and @ . + - _"},
        "taken": {"username": "'ada' is already taken; choose another"},
        "email": {"email": "is not a valid email address"},
        "password": {"password": "This password is too common. This password is entirely numeric."},
        "role": {"role": "must be one of admin, marketer, analyst, staff, partner"},
    }[errors]
    users, members = User.objects.count(), Membership.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_user(workspace, username, password, role, email=email)
    assert refused.value.errors == expected
    assert (User.objects.count(), Membership.objects.count()) == (users, members)


def test_a_password_like_the_username_or_email_is_refused(workspace):
    with pytest.raises(ValidationFailed) as refused:
        actions.create_user(
            workspace, "marjolaine", "marjolaine1", Role.STAFF, email="zz@example.com"
        )
    assert refused.value.errors == {"password": "The password is too similar to the username."}
    with pytest.raises(ValidationFailed) as refused:
        actions.create_user(
            workspace, "kim", "quentinwhistle", Role.STAFF, email="quentinwhistle@example.com"
        )
    assert refused.value.errors == {"password": "The password is too similar to the email address."}
    assert not User.objects.exists()


def test_a_key_is_stored_by_its_digest_under_its_trimmed_name_and_audited(workspace, admin):
    key, secret = actions.issue_api_key(workspace, "write", "  website  ", actor=admin)
    key = ApiKey.objects.get(pk=key.pk)
    assert secret.startswith("pw_") and len(secret) == 3 + 32
    assert (key.workspace, key.kind, key.user, key.name) == (workspace, "write", None, "website")
    assert key.prefix == secret[:10] and key.revoked_at is None
    assert key.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert actions.digest_secret(secret) == key.digest
    entry = AuditEntry.objects.get(action="api_key.issue")
    assert (entry.workspace, entry.actor, entry.object_type, entry.object_id) == (
        workspace,
        admin,
        "ApiKey",
        str(key.pk),
    )
    assert entry.after == {"kind": "write", "name": "website", "prefix": secret[:10]}
    assert entry.before is None


def test_a_personal_token_belongs_to_its_member(workspace, admin):
    key, secret = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    assert secret.startswith("pt_")
    assert ApiKey.objects.get(pk=key.pk).user == admin
    other, other_secret = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    assert other_secret != secret and other.digest != key.digest


def test_a_personal_token_for_someone_not_a_member_here_is_refused_beside_members(workspace, admin):
    other = actions.create_workspace("Other", slug="other")
    stranger = actions.create_user(other, "sam", "long-password-1", Role.ADMIN)
    with pytest.raises(ValidationFailed) as refused:
        actions.issue_api_key(workspace, "personal", "cli", user=stranger)
    assert refused.value.errors == {"user": "is not a member of this workspace"}
    assert not ApiKey.objects.exists()
