"""A form's own page edits the form (title, intro, fields, consent boxes and their
wording, the location question, thanks, whether it takes submissions, its fixed hidden
UTM values and its ceiling of submissions from everyone) with inline
errors and a preview of the hosted page; a changed wording leaves what earlier
submissions recorded as it was; the preview takes no submission."""

import pytest
from django.test import Client

from pacer.core import feed
from pacer.core.models import AuditEntry
from pacer.ingest.models import Event
from pacer.leads.models import FormHit, LeadForm
from pacer.people.models import Consent
from tests.leads.test_forms import URL, WORDING, offer  # noqa: F401 (a fixture)
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
PAGE = "/leads/forms/spring-offer/"
NEW_WORDING = "Send me offers by email or SMS. I can stop them at any time."
EDIT = {
    "part": "form",
    "title": "Book your visit",
    "intro": "We call you back within 15 minutes.",
    "fields.email": "required",
    "fields.phone": "optional",
    "fields.first_name": "required",
    "fields.last_name": "",
    "fields.postal_code": "optional",
    "consents[0].purpose": "marketing",
    "consents[0].channel": "email",
    "consents[0].wording": NEW_WORDING,
    "consents[1].purpose": "",
    "consents[1].channel": "",
    "consents[1].wording": "",
    "consents[2].purpose": "reminders",
    "consents[2].channel": "sms",
    "consents[2].wording": "Text me reminders of my visit.",
    "thanks": "Thanks! Talk soon.",
    "active": "on",
    "hidden.utm_source": "google",
    "hidden.utm_medium": " cpc ",
    "hidden.utm_campaign": "spring",
    "hidden.utm_content": "",
    "hidden.utm_term": "",
    "max_submissions": "50",
    "max_per_address": "2",
}
STATE = (
    "title",
    "intro",
    "fields",
    "consents",
    "ask_location",
    "thanks",
    "active",
    "hidden",
    "max_submissions",
    "max_per_address",
)


@pytest.fixture
def manager(admin):
    client = Client()
    client.force_login(admin)
    return client


def _state(form: LeadForm) -> dict:
    form.refresh_from_db()
    return {name: getattr(form, name) for name in STATE}


def test_the_page_shows_the_form_as_saved_with_a_preview(manager, offer):  # noqa: F811
    html = manager.get(PAGE).content.decode()
    assert 'id="form-edit"' in html and 'value="Book a free consultation"' in html
    assert f"{WORDING}</textarea>" in html
    assert '<option value="optional" selected>optional</option>' in html  # first name
    assert 'src="/f/acme/spring-offer/?embed=1&amp;preview=1"' in html
    assert 'id="field-max_submissions"' in html and 'placeholder="200"' in html
    assert "Empty: the server&#x27;s default, 200; 1 to 100,000. Now: 200." in html
    assert 'id="field-hidden.utm_campaign"' in html
    assert "src=&quot;http://testserver/f/acme/spring-offer/embed.js&quot; async" in html
    preview = manager.get(URL + "?embed=1&preview=1").content.decode()
    assert "Preview: submissions are off." in preview and WORDING in preview


def test_the_page_saves_every_part_of_the_form_and_audits_it(manager, offer, admin):  # noqa: F811
    before = _state(offer)
    saved = manager.post(PAGE, EDIT)
    assert saved.status_code == 302 and saved.url == PAGE
    assert _state(offer) == {
        "title": "Book your visit",
        "intro": "We call you back within 15 minutes.",
        "fields": {
            "email": "required",
            "phone": "optional",
            "first_name": "required",
            "postal_code": "optional",
        },
        "consents": [
            {"purpose": "marketing", "channel": "email", "wording": NEW_WORDING},
            {"purpose": "reminders", "channel": "sms", "wording": "Text me reminders of my visit."},
        ],
        "ask_location": False,
        "thanks": "Thanks! Talk soon.",
        "active": True,
        "hidden": {"utm_source": "google", "utm_medium": "cpc", "utm_campaign": "spring"},
        "max_submissions": 50,
        "max_per_address": 2,
    }
    shown = manager.get(PAGE).content.decode()
    assert 'name="max_submissions" type="number" value="50"' in shown and "Now: 50." in shown
    assert 'name="max_per_address" type="number" value="2"' in shown
    assert "Empty: the server&#x27;s default, 10; 1 to 10,000. Now: 2." in shown
    assert 'name="hidden.utm_campaign" type="text" value="spring"' in shown
    entry = AuditEntry.objects.filter(action="leads.form").latest("id")
    assert entry.actor == admin and entry.before == before
    assert entry.after == {"key": "spring-offer", "created": False, **_state(offer)}
    # unticked: no longer takes submissions
    emptied = {**EDIT, "active": "", "max_submissions": "", "max_per_address": ""}
    assert manager.post(PAGE, emptied).status_code == 302
    assert _state(offer)["active"] is False
    assert _state(offer)["max_submissions"] is None  # emptied: the server's default again
    assert _state(offer)["max_per_address"] is None
    assert (
        "this form no longer takes submissions"
        in Client().post(URL, {"email": "mia@example.com"}).content.decode()
    )


