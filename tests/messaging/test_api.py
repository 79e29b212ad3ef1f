"""Messaging over the REST API: a template, a broadcast to a segment with a schedule,
queued once with its counts, and suppressions; refusals name the field and write
nothing; a role without messaging.send cannot write."""

from datetime import UTC, datetime

import pytest

from pacer.core import actions as core
from pacer.messaging import actions
from pacer.messaging.models import (
    Broadcast,
    Message,
    MessagingSettings,
    SuppressedAddress,
    Template,
)
from pacer.segments import actions as segments
from tests.messaging.conftest import person

pytestmark = pytest.mark.django_db


def bearer(workspace, role):
    user = core.create_user(workspace, f"api-{role}", "correct-horse-1", role)
    _, token = core.issue_api_key(workspace, "personal", "test", user=user)
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


@pytest.fixture
def api(client, workspace):
    headers = bearer(workspace, "marketer")

    def call(method, path, body=None):
        send = getattr(client, method)
        if body is None:
            return send(f"/api/messaging{path}", **headers)
        return send(f"/api/messaging{path}", body, content_type="application/json", **headers)

    return call


def test_a_broadcast_to_a_segment_from_template_to_queued_counts(api, workspace, now):
    ada = person(workspace, "ada@x.test", "Ada")
    bob = person(workspace, "bob@x.test", "Bob", consent=False)
    person(workspace, "cy@x.test", "Cy")  # not in the segment
    vips = segments.create_segment(workspace, name="VIPs", kind="static")
    segments.add_members(workspace, vips, [ada.pk, bob.pk])
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    created = api("post", "/templates", {"name": "T", "subject": "Hi", "html": "<p>Hi</p>"})
    assert created.status_code == 201
    template_id = created.json()["id"]
    assert api("get", f"/templates/{template_id}").json()["subject"] == "Hi"
    changed = api(
        "put", f"/templates/{template_id}", {"name": "T", "subject": "Hey", "html": "<p>x</p>"}
    )
    assert changed.json()["subject"] == "Hey"
    assert [s["from_email"] for s in api("get", "/senders").json()] == ["news@acme.test"]
    body = {
        "name": "VIP",
        "template_id": template_id,
        "sender_id": sender.pk,
        "audience": {"segment": vips.pk},
        "schedule": "at",
        "send_at": "2026-03-02T18:00:00+01:00",
    }
    made = api("post", "/broadcasts", body)
    assert made.status_code == 201
    out = made.json()
    assert (out["status"], out["audience"], out["schedule"]) == (
        "draft",
        {"segment": vips.pk},
        "at",
    )
    assert out["send_at"] == "2026-03-02T17:00:00Z"
    assert out["counts"] == {"queued": 0, "sent": 0, "skipped": 0, "failed": 0, "held": 0}
    queued = api("post", f"/broadcasts/{out['id']}/queue")
    assert queued.json() == {"queued": 1, "skipped": 1, "not_found": 0, "held": 0}
    again = api("post", f"/broadcasts/{out['id']}/queue")
    assert again.status_code == 422 and again.json()["errors"] == {"broadcast_id": "already queued"}
    got = api("get", f"/broadcasts/{out['id']}").json()
    assert got["status"] == "queued" and got["counts"] == {
        "queued": 1,
        "sent": 0,
        "skipped": 1,
        "failed": 0,
        "held": 0,
    }
    assert Message.objects.get(status="queued").due_at == datetime(2026, 3, 2, 17, tzinfo=UTC)
    assert [b["id"] for b in api("get", "/broadcasts").json()] == [out["id"]]


