"""Lead forms over ``/api/leads/forms``: made, read, listed, changed and archived through
the same action as the form pages; refusals name the field and write nothing; archiving
twice is archiving once; staff may not touch them."""

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.models import AuditEntry, Role
from pacer.leads.models import FormHit, LeadForm

pytestmark = pytest.mark.django_db
WORDING = "Send me offers by email. I can unsubscribe at any time."
OFFER = {
    "key": "spring-offer",
    "title": "Book a free consultation",
    "fields": {"email": "required", "first_name": "optional"},
    "consents": [{"purpose": "marketing", "channel": "email", "wording": WORDING}],
    "ask_location": False,
    "max_submissions": 50,
    "max_per_address": 3,
    "hidden": {"utm_campaign": "spring"},
}


@pytest.fixture
def api(workspace, admin):
    sam = core_actions.create_user(workspace, "sam", "correct-horse-1", Role.STAFF)
    _, admin_token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    _, staff_token = core_actions.issue_api_key(workspace, "personal", "test", user=sam)
    client = Client()

    def call(method, path="", body=None, token=admin_token):
        return getattr(client, method)(
            f"/api/leads/forms{path}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    call.staff_token = staff_token
    return call


def test_a_form_is_made_read_listed_changed_and_archived(api):
    made = api("post", "", OFFER)
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body == {
        **OFFER,
        "intro": "",
        "thanks": "Thank you! We will be in touch shortly.",
        "active": True,
        "url": "/f/acme/spring-offer/",
        "created_at": body["created_at"],
    }
    assert api("get", "/spring-offer").json() == body
    assert Client().get("/f/acme/spring-offer/").status_code == 200  # the hosted page
    changed = api(
        "put",
        "/spring-offer",
        {"title": "Spring offer", "fields": {"phone": "required"}, "max_submissions": None},
    )
    assert changed.status_code == 200, changed.json()
    form = LeadForm.objects.get(key="spring-offer")
    assert (form.title, form.fields, form.consents, form.max_submissions, form.hidden) == (
        "Spring offer",
        {"phone": "required"},
        [],
        None,
        {},
    )
    archived = api("post", "/spring-offer/archive")
    assert archived.status_code == 200 and archived.json()["active"] is False
    assert archived.json()["title"] == "Spring offer"  # nothing else changed
    audits = AuditEntry.objects.filter(action="leads.form").count()
    again = api("post", "/spring-offer/archive")  # idempotent: no second change, no audit
    assert again.json() == archived.json()
    assert AuditEntry.objects.filter(action="leads.form").count() == audits
    refused = Client(REMOTE_ADDR="10.0.0.1").post("/f/acme/spring-offer/", {"phone": "+1555"})
    assert refused.status_code == 422 and not FormHit.objects.exists()
    api("post", "", {**OFFER, "key": "autumn"})
    assert [f["key"] for f in api("get").json()] == ["autumn", "spring-offer"]
    assert [f["key"] for f in api("get", "?active=false").json()] == ["spring-offer"]
    assert [f["key"] for f in api("get", "?active=true").json()] == ["autumn"]
    back = api("put", "/spring-offer", {**archived.json(), "active": True})
    assert back.status_code == 200 and back.json()["active"] is True


def test_a_refused_form_names_each_field_and_writes_nothing(api):
    before = AuditEntry.objects.count()
    refused = api(
        "post",
        "",
        {**OFFER, "key": "Bad Key", "fields": {"fax": "required"}, "max_submissions": 0},
    )
    assert refused.status_code == 422
    assert set(refused.json()["errors"]) == {"key", "fields.fax.[key]", "max_submissions"}
    refused = api("post", "", {**OFFER, "fields": {"first_name": "required"}})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"fields": "ask for an email or a phone number"}
    assert not LeadForm.objects.exists() and AuditEntry.objects.count() == before
    assert api("post", "", OFFER).status_code == 201
    taken = api("post", "", {**OFFER, "title": "Another"})
    assert taken.status_code == 422
    assert taken.json()["errors"] == {"key": "a form with this key exists; change it with PUT"}
    assert LeadForm.objects.get().title == OFFER["title"]
    for path in ("/nope", "/nope/archive"):
        method = "get" if path == "/nope" else "post"
        missing = api(method, path)
        assert missing.status_code == 404
        assert missing.json()["errors"] == {"key": "no such form in this workspace"}
    assert api("put", "/nope", OFFER).status_code == 404 and LeadForm.objects.count() == 1


def test_staff_may_not_read_or_change_forms(api):
    api("post", "", OFFER)
    for method, path, body in (
        ("get", "", None),
        ("post", "", {**OFFER, "key": "other"}),
        ("get", "/spring-offer", None),
        ("put", "/spring-offer", OFFER),
        ("post", "/spring-offer/archive", None),
    ):
        response = api(method, path, body, token=api.staff_token)
        assert response.status_code == 403, (method, path)
    assert LeadForm.objects.get().active and LeadForm.objects.count() == 1


def test_archiving_changes_only_whether_the_form_takes_submissions(api):
    made = api("post", "", OFFER).json()
    archived = api("post", "/spring-offer/archive").json()
    assert archived == {**made, "active": False}
    entry = AuditEntry.objects.filter(action="leads.form").latest("id")
    assert entry.before["active"] is True and entry.after["active"] is False
    assert {k: v for k, v in entry.before.items() if k != "active"} == {
        k: v for k, v in entry.after.items() if k not in ("active", "key", "created")
    }
    assert api("post", "/nope/archive").json()["errors"] == {
        "key": "no such form in this workspace"
    }
