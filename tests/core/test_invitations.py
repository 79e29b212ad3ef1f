"""Members join by invitation: an admin makes a link, the person it is for accepts it."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from pacer.core import actions
from pacer.core.models import AuditEntry, Invitation, Membership
from pacer.core.selectors import role_of

pytestmark = pytest.mark.django_db


def _invite(client, role="analyst", note="Kim from finance") -> str:
    page = client.post("/settings/members/", {"role": role, "note": note})
    assert page.status_code == 200
    return re.search(
        r'id="invitation-link">http://testserver(/invitations/[^<]+/)<', page.content.decode()
    ).group(1)


def test_a_new_person_joins_with_a_new_login_through_the_link(client, workspace, admin):
    client.force_login(admin)
    link = _invite(client)
    invitation = Invitation.objects.get()
    assert invitation.digest not in link and "pi_" in link  # only the digest is stored
    assert "Kim from finance" in client.get("/settings/members/").content.decode()
    guest = Client()
    page = guest.get(link).content.decode()
    assert "Join Acme Franchise" in page and "Analyst" in page
    refused = guest.post(link, {"username": "kim", "password": "123"})
    assert refused.status_code == 422 and not User.objects.filter(username="kim").exists()
    response = guest.post(
        link, {"username": "kim", "password": "another-long-pass", "email": "k@x.com"}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    kim = User.objects.get(username="kim")
    assert role_of(kim, workspace) == "analyst" and kim.check_password("another-long-pass")
    assert guest.get("/").status_code == 200  # signed in
    invitation.refresh_from_db()
    assert invitation.accepted_by == kim and invitation.accepted_at is not None
    # used up: the link no longer works, for anyone
    again = Client().post(link, {"username": "kim2", "password": "another-long-pass"})
    assert again.status_code == 404 and not User.objects.filter(username="kim2").exists()
    assert "invitation.accept" in AuditEntry.objects.values_list("action", flat=True)


def test_an_existing_login_accepts_while_signed_in(client, workspace, admin):
    other = actions.create_workspace("Other", slug="other")
    kim = actions.create_user(other, "kim", "long-password", "admin")
    client.force_login(admin)
    link = _invite(client, role="marketer")
    assert role_of(kim, workspace) is None  # nobody is added without accepting
    kim_client = Client()
    kim_client.force_login(kim)
    assert "Signed in as kim" in kim_client.get(link).content.decode()
    assert kim_client.post(link).status_code == 302
    assert role_of(kim, workspace) == "marketer" and role_of(kim, other) == "admin"
    assert set(kim.groups.values_list("name", flat=True)) == {"admin", "marketer"}
    # a member cannot use a second invitation to change their own role
    link = _invite(client, role="admin")
    refused = kim_client.post(link)
    assert refused.status_code == 422 and role_of(kim, workspace) == "marketer"


def test_revoked_and_expired_links_do_nothing_and_say_the_same(client, workspace, admin):
    client.force_login(admin)
    revoked, expired = _invite(client), _invite(client)
    first, second = Invitation.objects.order_by("id")
    client.post(f"/settings/invitations/{first.pk}/revoke/")
    Invitation.objects.filter(pk=second.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    made_up = "/invitations/pi_not-a-real-token/"
    bodies = set()
    for link in (revoked, expired, made_up):
        response = Client().post(link, {"username": "eve", "password": "another-long-pass"})
        assert response.status_code == 404
        bodies.add(response.content)
    assert len(bodies) == 1
    assert not User.objects.filter(username="eve").exists()
    assert Membership.objects.filter(workspace=workspace).count() == 1


def test_joining_refuses_a_taken_user_name_without_adding_anyone(client, workspace, admin):
    client.force_login(admin)
    link = _invite(client)
    response = Client().post(link, {"username": "ada", "password": "another-long-pass"})
    assert response.status_code == 422 and "choose another" in response.content.decode()
    assert Invitation.objects.get().accepted_at is None
    assert Membership.objects.filter(workspace=workspace).count() == 1


def test_the_members_page_has_no_way_to_add_an_existing_login_by_name(client, workspace, admin):
    other = actions.create_workspace("Other", slug="other")
    actions.create_user(other, "kim", "long-password", "admin")
    client.force_login(admin)
    client.post("/settings/members/", {"username": "kim", "role": "analyst"})
    assert role_of(User.objects.get(username="kim"), workspace) is None
    # an unknown and a known user name get the same answer: an invitation link
    pages = [
        client.post("/settings/members/", {"username": name, "role": "staff"}).content.decode()
        for name in ("kim", "nobody-by-this-name")
    ]
    assert all('id="invitation-link"' in page for page in pages)
