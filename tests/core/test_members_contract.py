"""Members, roles, keys and invitations at their edges: scoped to one workspace, the last
admin kept, refusals that change nothing, and what the audit log says (found by mutation
testing: docs/testing.md)."""

import pytest
from django.utils import timezone

from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import ApiKey, AuditEntry, Invitation, Membership, Role
from pacer.core.selectors import active_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(workspace):
    return actions.create_workspace("Other Co", slug="other")


def _roles(user):
    return dict(Membership.objects.filter(user=user).values_list("workspace__slug", "role"))


def _groups(user):
    return sorted(user.groups.values_list("name", flat=True))


def test_removing_a_member_of_two_workspaces_touches_only_the_one(workspace, other, admin):
    mia = actions.create_user(workspace, "mia", "long-password-1", Role.MARKETER)
    actions.set_role(other, mia, Role.ANALYST)
    here, _ = actions.issue_api_key(workspace, "personal", "here", user=mia)
    there, _ = actions.issue_api_key(other, "personal", "there", user=mia)
    ada_key, _ = actions.issue_api_key(workspace, "personal", "ada", user=admin)
    actions.remove_member(workspace, mia, actor=admin)
    assert _roles(mia) == {"other": Role.ANALYST}
    assert _groups(mia) == [Role.ANALYST]
    revoked = dict(ApiKey.objects.values_list("name", "revoked_at"))
    assert revoked["here"] is not None
    assert revoked["there"] is None and revoked["ada"] is None
    entry = AuditEntry.objects.get(action="membership.remove")
    assert entry.workspace == workspace and entry.actor == admin
    assert entry.object_id == str(mia.pk)
    assert entry.before["role"] == Role.MARKETER and entry.before["workspace"] == workspace.pk
    revoke = AuditEntry.objects.get(action="api_key.revoke")
    assert revoke.object_id == str(here.pk) and revoke.actor == admin


def test_a_key_revoked_before_the_member_leaves_keeps_its_revocation_time(workspace, admin):
    mia = actions.create_user(workspace, "mia", "long-password-1", Role.MARKETER)
    key, _ = actions.issue_api_key(workspace, "personal", "old", user=mia)
    actions.revoke_api_key(key)
    revoked_at = ApiKey.objects.get(pk=key.pk).revoked_at
    actions.remove_member(workspace, mia)
    assert ApiKey.objects.get(pk=key.pk).revoked_at == revoked_at
    assert AuditEntry.objects.filter(action="api_key.revoke").count() == 1


def test_removing_someone_who_is_not_a_member_here_is_refused(workspace, other):
    stranger = actions.create_user(other, "sam", "long-password-1", Role.ADMIN)
    with pytest.raises(ValidationFailed) as refused:
        actions.remove_member(workspace, stranger)
    assert refused.value.errors == {"user": "is not a member of this workspace"}
    assert _roles(stranger) == {"other": Role.ADMIN}
    assert not AuditEntry.objects.filter(action="membership.remove").exists()


def test_the_last_admin_can_neither_leave_nor_be_demoted(workspace, admin):
    marketer = actions.create_user(workspace, "mia", "long-password-1", Role.MARKETER)
    for attempt in (
        lambda: actions.remove_member(workspace, admin),
        lambda: actions.set_role(workspace, admin, Role.ANALYST),
    ):
        with pytest.raises(ValidationFailed) as refused:
            attempt()
        assert refused.value.errors == {"role": "the workspace must keep at least one admin"}
    assert _roles(admin) == {"acme": Role.ADMIN}
    actions.remove_member(workspace, marketer)  # not an admin: nothing to keep
    assert _roles(marketer) == {}


def test_an_admin_of_another_workspace_does_not_count_as_one_here(workspace, other, admin):
    actions.set_role(other, admin, Role.ADMIN)
    other_admin = actions.create_user(other, "oli", "long-password-1", Role.ADMIN)
    with pytest.raises(ValidationFailed):
        actions.remove_member(workspace, admin)
    second = actions.create_user(workspace, "bea", "long-password-1", Role.ADMIN)
    actions.remove_member(workspace, admin)  # another admin here: allowed
    assert _roles(admin) == {"other": Role.ADMIN}
    assert _roles(second) == {"acme": Role.ADMIN}
    assert _roles(other_admin) == {"other": Role.ADMIN}


def test_an_accepted_invitation_cannot_be_revoked(workspace, admin):
    invitation, token = actions.invite(workspace, Role.STAFF, actor=admin)
    actions.join_with_new_login(token, "sid", "long-password-1")
    invitation.refresh_from_db()
    actions.revoke_invitation(invitation, actor=admin)
    invitation.refresh_from_db()
    assert invitation.revoked_at is None and invitation.accepted_at is not None
    assert not AuditEntry.objects.filter(action="invitation.revoke").exists()


