"""The mentions page's "Also email me" for an account without an email address: shown
off and disabled with the reason, and turning it on is refused at the field (422, nothing
saved); an account with an address sees it ticked by default and where the emails go."""

import re

import pytest
from django.test import Client

from pacer.work.models import MentionPreference
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
REASON = "Off: your account has no email address, so mentions reach you on this page only."


def _checkbox(html: str) -> str:
    return re.search(r'<input type="checkbox" name="email"[^>]*>', html).group(0)


@pytest.fixture
def as_bob(bob):
    client = Client()
    client.force_login(bob)
    return client


def test_an_account_without_an_address_sees_the_box_off_and_disabled_with_the_reason(as_bob, bob):
    assert bob.email == ""
    html = as_bob.get("/work/mentions/").content.decode()
    assert _checkbox(html) == (
        '<input type="checkbox" name="email" value="on" disabled '
        'aria-describedby="mention-email-reason">'
    )
    assert f'<p class="hint" id="mention-email-reason" tabindex="-1">{REASON}</p>' in html
    assert 'form method="post" action="/work/mentions/email/"' in html
    assert ">Save</button>" not in html  # nothing to save


def test_turning_emails_on_without_an_address_is_refused_at_the_field_and_saves_nothing(
    as_bob, bob
):
    response = as_bob.post("/work/mentions/email/", {"email": "on"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Mention emails not turned on" in html
    assert "Email: your account has no email address to send mention emails to" in html
    assert error_links(html) == ["mention-email-reason"]
    assert broken_error_links(html) == []
    assert MentionPreference.objects.count() == 0  # nothing written
    # turning them off needs no address
    assert as_bob.post("/work/mentions/email/", {}).status_code == 302
    assert list(MentionPreference.objects.values_list("user_id", "email")) == [(bob.pk, False)]
    assert as_bob.post("/work/mentions/email/", {"email": "on"}).status_code == 422
    assert list(MentionPreference.objects.values_list("user_id", "email")) == [(bob.pk, False)]


def test_an_account_with_an_address_sees_it_ticked_and_can_turn_it_off_and_on(as_bob, bob):
    bob.email = "bob@x.test"
    bob.save(update_fields=["email"])
    html = as_bob.get("/work/mentions/").content.decode()
    assert _checkbox(html) == '<input type="checkbox" name="email" value="on" checked>'
    assert "Also email me at bob@x.test when someone mentions me" in html
    assert "mention-email-reason" not in html
    assert as_bob.post("/work/mentions/email/", {}).status_code == 302
    assert as_bob.post("/work/mentions/email/", {"email": "on"}).status_code == 302
    assert list(MentionPreference.objects.values_list("user_id", "email")) == [(bob.pk, True)]
