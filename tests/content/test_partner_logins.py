"""Logins of partners deactivated before partner suspension existed: a login an admin had
given another role kept it when its partner was deactivated, and still gets in.
``pacer partner-logins`` lists them and changes nothing; ``--apply`` suspends them as a
deactivation does now (the partner role back, API tokens revoked, audited "suspended by
command: partner inactive since …"), and never takes the workspace's last admin."""

import pytest
from django.test import Client

from pacer.cli import main
from pacer.content.models import Partner
from pacer.core import actions as core
from pacer.core import audit
from pacer.core.models import ApiKey, AuditEntry, Membership
from pacer.core.roles import Role
from tests.content.test_partner_portal import PASSWORD, at, library  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_deactivation(workspace, library, admin):  # noqa: F811  (the fixture imported above)
    """Franchise Berlin deactivated the way it was before round 29: its login fran, made
    staff by an admin, kept that role and its API token."""
    franchise = library["franchise"]
    fran = franchise.members.get().user
    Membership.objects.filter(workspace=workspace, user=fran).update(role=Role.STAFF)
    _, token = core.issue_api_key(workspace, "personal", "laptop", user=fran)
    Partner.objects.filter(pk=franchise.pk).update(active=False)
    entry = audit.record(workspace, "partner.deactivate", franchise, after={"active": False})
    return {"fran": fran, "token": token, "since": f"{entry.at:%Y-%m-%d}"}


def _signs_in() -> bool:
    client = Client()
    return client.post("/login/", {"username": "fran", "password": PASSWORD}).status_code == 302


def _token_works(token: str) -> bool:
    answer = Client().get("/api/content/items", HTTP_AUTHORIZATION=f"Bearer {token}")
    return answer.status_code == 200


def test_the_command_lists_them_and_changes_nothing_without_apply(old_deactivation, capsys):
    assert _signs_in() and _token_works(old_deactivation["token"])  # the defect
    audited = AuditEntry.objects.count()

    assert main(["partner-logins", "--workspace", "acme"]) == 0

    out = capsys.readouterr().out
    since = old_deactivation["since"]
    assert f"Franchise Berlin, inactive since {since}: fran (staff)" in out
    assert "nothing changed: run again with --apply" in out
    assert Membership.objects.get(user=old_deactivation["fran"]).role == Role.STAFF
    assert AuditEntry.objects.count() == audited and _signs_in()


def test_apply_suspends_them_as_a_deactivation_does_now_and_audits_why(old_deactivation, capsys):
    fran, token = old_deactivation["fran"], old_deactivation["token"]

    assert main(["partner-logins", "--workspace", "acme", "--apply"]) == 0

    assert "suspended: fran (partner role, API tokens revoked)" in capsys.readouterr().out
    assert Membership.objects.get(user=fran).role == Role.PARTNER
    assert not _signs_in() and not _token_works(token)
    assert ApiKey.objects.get(user=fran).revoked_at is not None
    entry = AuditEntry.objects.get(action="partner.suspend_logins")
    assert entry.before == {"roles": {"fran": "staff"}}
    assert entry.after == {
        "suspended": ["fran"],
        "reason": f"suspended by command: partner inactive since {old_deactivation['since']}",
    }
    assert main(["partner-logins", "--workspace", "acme"]) == 0  # nothing left to do
    assert "every login of a deactivated partner is suspended" in capsys.readouterr().out


def test_apply_never_takes_the_last_admin(old_deactivation, admin, workspace, capsys):
    fran = old_deactivation["fran"]
    Membership.objects.filter(workspace=workspace, user=fran).update(role=Role.ADMIN)
    Membership.objects.filter(workspace=workspace, user=admin).update(role=Role.STAFF)

    assert main(["partner-logins", "--workspace", "acme", "--apply"]) == 2

    err = capsys.readouterr().err
    assert "error: Franchise Berlin: the workspace must keep at least one admin" in err
    assert Membership.objects.get(user=fran).role == Role.ADMIN
    assert ApiKey.objects.get(user=fran).revoked_at is None
    assert not AuditEntry.objects.filter(action="partner.suspend_logins").exists()
