"""Switching and creating workspaces; managing members and their roles."""

import pytest
from django.contrib.auth.models import User

from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import ApiKey, AuditEntry, Membership, Workspace
from pacer.core.selectors import role_of

pytestmark = pytest.mark.django_db


def test_switcher_moves_between_the_users_workspaces_only(client, workspace, admin):
    second = actions.create_workspace("Second Brand", slug="second")
    actions.set_role(second, admin, "analyst")
    stranger = actions.create_workspace("Someone Else", slug="else")
    client.force_login(admin)
    page = client.get("/").content.decode()
    assert 'id="workspace-switcher"' in page and "Second Brand" in page
    assert "Someone Else" not in page
    response = client.post("/workspaces/switch/", {"workspace": second.pk, "next": "/contacts/"})
    assert response.status_code == 302 and response["Location"] == "/contacts/"
    assert client.get("/contacts/").wsgi_request.workspace == second
    client.post("/workspaces/switch/", {"workspace": stranger.pk})
    assert client.get("/contacts/").wsgi_request.workspace == second  # unchanged
    evil = client.post(
        "/workspaces/switch/", {"workspace": workspace.pk, "next": "https://x.test/"}
    )
    assert evil["Location"] == "/"


def test_creating_a_workspace_makes_the_creator_its_admin(client, workspace, admin):
    client.force_login(admin)
    bad = client.post("/workspaces/new/", {"name": "Acme Two", "slug": "acme"})
    taken = "Short name for URLs and the CLI: &#x27;acme&#x27; is already taken"  # its label
    assert bad.status_code == 422 and taken in bad.content.decode()
    assert Workspace.objects.count() == 1
    response = client.post("/workspaces/new/", {"name": "Acme Two", "currency": "eur"})
    assert response.status_code == 302
    created = Workspace.objects.get(slug="acme-two")
    assert created.currency == "EUR" and role_of(admin, created) == "admin"
    assert client.get("/").wsgi_request.workspace == created


def test_admin_changes_roles_and_removes_members(client, workspace, admin):
    sam = actions.create_user(workspace, "sam", "long-password", "staff", email="s@x.com")
    client.force_login(admin)
    client.post(f"/settings/members/{sam.pk}/role/", {"role": "marketer"})
    assert role_of(sam, workspace) == "marketer"
    assert list(sam.groups.values_list("name", flat=True)) == ["marketer"]
    key, _ = actions.issue_api_key(workspace, "personal", "laptop", user=sam)
    client.post(f"/settings/members/{sam.pk}/remove/")
    assert role_of(sam, workspace) is None and User.objects.filter(pk=sam.pk).exists()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "membership.set_role",
        "membership.remove",
        "api_key.revoke",
    }


def test_the_last_admin_cannot_leave_or_be_demoted(client, workspace, admin):
    with pytest.raises(ValidationFailed, match="role: the workspace must keep at least one admin"):
        actions.set_role(workspace, admin, "staff")
    with pytest.raises(ValidationFailed, match="the workspace must keep at least one admin"):
        actions.remove_member(workspace, admin)
    client.force_login(admin)
    page = client.post(f"/settings/members/{admin.pk}/role/", {"role": "staff"}, follow=True)
    assert "must keep at least one admin" in page.content.decode()
    assert Membership.objects.get(user=admin).role == "admin"


def test_members_page_is_for_admins_only(client, workspace, admin):
    staff = actions.create_user(workspace, "sam", "long-password", "staff")
    client.force_login(staff)
    assert client.get("/settings/members/").status_code == 403
    assert client.post(f"/settings/members/{admin.pk}/remove/").status_code == 403
    assert role_of(admin, workspace) == "admin"
    assert "Members</a>" not in client.get("/").content.decode()
    assert not ApiKey.objects.exists()