def test_refusals_name_the_field_and_write_nothing(api, workspace, now):
    sender = actions.save_sender(workspace, name="Acme", from_email="news@acme.test")
    template = actions.save_template(workspace, name="T", subject="Hi", html="<p>x</p>")
    bad_template = api("post", "/templates", {"name": "U", "subject": "Hi", "html": "{% url %}"})
    assert bad_template.status_code == 422 and list(bad_template.json()["errors"]) == ["html"]
    good = {"name": "B", "template_id": template.pk, "sender_id": sender.pk}
    for body, field in (
        ({**good, "audience": {"segment": 999}}, "audience"),
        ({**good, "audience": {"all": True}, "schedule": "at"}, "send_at"),
        ({**good, "audience": {"all": True}, "schedule": "local", "send_local": "x"}, None),
        ({**good, "audience": {"all": True}, "topic_id": 5}, "topic_id"),
        ({**good, "audience": {"all": True, "segment": 1}}, None),
        ({**good, "audience": {"all": True}, "template_id": 99999}, "template_id"),
    ):
        response = api("post", "/broadcasts", body)
        assert response.status_code == 422, body
        if field:
            assert list(response.json()["errors"]) == [field], response.json()
    assert api("get", "/broadcasts/12345").status_code == 404
    assert api("post", "/broadcasts/12345/queue").status_code == 404
    assert Template.objects.count() == 1 and not Broadcast.objects.exists()


def test_suppressions_are_added_once_and_listed(api, workspace, now):
    first = api("post", "/suppressions", {"email": "Ada@X.test", "reason": "complaint"})
    assert first.json() == {"added": True}
    assert api("post", "/suppressions", {"email": "ada@x.test"}).json() == {"added": False}
    assert api("get", "/suppressions").json() == [
        {
            "email": "ada@x.test",
            "reason": "complaint",
            "detail": "",
            "created_at": "2026-03-02T09:00:00Z",
        }
    ]
    refused = api("post", "/suppressions", {"email": "a@b.test", "reason": "whim"})
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["reason"]
    assert SuppressedAddress.objects.count() == 1


def test_a_role_without_send_can_read_but_not_write(client, workspace, now):
    headers = bearer(workspace, "analyst")
    from pacer.core.permissions import allows

    assert not allows("analyst", "messaging.send")
    reader = allows("analyst", "messaging.view")
    listed = client.get("/api/messaging/templates", **headers)
    assert listed.status_code == (200 if reader else 403)
    refused = client.post(
        "/api/messaging/suppressions",
        {"email": "a@b.test"},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 403 and not SuppressedAddress.objects.exists()


def test_topics_and_sending_rules_over_the_api(api, workspace, client):
    assert api("post", "/topics", {"name": "News", "description": "Monthly"}).status_code == 201
    again = api("post", "/topics", {"name": "News"})
    assert again.status_code == 422 and "another topic has this name" in again.content.decode()
    assert [t["name"] for t in api("get", "/topics").json()] == ["News"]
    defaults = MessagingSettings()
    replies = {
        "sms_help_text": defaults.sms_help_text,
        "sms_stop_text": defaults.sms_stop_text,
        "sms_start_text": defaults.sms_start_text,
    }
    assert api("get", "/settings").json() == {
        "time_zone": "UTC",
        "cap_count": 0,
        "cap_days": 7,
        "quiet_start": None,
        "quiet_end": None,
        "soft_bounce_limit": 3,
        "soft_bounce_days": 7,
        "default_territory": "",
        **replies,
        "attribution_days": 7,
    }
    body = {
        "time_zone": "Europe/London",
        "cap_count": 2,
        "cap_days": 7,
        "quiet_start": "21:00",
        "quiet_end": "08:00",
        "soft_bounce_limit": 4,
        "soft_bounce_days": 10,
        "default_territory": "gb",
        "sms_help_text": "Acme: acme.test/help",
    }
    saved = api("put", "/settings", body)
    body = body | {"default_territory": "GB", "sms_stop_text": replies["sms_stop_text"]}
    body["sms_start_text"], body["attribution_days"] = replies["sms_start_text"], 7
    assert saved.status_code == 200 and saved.json() == body
    refused = api("put", "/settings", {**body, "time_zone": "Mars/Base", "quiet_end": None})
    assert refused.status_code == 422
    assert "time_zone" in refused.content.decode() and "quiet_end" in refused.content.decode()
    assert api("get", "/settings").json() == body  # nothing changed
    analyst = bearer(workspace, "analyst")
    denied = client.put(
        "/api/messaging/settings", {**body, "cap_count": 9}, "application/json", **analyst
    )
    assert denied.status_code == 403
    assert api("get", "/settings").json()["cap_count"] == 2
