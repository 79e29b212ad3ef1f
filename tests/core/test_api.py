"""The REST API's one error shape for every 4xx, and API keys over it."""

import pytest
from django.test import Client

from pacer.core import actions
from pacer.core.models import ApiKey, Role
from tests.api_client import ApiClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(workspace, admin):
    return ApiClient(workspace, admin)


def error(response, status: int) -> dict:
    """The body of an error answer, after checking its status and that it is JSON."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert body["detail"] == "; ".join(f"{f}: {r}" for f, r in body["errors"].items())
    return body["errors"]


def test_401_names_the_missing_or_unknown_token(client):
    missing = client.get("/api/people/contacts")
    assert error(missing, 401) == {
        "authorization": "send a personal token as 'Authorization: Bearer <token>'"
    }
    assert missing["WWW-Authenticate"] == "Bearer"
    unknown = client.get("/api/people/contacts", HTTP_AUTHORIZATION="Bearer pk_nope")
    assert error(unknown, 401) == {
        "authorization": "is not an active personal token of a member of a workspace"
    }


def test_403_names_the_permission_the_role_lacks(workspace):
    staff = actions.create_user(workspace, "sam", "correct-horse-2", Role.STAFF)
    response = ApiClient(workspace, staff).get("core/keys")
    assert error(response, 403) == {"role": "your role does not allow this (keys.manage)"}


def test_404_for_an_unknown_thing_path_and_405_for_an_unknown_method(api):
    assert error(api.post("core/keys/999999/revoke"), 404) == {
        "key_id": "no such key in this workspace"
    }
    assert error(api.get("nope/nothing"), 404) == {"path": "no API operation at /api/nope/nothing"}
    assert error(api.get("people/contacts/12/unknown"), 404) == {
        "path": "no API operation at /api/people/contacts/12/unknown"
    }
    # without the trailing slash: the same answer, not a redirect that loses the body
    assert error(api.post("experiments", {}), 404) == {
        "path": "no API operation at /api/experiments"
    }
    # unknown paths answer the same shape without a token
    assert error(Client().post("/api/nope"), 404) == {"path": "no API operation at /api/nope"}
    deleted = api.delete("planning/campaigns")
    assert error(deleted, 405) == {"method": "DELETE is not allowed here; use GET, POST"}
    assert deleted["Allow"] == "GET, POST"


def test_400_for_a_body_that_is_not_json_and_413_for_one_too_big(api, settings):
    assert error(api.post("core/keys", raw=b'{"kind": '), 400) == {"body": "is not valid JSON"}
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = {"kind": "write", "name": "x" * 2000}
    assert error(api.post("core/keys", big), 413) == {"body": "is larger than this server accepts"}
    assert ApiKey.objects.count() == 1  # the test's own token


def test_400_for_too_many_parameters(api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    many = api.get("people/contacts", **{f"p{n}": n for n in range(11)})
    assert error(many, 400) == {
        "request": "The number of GET/POST parameters exceeded "
        "settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."
    }


def test_422_names_each_refused_value_by_its_path(api):
    assert error(api.post("core/keys", [1]), 422) == {
        "kind": "Field required",
        "name": "Field required",
    }
    assert error(api.post("core/keys", {"kind": "root", "name": ""}), 422) == {
        "kind": "'root' is not one of 'write' or 'personal'",
        "name": "String should have at least 1 character",
    }
    assert error(api.post("core/keys/0/revoke"), 422) == {
        "key_id": "Input should be greater than or equal to 1"
    }
    assert error(api.post("core/keys/99999999999999999999/revoke"), 422) == {
        "key_id": "Input should be less than or equal to 9223372036854775807"
    }
    assert error(api.post("core/keys", {"kind": "write", "name": "a\x00b"}), 422) == {
        "name": "must not contain NUL characters"
    }
    surrogate = api.post("core/keys", raw=b'{"kind": "write", "name": "a\\ud800"}')
    assert error(surrogate, 422) == {
        "name": "Input should be a valid string, unable to parse raw data as a unicode string"
    }
    assert ApiKey.objects.count() == 1


def test_keys_are_issued_listed_rotated_and_revoked(api, workspace, admin):
    issued = api.post("core/keys", {"kind": "write", "name": "site"})
    assert issued.status_code == 201
    key = issued.json()["key"]
    assert (key["kind"], key["name"], key["user"], key["revoked_at"]) == (
        "write",
        "site",
        None,
        None,
    )
    assert [k["name"] for k in api.get("core/keys").json()] == ["tests", "site"]
    rotated = api.post(f"core/keys/{key['id']}/rotate")
    assert rotated.status_code == 201 and rotated.json()["key"]["id"] != key["id"]
    assert api.post(f"core/keys/{key['id']}/revoke").json()["revoked_at"] is not None
    again = api.post(f"core/keys/{key['id']}/rotate")
    assert error(again, 422) == {"key": "is revoked; issue a new key instead"}
    assert ApiKey.objects.filter(workspace=workspace, revoked_at__isnull=True).count() == 2