def test_an_invitation_accepted_after_it_was_loaded_is_not_revoked(workspace, admin):
    invitation, token = actions.invite(workspace, Role.STAFF, actor=admin)
    loaded_before_acceptance = Invitation.objects.get(pk=invitation.pk)
    actions.join_with_new_login(token, "sid", "long-password-1")
    actions.revoke_invitation(loaded_before_acceptance, actor=admin)
    stored = Invitation.objects.get(pk=invitation.pk)
    assert stored.revoked_at is None and stored.accepted_at is not None
    assert not AuditEntry.objects.filter(action="invitation.revoke").exists()


def test_revoking_an_invitation_twice_keeps_the_first_time(workspace, admin):
    invitation, _ = actions.invite(workspace, Role.STAFF, actor=admin)
    actions.revoke_invitation(invitation, actor=admin)
    first = Invitation.objects.get().revoked_at
    assert first is not None and first <= timezone.now()
    actions.revoke_invitation(Invitation.objects.get(), actor=admin)
    assert Invitation.objects.get().revoked_at == first
    entry = AuditEntry.objects.get(action="invitation.revoke")
    assert entry.actor == admin and entry.object_id == str(invitation.pk)


def test_the_owner_rotates_a_personal_token_into_one_of_the_same_kind_name_and_owner(
    workspace, admin
):
    old, old_secret = actions.issue_api_key(workspace, "personal", "laptop", user=admin)
    new, secret = actions.rotate_api_key(old, actor=admin)
    assert ApiKey.objects.get(pk=old.pk).revoked_at is not None
    assert (new.kind, new.name, new.user, new.revoked_at) == ("personal", "laptop", admin, None)
    assert secret.startswith("pt_") and secret != old_secret
    assert active_key(secret, "personal") == new and active_key(old_secret, "personal") is None
    revoke, issue = AuditEntry.objects.filter(action__startswith="api_key.").order_by("id")[1:]
    assert (revoke.action, revoke.object_id, revoke.actor) == ("api_key.revoke", str(old.pk), admin)
    assert (issue.action, issue.object_id, issue.actor) == ("api_key.issue", str(new.pk), admin)


def test_nobody_else_rotates_a_personal_token_and_a_revoked_key_is_not_rotated(workspace, admin):
    sam = actions.create_user(workspace, "sam", "long-password-1", Role.ADMIN)
    key, _ = actions.issue_api_key(workspace, "personal", "sam's", user=sam)
    for actor in (admin, None):
        with pytest.raises(ValidationFailed) as refused:
            actions.rotate_api_key(key, actor=actor)
        assert refused.value.errors == {
            "key": "a personal token is rotated by its owner; revoke it instead"
        }
    actions.revoke_api_key(key, actor=admin)
    with pytest.raises(ValidationFailed) as refused:
        actions.rotate_api_key(key, actor=sam)
    assert refused.value.errors == {"key": "is revoked; issue a new key instead"}
    assert ApiKey.objects.count() == 1
    entry = AuditEntry.objects.get(action="api_key.revoke")
    assert entry.actor == admin and entry.object_id == str(key.pk)


def test_accepting_an_invitation_is_audited_as_the_one_who_joins(workspace, admin):
    sid = actions.create_user(workspace, "sid", "long-password-1", Role.STAFF)
    actions.remove_member(workspace, sid)
    invitation, token = actions.invite(workspace, Role.ANALYST, actor=admin)
    membership = actions.accept_invitation(token, sid)
    assert (membership.workspace, membership.role) == (workspace, Role.ANALYST)
    invitation.refresh_from_db()
    assert invitation.accepted_by == sid and invitation.accepted_at is not None
    accepted = AuditEntry.objects.get(action="invitation.accept")
    assert accepted.actor == sid and accepted.object_id == str(invitation.pk)
    role = AuditEntry.objects.filter(action="membership.set_role").order_by("-id").first()
    assert role.actor == sid and role.after["role"] == Role.ANALYST


def test_a_member_cannot_accept_an_invitation_to_the_same_workspace(workspace, admin):
    _, token = actions.invite(workspace, Role.ANALYST, actor=admin)
    with pytest.raises(ValidationFailed) as refused:
        actions.accept_invitation(token, admin)
    assert refused.value.errors == {"invitation": "you are already a member of this workspace"}
    assert _roles(admin) == {"acme": Role.ADMIN}
    assert Invitation.objects.get().accepted_at is None


def test_a_key_of_an_unknown_kind_without_a_name_or_for_a_non_member_is_refused(workspace, other):
    stranger = actions.create_user(other, "sam", "long-password-1", Role.ADMIN)
    for kind, name, user, errors in (
        ("root", "x", None, {"kind": "must be one of write, personal"}),
        ("write", "  ", None, {"name": "must not be empty"}),
        ("personal", "x", stranger, {"user": "is not a member of this workspace"}),
    ):
        with pytest.raises(ValidationFailed) as refused:
            actions.issue_api_key(workspace, kind, name, user=user)
        assert refused.value.errors == errors
    assert not ApiKey.objects.exists()
    assert not AuditEntry.objects.filter(action="api_key.issue").exists()
