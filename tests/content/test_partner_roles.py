"""A deactivated partner's suspension follows the partner, not the person's role: no
personal token is issued to its logins, an admin cannot lift it by giving a login another
role (staff, admin) or by removing it and inviting it again, and a partner's login keeps
the partner role while it is one. Taking the person off the partner ("Remove login") is
the deliberate way out: they leave the workspace, and may then be invited in any role."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from pacer.content import partners
from pacer.content.models import PartnerMember
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import ApiKey, AuditEntry, Invitation, Membership
from pacer.core.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"
WHY = "Franchise Berlin is deactivated in Acme Franchise, so its logins and API tokens are refused."
HELD = (
    "fran is a login of Franchise Berlin, which is deactivated, so their role does not "
    "change and they do not join again: reactivate Franchise Berlin, or take fran off it "
    "first (the partner's page, Remove login)."
)


@pytest.fixture
def franchise(workspace):
    found = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print"], contacts=[]
    )
    partners.add_login(found, username="fran", email="fran@franchise.test", password=PASSWORD)
    return found


@pytest.fixture
def fran(franchise):
    return franchise.members.get().user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _role(workspace, user) -> str | None:
    return (
        Membership.objects.filter(workspace=workspace, user=user)
        .values_list("role", flat=True)
        .first()
    )


def test_a_suspended_login_is_issued_no_personal_token_and_nothing_is_written(
    franchise, fran, workspace, admin
):
    partners.set_active(franchise, False, actor=admin)
    keys, entries = ApiKey.objects.count(), AuditEntry.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        core.issue_api_key(workspace, "personal", "laptop", user=fran, actor=admin)

    reason = f"{WHY} Ask your contact there to reactivate it."
    assert refused.value.errors == {"user": f"gets no token while suspended: {reason}"}
    assert (ApiKey.objects.count(), AuditEntry.objects.count()) == (keys, entries)
    # the workspace's own people and write keys are not affected
    core.issue_api_key(workspace, "personal", "ada's", user=admin)
    core.issue_api_key(workspace, "write", "site")
    # reactivated, a token is issued on purpose again
    partners.set_active(franchise, True, actor=admin)
    key, _ = core.issue_api_key(workspace, "personal", "laptop", user=fran)
    assert key.user == fran and key.revoked_at is None


def test_a_suspended_logins_role_does_not_change_on_the_members_page(
    franchise, fran, workspace, admin
):
    partners.set_active(franchise, False, actor=admin)
    entries = AuditEntry.objects.count()

    for role in (Role.STAFF, Role.ADMIN):
        with pytest.raises(ValidationFailed) as refused:
            core.set_role(workspace, fran, role, actor=admin)
        assert refused.value.errors == {"role": HELD}
        client = _client(admin)
        answer = client.post(f"/settings/members/{fran.pk}/role/", {"role": role})
        assert answer.status_code == 422  # the members page, the reason in fran's row
        assert f'id="member-{fran.pk}-role">{HELD[:60]}' in answer.text

    assert _role(workspace, fran) == Role.PARTNER
    assert list(fran.groups.values_list("name", flat=True)) == [Role.PARTNER]
    assert AuditEntry.objects.count() == entries
    # still refused everywhere: sign-in names the partner's deactivation
    signed = Client().post("/login/", {"username": "fran", "password": PASSWORD})
    assert signed.status_code == 200 and "Franchise Berlin is deactivated" in signed.text


def test_a_login_of_an_active_partner_keeps_the_partner_role(franchise, fran, workspace, admin):
    """Else a login made staff would escape the partner's later deactivation."""
    with pytest.raises(ValidationFailed) as refused:
        core.set_role(workspace, fran, Role.STAFF, actor=admin)
    assert refused.value.errors == {
        "role": "fran is a login of Franchise Berlin and keeps the partner role while they "
        "are: take fran off Franchise Berlin first (the partner's page, Remove login)."
    }
    assert _role(workspace, fran) == Role.PARTNER
    # the same role again is no change and not refused
    core.set_role(workspace, fran, Role.PARTNER, actor=admin)
    # the person may hold any role in another workspace
    elsewhere = core.create_workspace("Elsewhere", slug="elsewhere")
    core.set_role(elsewhere, fran, Role.STAFF)
    assert _role(elsewhere, fran) == Role.STAFF


