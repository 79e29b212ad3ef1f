"""Partner logins seen from the workspace's side: the Members page says which members are
a partner's logins, of which partner, and whether they are suspended with it; and every
login of a partner is suspended with it, including one given another role before a
partner's login kept its role (old data): deactivation gives it the partner role back,
and for a partner deactivated before that, an admin may give it back by hand."""

import pytest
from django.test import Client

from pacer.content import partners
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry, Membership
from pacer.core.permissions import admitted_role
from pacer.core.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-1"


@pytest.fixture
def franchise(workspace):
    found = partners.create_partner(
        workspace, name="Franchise Berlin", territory="DE", channels=["print"]
    )
    partners.add_login(found, username="fran", email="", password=PASSWORD)
    return found


def _user(found, username):
    return found.members.get(user__username=username).user


def _old_data_staff_login(found, username="stan"):
    """A login made staff before a partner's login kept its role, as the old code left it."""
    user = partners.add_login(found, username=username, email="", password=PASSWORD).user
    Membership.objects.filter(workspace=found.workspace, user=user).update(role=Role.STAFF)
    return user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _role(workspace, user):
    return Membership.objects.get(workspace=workspace, user=user).role


def test_the_members_page_says_who_is_a_partners_login_and_who_is_suspended(
    franchise, workspace, admin
):
    _old_data_staff_login(franchise)
    agency = partners.create_partner(workspace, name="Agency", territory="US", channels=["print"])
    partners.add_login(agency, username="gus", email="", password=PASSWORD)
    partners.set_active(agency, False, actor=admin)
    core.create_user(workspace, "sam", PASSWORD, Role.STAFF)

    page = _client(admin).get("/settings/members/")

    assert page.status_code == 200
    notes = {m.user.username: m.note for m in page.context["members"]}
    assert {name: (n.text, n.url, n.warning) if n else None for name, n in notes.items()} == {
        "ada": None,
        "fran": ("Login of Franchise Berlin", f"/assets/partners/{franchise.pk}/", ""),
        "gus": (
            "Login of Agency",
            f"/assets/partners/{agency.pk}/",
            "Suspended: Agency is deactivated.",
        ),
        "sam": None,
        "stan": (
            "Login of Franchise Berlin",
            f"/assets/partners/{franchise.pk}/",
            "Holds the staff role: deactivating Franchise Berlin makes them a partner login "
            "again (Remove login first to keep them).",
        ),
    }
    html = page.content.decode()
    link = f'<a href="/assets/partners/{agency.pk}/">Login of Agency</a>'
    assert f'gus<span class="member-note muted"><br>{link}</span><br>' in html
    assert '<strong class="member-warning">Suspended: Agency is deactivated' in html
    assert html.count('class="member-note') == 3


def test_deactivation_suspends_a_login_given_another_role_before_the_rule(
    franchise, workspace, admin
):
    stan = _old_data_staff_login(franchise)
    session = _client(stan)
    assert session.get("/").status_code == 200
    client = _client(admin)
    assert "stan holds another role here" in client.get(f"/assets/partners/{franchise.pk}/").text

    answer = client.post(f"/assets/partners/{franchise.pk}/active/", {"active": "0"})

    told = [str(m) for m in client.get(answer["Location"]).context["messages"]]
    assert told[0] == "Given the partner role back, so suspended too: stan."
    assert _role(workspace, stan) == Role.PARTNER
    assert admitted_role(stan, workspace) == (
        None,
        "Franchise Berlin is deactivated in Acme Franchise, so its logins and API tokens are "
        "refused. Ask your contact there to reactivate it.",
    )
    assert session.get("/").status_code == 302  # signed out at the next request
    entries = AuditEntry.objects.filter(action="membership.set_role", object_id=str(_member(stan)))
    entry = entries.latest("pk")
    assert (entry.actor, entry.before["role"], entry.after["role"]) == (admin, "staff", "partner")


def _member(user) -> int:
    return Membership.objects.get(user=user).pk


def test_deactivation_is_refused_with_nothing_changed_when_a_login_is_the_only_admin(
    franchise, workspace, admin
):
    boss = _old_data_staff_login(franchise, "boss")
    Membership.objects.filter(user=boss).update(role=Role.ADMIN)
    core.remove_member(workspace, admin)
    entries = AuditEntry.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        partners.set_active(franchise, False, actor=boss)
    assert refused.value.errors == {"role": "the workspace must keep at least one admin"}
    franchise.refresh_from_db()
    assert (franchise.active, _role(workspace, boss)) == (True, Role.ADMIN)
    assert AuditEntry.objects.count() == entries


def test_a_login_not_suspended_by_an_older_deactivation_may_be_given_the_partner_role_back(
    franchise, workspace, admin
):
    """A partner deactivated before deactivation gave the role back (written here as the
    old code left it): its staff login is shown as not suspended; the admin gives it the
    partner role on the Members page, and it is suspended; any other role stays refused."""
    stan = _old_data_staff_login(franchise)
    type(franchise).objects.filter(pk=franchise.pk).update(active=False)
    assert admitted_role(stan, workspace) == (Role.STAFF, "")
    client = _client(admin)
    note = client.get("/settings/members/").context["members"]
    assert [m.note.warning for m in note if m.user == stan] == [
        "Holds the staff role, so not suspended with Franchise Berlin (deactivated): set the "
        "role to partner, or Remove login."
    ]

    refused = client.post(f"/settings/members/{stan.pk}/role/", {"role": Role.ADMIN})
    assert refused.status_code == 422  # the members page, the reason in stan's row
    assert "Role: stan is a login of Franchise Berlin, which is deactivated" in refused.text
    assert _role(workspace, stan) == Role.STAFF

    client.post(f"/settings/members/{stan.pk}/role/", {"role": Role.PARTNER})

    assert _role(workspace, stan) == Role.PARTNER
    assert admitted_role(stan, workspace)[0] is None
    # back to staff is refused again: the suspension follows the partner
    client.post(f"/settings/members/{stan.pk}/role/", {"role": Role.STAFF})
    assert _role(workspace, stan) == Role.PARTNER
