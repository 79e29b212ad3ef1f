"""The privacy REST routes: admins only, bounded input, scoped to the token's workspace."""

import pytest

from pacer.core import actions
from pacer.core.roles import Role
from pacer.people.models import Contact
from pacer.privacy.models import PrivacyRequest
from tests.privacy.conftest import ERIN_EMAIL, ERIN_USER

pytestmark = pytest.mark.django_db


def token_for(workspace, username: str, role: str) -> dict:
    user = actions.create_user(workspace, username, "long-password-1", role)
    _, secret = actions.issue_api_key(workspace, "personal", "cli", user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize("role", [Role.MARKETER, Role.ANALYST, Role.STAFF])
def test_only_admins_may_export_or_erase(client, workspace, people_in_db, role):
    auth = token_for(workspace, "someone", role)
    export = client.get(f"/api/privacy/export?email={ERIN_EMAIL}", **auth)
    assert export.status_code == 403 and "privacy.export" in export.json()["detail"]
    erase = client.post(
        "/api/privacy/erase", {"user_id": ERIN_USER}, content_type="application/json", **auth
    )
    assert erase.status_code == 403 and "privacy.erase" in erase.json()["detail"]
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2
    assert PrivacyRequest.objects.count() == 0
    assert client.get(f"/api/privacy/export?email={ERIN_EMAIL}").status_code == 401


def test_admin_exports_then_erases(client, workspace, people_in_db):
    auth = token_for(workspace, "root", Role.ADMIN)
    export = client.get("/api/privacy/export", {"user_id": ERIN_USER}, **auth)
    assert export.status_code == 200 and export["Content-Type"] == "application/json"
    assert sorted(export.json()["contact_ids"]) == sorted(people_in_db.erin)
    erase = client.post(
        "/api/privacy/erase", {"email": ERIN_EMAIL}, content_type="application/json", **auth
    )
    assert erase.status_code == 200
    body = erase.json()
    assert body["status"] == "done" and body["counts"]["people.contact"] == 2
    assert body["request_id"] == PrivacyRequest.objects.get(kind="erase").pk
    assert not Contact.objects.filter(id__in=people_in_db.erin).exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "identifiers"),
        ({"email": "x" * 255}, "email"),
        ({"email": "no-at-sign"}, "email"),
        ({"phone": "---"}, "phone"),
    ],
)
def test_bad_input_is_refused_with_the_field_and_changes_nothing(
    client, workspace, people_in_db, query, field
):
    auth = token_for(workspace, "root", Role.ADMIN)
    export = client.get("/api/privacy/export", query, **auth)
    erase = client.post("/api/privacy/erase", query, content_type="application/json", **auth)
    for response in (export, erase):
        assert response.status_code == 422
        assert field in str(response.json())
    assert PrivacyRequest.objects.count() == 0
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2


def test_hostile_bodies_get_422_not_500(client, workspace, people_in_db):
    auth = token_for(workspace, "root", Role.ADMIN)
    for body in ('{"email": 5}', '{"user_id": ["a"]}', "[]", "not json", '{"email": null}'):
        response = client.post("/api/privacy/erase", body, content_type="application/json", **auth)
        assert response.status_code in (400, 422), body
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2


def test_another_workspaces_admin_finds_nothing_here(client, workspace, people_in_db):
    other = actions.create_workspace("Other", slug="other")
    auth = token_for(other, "kim", Role.ADMIN)
    export = client.get("/api/privacy/export", {"email": ERIN_EMAIL}, **auth)
    assert export.json()["contact_ids"] == []
    client.post(
        "/api/privacy/erase", {"email": ERIN_EMAIL}, content_type="application/json", **auth
    )
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2