def test_removed_and_invited_again_a_suspended_login_does_not_join(
    franchise, fran, workspace, admin
):
    partners.set_active(franchise, False, actor=admin)
    core.remove_member(workspace, fran, actor=admin)
    invitation, token = core.invite(workspace, Role.STAFF, actor=admin)

    with pytest.raises(ValidationFailed) as refused:
        core.accept_invitation(token, fran)
    assert refused.value.errors == {"role": HELD}
    client = _client(fran)  # fran has no workspace now, but may open the invitation
    answer = client.post(f"/invitations/{token}/")
    assert answer.status_code == 422
    assert HELD.replace("'", "&#x27;") in answer.text
    assert _role(workspace, fran) is None
    invitation.refresh_from_db()
    assert invitation.accepted_at is None  # still usable, by someone else or after


def test_taking_a_login_off_its_partner_lets_it_be_invited_as_staff(
    franchise, fran, workspace, admin
):
    partners.set_active(franchise, False, actor=admin)
    key = ApiKey.objects.create(  # a token the deactivation missed (written by hand)
        workspace=workspace, kind="personal", user=fran, name="old", prefix="pt_x", digest="x"
    )
    page = _client(admin).get(f"/assets/partners/{franchise.pk}/")
    assert f'action="/assets/partners/{franchise.pk}/logins/{fran.pk}/remove/"' in page.text

    client = _client(admin)
    answer = client.post(f"/assets/partners/{franchise.pk}/logins/{fran.pk}/remove/")

    assert answer.status_code == 302
    told = [str(m) for m in client.get(answer["Location"]).context["messages"]]
    assert told == [
        "fran is no longer a login of Franchise Berlin and left the workspace (their API "
        "tokens are revoked)."
    ]
    assert not PartnerMember.objects.filter(user=fran).exists()
    assert _role(workspace, fran) is None  # a partner login: out of the workspace too
    key.refresh_from_db()
    assert key.revoked_at is not None
    removed = AuditEntry.objects.get(action="partner.login_remove")
    assert (removed.object_id, removed.actor, removed.before) == (
        str(franchise.pk),
        admin,
        {"user": "fran"},
    )
    assert AuditEntry.objects.filter(action="membership.remove", actor=admin).count() == 1

    _, token = core.invite(workspace, Role.STAFF, actor=admin)
    core.accept_invitation(token, fran)
    assert _role(workspace, fran) == Role.STAFF
    client = Client()
    assert client.post("/login/", {"username": "fran", "password": PASSWORD}).status_code == 302
    assert client.get("/content/items/").status_code == 200
    # the partner stays deactivated; its page no longer lists fran
    page = _client(admin).get(f"/assets/partners/{franchise.pk}/")
    assert "fran@franchise.test" not in page.text


def test_removing_someone_who_is_not_its_login_changes_nothing(franchise, fran, admin, workspace):
    other = partners.create_partner(
        workspace, name="Agency", territory="US", channels=["print"], contacts=[]
    )
    entries = AuditEntry.objects.count()
    client = _client(admin)

    answer = client.post(f"/assets/partners/{other.pk}/logins/{fran.pk}/remove/")

    assert answer.status_code == 302
    told = [str(m) for m in client.get(f"/assets/partners/{other.pk}/").context["messages"]]
    assert told == ["user: is not a login of this partner"]
    assert PartnerMember.objects.filter(user=fran, partner=franchise).exists()
    assert _role(workspace, fran) == Role.PARTNER
    assert AuditEntry.objects.count() == entries
    assert Invitation.objects.count() == 0
    # only those who manage assets may take a login off
    url = f"/assets/partners/{franchise.pk}/logins/{fran.pk}/remove/"
    assert _client(fran).post(url).status_code == 403
    assert PartnerMember.objects.filter(user=fran).exists()


def test_a_login_given_another_role_before_the_rule_is_shown_and_taken_off_stays(
    franchise, fran, workspace, admin
):
    """A login made staff before a partner's login kept its role (written here as the old
    code left it) is not suspended with the partner: its page says so, and Remove login
    takes it off the partner while it stays staff."""
    Membership.objects.filter(workspace=workspace, user=fran).update(role=Role.STAFF)
    partners.add_login(franchise, username="gone", email="", password=PASSWORD)
    core.remove_member(workspace, User.objects.get(username="gone"))
    client = _client(admin)

    page = client.get(f"/assets/partners/{franchise.pk}/").text
    assert 'fran · fran@franchise.test · <strong class="login-note">holds the staff role' in page
    assert 'gone · <strong class="login-note">no longer a member of the workspace' in page

    answer = client.post(f"/assets/partners/{franchise.pk}/logins/{fran.pk}/remove/")
    told = [str(m) for m in client.get(answer["Location"]).context["messages"]]
    assert told == ["fran is no longer a login of Franchise Berlin."]
    assert not PartnerMember.objects.filter(user=fran).exists()
    assert _role(workspace, fran) == Role.STAFF
    assert not AuditEntry.objects.filter(action="membership.remove", object_id=str(fran.pk))
