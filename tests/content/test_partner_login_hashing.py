"""A partner's new login is hashed before the transaction that writes it (as
``core.create_user`` is: tests/core/test_login_hashing.py, whose recording hasher this
reuses), and a refused login writes nothing."""

import pytest
from django.contrib.auth.models import User
from django.db import connection

from pacer.content import partners
from pacer.content.models import PartnerMember
from pacer.core.errors import ValidationFailed
from pacer.core.selectors import role_of
from tests.core.test_login_hashing import RecordingHasher, steps  # noqa: F401 (its fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.both_databases, pytest.mark.usefixtures("steps")]


def test_a_partner_login_is_hashed_before_its_transaction(workspace):
    found = partners.create_partner(workspace, name="Franchise", territory="DE", channels=["print"])
    depth = len(connection.atomic_blocks)
    member = partners.add_login(found, username="fran", email="f@x.test", password="pw-long-one")
    (hashed, hash_depth), (wrote, write_depth) = RecordingHasher.steps
    assert (hashed, hash_depth, wrote) == ("hash", depth, "write") and write_depth > depth
    user = User.objects.get(pk=member.user_id)
    assert user.check_password("pw-long-one")
    assert (member.partner_id, role_of(user, workspace)) == (found.pk, "partner")


def test_a_refused_partner_login_hashes_and_writes_nothing(workspace):
    found = partners.create_partner(workspace, name="Franchise", territory="DE", channels=["print"])
    with pytest.raises(ValidationFailed) as refused:
        partners.add_login(found, username="", email="not-an-address", password="pw-long-one")
    assert refused.value.errors == {
        "username": "must not be empty",
        "email": "is not a valid email address",
    }
    assert RecordingHasher.steps == []
    assert not PartnerMember.objects.exists() and not User.objects.filter(username="").exists()
