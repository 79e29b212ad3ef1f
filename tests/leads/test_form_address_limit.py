"""The per-address submission limit is each form's own (default: the server's
``LEAD_FORM_SUBMISSIONS_PER_ADDRESS``), counted per form and address: a form with limit 2
refuses an address's third submission with 429 and the reason, storing nothing, while
another form still takes that address's submissions; set and refused over REST."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import actions as core_actions
from pacer.ingest.models import Event
from pacer.leads.forms import save_form
from pacer.leads.models import FormHit, Lead, LeadForm

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _form(workspace, key: str, **more) -> LeadForm:
    data = {"key": key, "title": key.title(), "fields": {"email": "required"}, **more}
    return save_form(workspace, data, now=NOW)


def _post(key: str, email: str, address: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=address).post(f"/f/acme/{key}/", {"email": email})


def _stored() -> tuple[int, int, int]:
    return Event.objects.count(), FormHit.objects.count(), Lead.objects.count()


def test_a_form_with_limit_2_refuses_the_third_while_another_form_accepts(
    workspace, settings, clock_at
):
    settings.LEAD_FORM_SUBMISSIONS_PER_ADDRESS = 3
    clock_at(NOW)
    _form(workspace, "quote", max_per_address=2)
    _form(workspace, "visit")  # the server's default: 3
    assert [_post("quote", f"q{n}@x.test").status_code for n in range(2)] == [200, 200]
    before = _stored()
    refused = _post("quote", "q3@x.test")
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(settings.LEAD_FORM_WINDOW_SECONDS)
    assert "too many submissions from your address to this form; try later" in (
        refused.content.decode()
    )
    assert _stored() == before  # no event, no hit counted, no lead
    assert not Event.objects.filter(properties__email="q3@x.test").exists()
    # the same address still reaches the other form, up to its own (default) limit
    assert [_post("visit", f"v{n}@x.test").status_code for n in range(4)] == [200, 200, 200, 429]
    # another address reaches the limited form; the window moves on for the first
    assert _post("quote", "other@x.test", address="10.0.0.2").status_code == 200
    clock_at(NOW + timedelta(seconds=settings.LEAD_FORM_WINDOW_SECONDS + 1))
    assert _post("quote", "later@x.test").status_code == 200


def test_the_forms_api_sets_reads_and_refuses_the_limit(workspace, admin):
    _, token = core_actions.issue_api_key(workspace, "personal", "test", user=admin)
    client = Client()

    def call(method, path, body=None):
        return getattr(client, method)(
            f"/api/leads/forms{path}",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )

    body = {"key": "quote", "title": "Quote", "fields": {"email": "required"}}
    assert call("post", "", body).json()["max_per_address"] is None  # the server's default
    changed = call("put", "/quote", {**body, "max_per_address": 2})
    assert changed.status_code == 200 and changed.json()["max_per_address"] == 2
    assert call("get", "/quote").json()["max_per_address"] == 2
    for bad in (0, 10_001, "two", -1):
        refused = call("put", "/quote", {**body, "max_per_address": bad})
        assert refused.status_code == 422, bad
        assert set(refused.json()["errors"]) == {"max_per_address"}, refused.json()
    assert LeadForm.objects.get(key="quote").max_per_address == 2
