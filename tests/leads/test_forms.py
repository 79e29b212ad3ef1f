"""Hosted lead forms: defined by managers, submitted by anyone (also inside an iframe on
another site, placed by the embed script), guarded by a honeypot and rate limits per
address and per form; fixed hidden UTM values; refusals write nothing."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from pacer.core import feed
from pacer.core.errors import ValidationFailed
from pacer.ingest.models import Event
from pacer.leads.forms import save_form
from pacer.leads.models import FormHit, Lead
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
    assert blocked.status_code == 429 and "too many submissions" in blocked.content.decode()
    assert Event.objects.filter(event="Lead Created").count() == 2
    offer.active = False
    offer.save()
    assert Client(REMOTE_ADDR="10.0.0.9").post(URL, {"email": "q@x.test"}).status_code == 422
    assert Client().get("/f/acme/nope/").status_code == 404
    assert Client().get("/f/other/spring-offer/").status_code == 404


def _post(address: str, email: str, **more):
    return Client(REMOTE_ADDR=address).post(URL, {"email": email, **more})


def _written() -> tuple[int, int]:
    return Event.objects.count(), FormHit.objects.count()


def test_a_form_takes_at_most_its_ceiling_from_everyone_then_refuses_writing_nothing(
    workspace, offer, settings, clock_at
):
    settings.LEAD_FORM_SUBMISSIONS_PER_FORM = 3
    clock_at(NOW)
    for n in range(3):  # three visitors, one submission each: under every address's limit
        assert _post(f"10.0.0.{n}", f"p{n}@x.test").status_code == 200
    before = _written()
    refused = _post("10.0.0.9", "late@x.test")
    assert refused.status_code == 429
    assert "this form is taking too many submissions right now" in refused.content.decode()
    assert _written() == before
    # another form of the workspace has its own count
    save_form(
        workspace, {"key": "other", "title": "Other", "fields": {"email": "required"}}, now=NOW
    )
    assert (
        Client(REMOTE_ADDR="10.0.0.9").post("/f/acme/other/", {"email": "o@x.test"}).status_code
        == 200
    )
    # the form's own ceiling replaces the server's default; the window moves on
    save_form(
        workspace,
        {
            "key": "spring-offer",
            "title": "T",
            "fields": {"email": "required"},
            "max_submissions": 4,
        },
        now=NOW,
    )
    assert _post("10.0.0.9", "fourth@x.test").status_code == 200
    assert _post("10.0.0.8", "fifth@x.test").status_code == 429
    clock_at(NOW + timedelta(seconds=settings.LEAD_FORM_WINDOW_SECONDS + 1))
    assert _post("10.0.0.8", "next@x.test").status_code == 200
    assert FormHit.objects.filter(form=offer).count() == 1  # the window's older hits pruned


def test_the_limits_per_address_and_per_form_are_counted_apart(
    workspace, offer, settings, clock_at
):
    settings.LEAD_FORM_SUBMISSIONS_PER_ADDRESS = 2
    settings.LEAD_FORM_SUBMISSIONS_PER_FORM = 3
    clock_at(NOW)
    assert [_post("10.0.0.1", f"a{n}@x.test").status_code for n in range(3)] == [200, 200, 429]
    assert (
        "too many submissions from your address" in _post("10.0.0.1", "a@x.test").content.decode()
    )
    assert FormHit.objects.count() == 2  # refusals are not counted against the form
    assert _post("10.0.0.2", "b@x.test").status_code == 200
    over = _post("10.0.0.3", "c@x.test")
    assert over.status_code == 429 and "taking too many submissions" in over.content.decode()
    assert Event.objects.filter(event="Lead Created").count() == 3


def test_fixed_hidden_values_fill_what_the_link_lacks_and_the_link_wins(workspace, offer):
    save_form(
        workspace,
        {
            "key": "spring-offer",
            "title": "Book a free consultation",
            "fields": {"email": "required"},
            "hidden": {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"},
        },
        now=NOW,
    )
    page = Client().get(URL).content.decode()
    assert "spring" not in page  # the fixed values stay on the server
    assert _post("10.0.0.1", "fixed@x.test").status_code == 200
    linked = {"utm_source": "newsletter", "utm_medium": "email", "utm_campaign": "may-mail"}
    assert _post("10.0.0.2", "linked@x.test", **linked).status_code == 200
    while feed.deliver_all():
        pass
    leads = {
        lead.contact.email: (lead.channel, lead.campaign)
        for lead in Lead.objects.select_related("contact")
    }
    assert leads == {
        "fixed@x.test": ("paid_search", "spring"),
        "linked@x.test": ("email", "may-mail"),
    }


def test_a_refused_hidden_value_or_ceiling_names_the_field_and_writes_nothing(workspace, offer):
    with pytest.raises(ValidationFailed) as refused:
        save_form(
            workspace,
            {
                "key": "spring-offer",
                "title": "T",
                "fields": {"email": "required"},
                "hidden": {"utm_campaign": "x" * 201, "gclid": "abc"},
                "max_submissions": 100_001,
            },
            now=NOW,
        )
    assert refused.value.errors == {
        "hidden.utm_campaign": "must be at most 200 characters",
        "hidden.gclid": "must be one of "
        "utm_source, utm_medium, utm_campaign, utm_content, utm_term",
        "max_submissions": "must be a whole number from 1 to 100,000",
    }
    offer.refresh_from_db()
    assert (offer.title, offer.hidden, offer.max_submissions) == (
        "Book a free consultation",
        {},
        None,
    )


def test_the_embed_script_carries_the_embedding_pages_address_referrer_and_utm(workspace, offer):
    script = Client().get(URL + "embed.js")
    assert script.status_code == 200 and script["Content-Type"].startswith("text/javascript")
    body = script.content.decode()
    assert 'var FORM = "http://testserver/f/acme/spring-offer/";' in body
    assert 'var TITLE = "Book a free consultation";' in body
    assert "window.location.href" in body and "document.referrer" in body
    assert Client().get("/f/acme/nope/embed.js").status_code == 404
    # what the script opens: the iframe keeps the embedding page's address and referrer
    framed = (
        Client()
        .get(
            URL,
            {
                "embed": "1",
                "page_url": "https://partner.test/offer?utm_source=fb",
                "referrer": "https://search.test/",
                "utm_source": "fb",
            },
            HTTP_REFERER="https://partner.test/offer?utm_source=fb",
        )
        .content.decode()
    )
    assert '<input type="hidden" name="referrer" value="https://search.test/">' in framed
    assert '<input type="hidden" name="utm_source" value="fb">' in framed
    # a plain iframe (scripts off): the browser's Referer is the embedding page, not a referrer
    plain = Client().get(URL + "?embed=1", HTTP_REFERER="https://partner.test/offer").content
    assert b'name="referrer" value=""' in plain
    assert b'name="page_url" value="https://partner.test/offer"' in plain
