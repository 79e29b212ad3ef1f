"""Admins revoke and rotate write keys and personal tokens, on the page and over the API."""

import base64

import orjson
import pytest
from django.test import Client

from pacer.core import actions
from pacer.core.models import ApiKey

pytestmark = pytest.mark.django_db


def _track(secret: str) -> int:
    auth = "Basic " + base64.b64encode(f"{secret}:".encode()).decode()
    body = orjson.dumps({"type": "track", "event": "X", "userId": "u", "messageId": secret[-8:]})
    return (
        Client()
        .post("/v1/track", body, content_type="application/json", HTTP_AUTHORIZATION=auth)
        .status_code
    )


def test_rotating_a_write_key_on_the_page_stops_the_old_secret_at_once(client, workspace, admin):
    key, old = actions.issue_api_key(workspace, "write", "website")
    assert _track(old) == 200
    client.force_login(admin)
    page = client.post(f"/settings/keys/{key.pk}/rotate/").content.decode()
    new = ApiKey.objects.exclude(pk=key.pk).get(kind="write")
    assert new.name == "website" and new.prefix in page  # the new secret is shown once
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert _track(old) == 401
    secret = page.split('class="secret">')[1].split("<")[0]
    assert secret.startswith(new.prefix) and _track(secret) == 200


def test_revoking_a_key_on_the_page(client, workspace, admin):
    key, secret = actions.issue_api_key(workspace, "write", "website")
    client.force_login(admin)
    client.post(f"/settings/keys/{key.pk}/revoke/")
    assert _track(secret) == 401


def test_keys_over_the_api_and_personal_tokens_are_rotated_by_their_owner(workspace, admin):
    sam = actions.create_user(workspace, "sam", "long-password", "admin")
    _, ada_token = actions.issue_api_key(workspace, "personal", "ada's laptop", user=admin)
    sam_key, sam_token = actions.issue_api_key(workspace, "personal", "sam's laptop", user=sam)
    api = Client()
    as_ada = {"HTTP_AUTHORIZATION": f"Bearer {ada_token}"}
    listed = api.get("/api/core/keys", **as_ada).json()
    assert [k["name"] for k in listed] == ["ada's laptop", "sam's laptop"]
    assert listed[1]["user"] == "sam" and "digest" not in listed[1]
    refused = api.post(f"/api/core/keys/{sam_key.pk}/rotate", **as_ada)
    assert (
        refused.status_code == 422 and ApiKey.objects.filter(revoked_at__isnull=False).count() == 0
    )
    assert api.post(f"/api/core/keys/{sam_key.pk}/revoke", **as_ada).status_code == 200
    assert api.get("/api/core/keys", HTTP_AUTHORIZATION=f"Bearer {sam_token}").status_code == 401
    issued = api.post(
        "/api/core/keys",
        {"kind": "write", "name": "shop"},
        content_type="application/json",
        **as_ada,
    )
    assert issued.status_code == 201
    body = issued.json()
    assert body["secret"].startswith("pw_") and body["key"]["kind"] == "write"
    rotated = api.post(f"/api/core/keys/{body['key']['id']}/rotate", **as_ada)
    assert rotated.status_code == 201 and rotated.json()["secret"] != body["secret"]
    assert _track(body["secret"]) == 401 and _track(rotated.json()["secret"]) == 200
