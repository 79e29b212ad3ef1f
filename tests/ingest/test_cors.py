"""Browsers on other origins can send events (CORS); a workspace may restrict the origins."""

import orjson
import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry
from pacer.ingest.actions import set_allowed_origins
from pacer.ingest.models import Event
from tests.ingest.test_tracking_api import PAGE

pytestmark = pytest.mark.django_db
SHOP = "https://shop.example"


@pytest.mark.parametrize("path", ["/v1/batch", "/v1/b", "/v1/track", "/v1/t", "/v1/page"])
def test_the_preflight_is_answered_for_any_origin(client, path):
    response = client.options(
        path,
        HTTP_ORIGIN="https://anywhere.test",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "https://anywhere.test"
    assert response["Access-Control-Allow-Methods"] == "POST, OPTIONS"
    assert response["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert response["Access-Control-Max-Age"] == "86400"
    assert "Origin" in response["Vary"]


def test_a_preflight_asking_odd_headers_gets_the_usual_list(client):
    response = client.options(
        "/v1/batch", HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x\r\ny: z"
    )
    assert (
        response["Access-Control-Allow-Headers"] == "Authorization, Content-Type, Content-Encoding"
    )


def test_a_browser_request_gets_the_allow_origin_header_and_a_server_one_does_not(
    client, write_key
):
    body = orjson.dumps({"writeKey": write_key, "batch": [PAGE]})
    # analytics.js posts text/plain with the key in the body, so browsers skip the preflight
    browser = client.post("/v1/batch", body, content_type="text/plain", HTTP_ORIGIN=SHOP)
    assert browser.status_code == 200 and browser.json()["accepted"] == 1
    assert browser["Access-Control-Allow-Origin"] == SHOP
    server = client.post("/v1/batch", body, content_type="application/json")
    assert server.status_code == 200 and "Access-Control-Allow-Origin" not in server


def test_a_workspace_listing_origins_refuses_the_others_on_the_request(
    client, workspace, write_key
):
    set_allowed_origins(workspace, [" HTTPS://Shop.Example/ ", "http://localhost:8080"])
    body = orjson.dumps({"writeKey": write_key, "batch": [PAGE]})
    refused = client.post(
        "/v1/batch", body, content_type="text/plain", HTTP_ORIGIN="https://evil.test"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["field"] == "Origin"
    assert "'https://evil.test' is not one of the origins" in refused.json()["error"]["reason"]
    assert refused["Access-Control-Allow-Origin"] == "https://evil.test"  # so the SDK reads why
    assert Event.objects.count() == 0
    allowed = client.post("/v1/batch", body, content_type="text/plain", HTTP_ORIGIN=SHOP)
    assert allowed.status_code == 200 and Event.objects.count() == 1
    # server-side SDKs send no Origin: the list is about browsers
    again = orjson.dumps({"writeKey": write_key, "batch": [{**PAGE, "messageId": "2"}]})
    assert client.post("/v1/batch", again, content_type="application/json").status_code == 200
    assert Event.objects.count() == 2


def test_admins_edit_the_allowed_origins_on_the_ingestion_page(client, workspace, admin):
    client.login(username="ada", password="correct-horse-1")
    response = client.post(
        "/settings/ingestion/origins/",
        {"origins": "https://shop.example\n\nhttp://[::1]:8000\n"},
        follow=True,
    )
    assert "2 origins allowed." in response.content.decode()
    assert ">\nhttp://[::1]:8000\nhttps://shop.example</textarea>" in response.content.decode()
    bad = client.post(
        "/settings/ingestion/origins/",
        {"origins": "https://ok.test\nshop.example/path"},
        follow=True,
    )
    assert (
        "Origins that may send events from a browser, one per line › #2: must be a scheme and host"
        in bad.content.decode()
    )
    from pacer.ingest.selectors import allowed_origins

    assert allowed_origins(workspace.pk) == ["http://[::1]:8000", "https://shop.example"]
    emptied = client.post("/settings/ingestion/origins/", {"origins": ""}, follow=True)
    assert "Every origin may send events." in emptied.content.decode()
    assert allowed_origins(workspace.pk) == []
    assert AuditEntry.objects.filter(action="ingest.origins").count() == 2


def test_the_rest_api_reads_and_replaces_the_allowed_origins(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "t", user=admin)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/ingest/origins").json() == {"origins": []}
    put = client.put(
        "/api/ingest/origins", {"origins": [SHOP, SHOP + "/"]}, content_type="application/json"
    )
    assert put.status_code == 200 and put.json() == {"origins": [SHOP]}
    bad = client.put(
        "/api/ingest/origins", {"origins": ["javascript:alert(1)"]}, content_type="application/json"
    )
    assert bad.status_code == 422 and "origins[0]" in bad.content.decode()
    too_many = {"origins": [f"https://s{i}.test" for i in range(101)]}
    assert (
        client.put("/api/ingest/origins", too_many, content_type="application/json").status_code
        == 422
    )
    assert client.get("/api/ingest/origins").json() == {"origins": [SHOP]}
