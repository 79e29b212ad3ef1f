"""Hosted lead forms: defined by managers, submitted by anyone (also inside an iframe on
another site), guarded by a honeypot and a rate limit; refusals write nothing."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import feed
from pacer.core.errors import ValidationFailed
from pacer.ingest.models import Event
from pacer.leads.forms import save_form
from pacer.leads.models import Lead
from pacer.people.actions import upsert_locations
from pacer.people.models import Consent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORDING = "Send me offers by email. I can unsubscribe at any time."


@pytest.fixture
def offer(workspace):
    upsert_locations(workspace, [{"code": "north", "name": "North"}])
    return save_form(
        workspace,
        {
            "key": "spring-offer",
            "title": "Book a free consultation",
            "fields": {"email": "required", "first_name": "optional"},
            "consents": [{"purpose": "marketing", "channel": "email", "wording": WORDING}],
            "ask_location": True,
        },
        now=NOW,
    )


URL = "/f/acme/spring-offer/"


def test_a_form_is_refused_field_by_field(workspace):
    with pytest.raises(ValidationFailed) as refused:
        save_form(
            workspace,
            {"key": "Bad Key", "title": "", "fields": {"fax": "required"}, "consents": [{}]},
            now=NOW,
        )
    assert refused.value.errors == {
        "key": "must be 1-100 lower-case letters, digits or hyphens",
        "title": "must be 1-200 characters",
        "fields.fax": "must be one of email, phone, first_name, last_name, postal_code",
        "fields": "ask for an email or a phone number",
        "consents[0].purpose": "must be 1-60 characters",
        "consents[0].channel": "must be 1-20 characters",
        "consents[0].wording": "must be 1-2000 characters",
    }


def test_the_hosted_form_can_be_embedded_and_makes_a_lead_with_its_consent(workspace, offer):
    client = Client(enforce_csrf_checks=True)  # posted from another site: no CSRF cookie
    page = client.get(
        URL + "?embed=1&utm_source=google&utm_medium=cpc&utm_campaign=spring",
        HTTP_REFERER="https://partner.test/spring",
    )
    assert page.status_code == 200 and "X-Frame-Options" not in page.headers
    assert "frame-ancestors *" in page["Content-Security-Policy"]
    html = page.content.decode()
    assert WORDING in html and 'value="https://partner.test/spring"' in html
    assert '<input type="hidden" name="utm_campaign" value="spring">' in html
    done = client.post(
        URL,
        {
            "email": "mia@example.com",
            "first_name": "Mia",
            "location": "north",
            "consent_0": "yes",
            "referrer": "https://partner.test/spring",
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "spring",
            "website": "",
        },
    )
    assert done.status_code == 200 and "Thank you!" in done.content.decode()
    while feed.deliver_all():
        pass
    (lead,) = Lead.objects.all()
    assert (lead.source, lead.form, lead.contact.email, lead.contact.first_name) == (
        "form",
        "spring-offer",
        "mia@example.com",
        "Mia",
    )
    (consent,) = Consent.objects.all()
    assert (consent.granted, consent.wording, consent.source) == (True, WORDING, "spring-offer")


@pytest.mark.parametrize(
    ("posted", "error"),
    [
        ({"email": "mia@example.com", "website": "http://spam.test"}, "could not be submitted"),
        ({"first_name": "Mia"}, "is required"),
        ({"email": "not-an-address"}, "is not an email address"),
        ({"email": "mia@example.com", "location": "atlantis"}, "no location"),
    ],
)
def test_refused_submissions_write_nothing(workspace, offer, posted, error):
    answer = Client().post(URL, posted)
    assert answer.status_code == 422 and error in answer.content.decode()
    assert not Event.objects.exists()


def test_an_address_is_limited_and_an_inactive_or_unknown_form_refuses(workspace, offer, settings):
    settings.LEAD_FORM_SUBMISSIONS_PER_ADDRESS = 2
    client = Client()
    for n in range(2):
        assert client.post(URL, {"email": f"p{n}@x.test"}).status_code == 200
    blocked = client.post(URL, {"email": "p9@x.test"})
    assert blocked.status_code == 422 and "too many submissions" in blocked.content.decode()
    assert Event.objects.filter(event="Lead Created").count() == 2
    offer.active = False
    offer.save()
    assert Client(REMOTE_ADDR="10.0.0.9").post(URL, {"email": "q@x.test"}).status_code == 422
    assert Client().get("/f/acme/nope/").status_code == 404
    assert Client().get("/f/other/spring-offer/").status_code == 404
