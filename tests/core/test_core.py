import pytest
from django.contrib.auth.models import Group

from pacer.core import actions
from pacer.core.errors import ValidationFailed
from pacer.core.models import ApiKey, AuditEntry, Membership
from pacer.core.selectors import active_key

pytestmark = pytest.mark.django_db


def test_workspace_creation_validates_and_audits(workspace):
    with pytest.raises(ValidationFailed) as error:
        actions.create_workspace("Acme Franchise", slug="acme")
    assert error.value.errors == {"slug": "'acme' is already taken"}
    with pytest.raises(ValidationFailed, match="currency: must be a 3-letter ISO code"):
        actions.create_workspace("X", currency="dollars")
    entry = AuditEntry.objects.get(action="workspace.create")
    assert entry.after["slug"] == "acme" and entry.actor_label == "system"


def test_roles_are_memberships_mirrored_as_groups(workspace):
    user = actions.create_user(workspace, "mia", "long-password", "marketer")
    assert Membership.objects.get(user=user).role == "marketer"
    assert list(user.groups.values_list("name", flat=True)) == ["marketer"]
    actions.set_role(workspace, user, "analyst", actor=user)
    assert list(user.groups.values_list("name", flat=True)) == ["analyst"]
    entry = AuditEntry.objects.filter(action="membership.set_role").first()
    assert entry.before["role"] == "marketer" and entry.after["role"] == "analyst"
    assert entry.actor_label == "mia"
    assert Group.objects.filter(name="admin").exists()


def test_bad_user_input_names_every_field_and_creates_nothing(workspace):
    with pytest.raises(ValidationFailed) as error:
        actions.create_user(workspace, "", "short", "owner")
    assert error.value.errors == {
        "username": "must not be empty",
        "password": "This password is too short. It must contain at least 8 characters.",
        "role": "must be one of admin, marketer, analyst, staff, partner",
    }
    assert Membership.objects.count() == 0


def test_api_keys_are_stored_as_digests_and_revocable(workspace, admin):
    key, secret = actions.issue_api_key(workspace, "personal", "laptop", user=admin)
    assert secret.startswith("pt_") and secret not in key.digest and key.prefix == secret[:10]
    assert active_key(secret, "personal") == key
    assert active_key(secret, "write") is None
    actions.revoke_api_key(key)
    assert active_key(secret, "personal") is None
    with pytest.raises(ValidationFailed, match="user: a personal token belongs to a user"):
        actions.issue_api_key(workspace, "personal", "orphan")
    assert ApiKey.objects.count() == 1


def test_rest_api_needs_a_personal_token_and_is_scoped_to_its_workspace(
    client, workspace, admin, tracker
):
    tracker.batch(
        [{"type": "identify", "messageId": "i", "userId": "u", "traits": {"email": "z@x.com"}}]
    )
    other = actions.create_workspace("Other", slug="other")
    _, other_secret = actions.issue_api_key(other, "write", "site")
    from tests.conftest import Tracker

    Tracker(other_secret).batch(
        [{"type": "identify", "messageId": "i", "userId": "u", "traits": {"email": "other@x.com"}}]
    )
    assert client.get("/api/people/contacts").status_code == 401
    _, token = actions.issue_api_key(workspace, "personal", "cli", user=admin)
    response = client.get("/api/people/contacts", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert [c["email"] for c in response.json()] == ["z@x.com"]
    bad = client.get("/api/people/contacts?limit=9999", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert bad.status_code == 422
    assert (
        client.get("/api/metrics/kpis?grain=year", HTTP_AUTHORIZATION=f"Bearer {token}").status_code
        == 422
    )