def test_refusals_show_inline_under_their_rows_and_change_nothing(manager, offer):  # noqa: F811
    before, audited = _state(offer), AuditEntry.objects.count()
    posted = {
        **EDIT,
        "title": "",
        "fields.email": "",
        "fields.phone": "",
        "consents[0].purpose": "",  # the first filled row
        "consents[2].channel": "x" * 21,  # the second filled row, third on the page
        "intro": "y" * 2001,
        "max_submissions": "0",
        "max_per_address": "10001",
        "hidden.utm_campaign": "z" * 201,
    }
    refused = manager.post(PAGE, posted)
    assert refused.status_code == 422
    assert refused.context["edit_errors"] == {
        "title": "must be 1-200 characters",
        "fields": "ask for an email or a phone number",
        "consents[0].purpose": "must be 1-60 characters",
        "consents[2].channel": "must be 1-20 characters",
        "intro": "must be at most 2000 characters",
        "max_submissions": "must be a whole number from 1 to 100,000",
        "max_per_address": "must be a whole number from 1 to 10,000",
        "hidden.utm_campaign": "must be at most 200 characters",
    }
    html = refused.content.decode()
    assert 'id="field-max_per_address-error"' in html
    assert 'id="field-max_submissions-error"' in html
    assert 'id="field-hidden.utm_campaign-error"' in html
    assert 'id="field-fields-error"' in html
    assert 'id="field-consents[2].channel-error"' in html  # under its own field
    assert f"{NEW_WORDING}</textarea>" in html  # what was typed is kept
    assert _state(offer) == before and AuditEntry.objects.count() == audited
    # each reason's link lands on its field, a group's on its fieldset (focusable)
    assert "field-fields" in error_links(html) and broken_error_links(html) == []


def test_a_changed_wording_leaves_what_earlier_submissions_recorded(
    manager,
    offer,  # noqa: F811
):
    def submit(email):
        posted = {"email": email, "first_name": "Mia", "consent_0": "yes", "website": ""}
        assert Client().post(URL, posted).status_code == 200
        while feed.deliver_all():
            pass

    submit("first@example.com")
    assert manager.post(PAGE, EDIT).status_code == 302
    submit("second@example.com")
    recorded = sorted(
        Consent.objects.values_list("contact__email", "purpose", "granted", "wording")
    )
    assert recorded == [
        ("first@example.com", "marketing", True, WORDING),
        ("second@example.com", "marketing", True, NEW_WORDING),
        ("second@example.com", "reminders", False, "Text me reminders of my visit."),
    ]


def test_the_preview_takes_no_submission(offer):  # noqa: F811
    answer = Client().post(URL + "?embed=1&preview=1", {"email": "mia@example.com"})
    assert answer.status_code == 200 and "Preview: submissions are off." in answer.content.decode()
    assert not Event.objects.exists() and not FormHit.objects.exists()


def test_a_closed_form_says_so_above_its_fields_and_links_nowhere(offer):  # noqa: F811
    offer.active = False
    offer.save()
    refused = Client().post(URL, {"email": "mia@example.com"})
    html = refused.content.decode()
    assert refused.status_code == 422
    assert "this form no longer takes submissions" in html
    assert error_links(html) == [] and broken_error_links(html) == []
    offer.active = True
    offer.save()
    refused = Client().post(URL, {"email": "not an address"})
    html = refused.content.decode()
    assert refused.status_code == 422
    assert error_links(html) == ["field-email"] and broken_error_links(html) == []
