"""A new login's password is hashed before the transaction that writes it, never inside
it: the hash (PBKDF2, a million rounds) takes 0.2–3 s of CPU on a loaded machine, and
SQLite's write lock is held from a transaction's first write to its end (stop 37: each
demo user, each sign-up). The hasher of these tests (the only one registered) notes how
many transactions were open each time it hashed, and a ``pre_save`` receiver how many
when the login's row was written: the hash runs at the caller's depth, the write in a
transaction below it (a test runs inside pytest-django's own transaction, so depth, not
``in_atomic_block``, is what is compared)."""

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.db import connection
from django.db.models.signals import pre_save

from pacer.cli import main
from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import Invitation, Membership, Workspace
from pacer.core.roles import Role
from pacer.core.selectors import role_of

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases]
PASSWORD = "a-long-enough-secret"


class RecordingHasher(MD5PasswordHasher):
    """MD5 (cheap), noting the open transactions at each hash in ``steps``."""

    algorithm = "recorded_md5"
    steps: list[tuple[str, int]] = []

    def encode(self, password, salt):
        self.steps.append(("hash", len(connection.atomic_blocks)))
        return super().encode(password, salt)


@pytest.fixture
def steps(settings):
    settings.PASSWORD_HASHERS = [f"{__name__}.RecordingHasher"]
    RecordingHasher.steps = []

    def written(sender, instance, **kwargs):
        RecordingHasher.steps.append(("write", len(connection.atomic_blocks)))

    pre_save.connect(written, sender=User, weak=False)
    yield RecordingHasher.steps
    pre_save.disconnect(written, sender=User)


def test_create_user_hashes_before_the_transaction_that_writes(workspace, steps):
    depth = len(connection.atomic_blocks)
    user = actions.create_user(workspace, "bea", PASSWORD, Role.ANALYST, email="Bea@X.IO")
    assert steps == [("hash", depth), ("write", depth + 1)]
    user.refresh_from_db()
    assert user.password.startswith("recorded_md5$") and user.check_password(PASSWORD)
    assert (user.username, user.email, role_of(user, workspace)) == ("bea", "Bea@x.io", "analyst")


def test_joining_by_invitation_hashes_before_the_transaction(workspace, admin, steps):
    invitation, token = actions.invite(workspace, Role.MARKETER, actor=admin)
    depth = len(connection.atomic_blocks)
    steps.clear()
    user = actions.join_with_new_login(token, "kim", PASSWORD, email="k@x.io")
    assert steps == [("hash", depth), ("write", depth + 2)]  # its own, add_login's inside
    invitation.refresh_from_db()
    assert (invitation.accepted_by, role_of(user, workspace)) == (user, "marketer")
    assert User.objects.get(username="kim").check_password(PASSWORD)


def test_setup_hashes_before_the_transaction_of_the_workspace_and_admin(
    db, steps, monkeypatch, capsys
):
    monkeypatch.setenv("PACER_ADMIN_PASSWORD", PASSWORD)
    depth = len(connection.atomic_blocks)
    assert main(["setup", "--workspace-name", "Acme Dental", "--username", "owner"]) == 0
    assert steps == [("hash", depth), ("write", depth + 2)]  # its own, add_login's inside
    owner = User.objects.get(username="owner")
    assert role_of(owner, Workspace.objects.get(slug="acme-dental")) == "admin"


def test_a_refused_login_hashes_nothing_and_writes_nothing(workspace, admin, steps):
    steps.clear()
    with pytest.raises(ValidationFailed) as refused:
        actions.create_user(workspace, " ada ", "123", "owner", email="nope")
    assert set(refused.value.errors) == {"username", "password", "email", "role"}
    assert refused.value.errors["username"] == "'ada' is already taken; choose another"
    assert refused.value.errors["role"].startswith("must be one of admin, ")
    assert steps == []
    assert list(User.objects.values_list("username", flat=True)) == ["ada"]


def test_a_name_taken_between_the_hash_and_the_write_is_refused(workspace, admin, steps):
    login = actions.prepare_login("bea", PASSWORD)
    actions.create_user(workspace, "bea", "another-long-secret", Role.STAFF)
    members = Membership.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        actions.add_login(workspace, login, Role.ADMIN)
    assert refused.value.errors == {"username": "'bea' is already taken; choose another"}
    assert (
        Membership.objects.count() == members and User.objects.filter(username="bea").count() == 1
    )
    assert User.objects.get(username="bea").check_password("another-long-secret")
    assert not Invitation.objects.exists()
