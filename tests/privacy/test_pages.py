"""The Privacy page: find, export, and erase only after typing the confirmation word."""

import json

import pytest

from pacer.core import actions
from pacer.core.roles import Role
from pacer.people.models import Contact
from pacer.privacy.models import PrivacyRequest, Suppression
from tests.privacy.conftest import ERIN_EMAIL, ERIN_USER

pytestmark = pytest.mark.django_db
ROUTES = ["/settings/privacy/", "/settings/privacy/export/", "/settings/privacy/erase/"]


@pytest.fixture
def signed_in(client, admin):
    client.login(username="ada", password="correct-horse-1")
    return client


@pytest.mark.parametrize("role", [Role.MARKETER, Role.ANALYST, Role.STAFF])
def test_the_pages_are_for_admins_only(client, workspace, people_in_db, role):
    actions.create_user(workspace, "sam", "long-password-1", role)
    client.login(username="sam", password="long-password-1")
    assert client.get(ROUTES[0]).status_code == 403
    for route in ROUTES:
        assert client.post(route, {"email": ERIN_EMAIL, "confirm": "ERASE"}).status_code == 403
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2
    assert PrivacyRequest.objects.count() == 0


def test_anonymous_visitors_are_sent_to_log_in(client, people_in_db):
    for route in ROUTES:
        response = client.post(route, {"email": ERIN_EMAIL, "confirm": "ERASE"})
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2


def test_find_shows_what_both_stores_hold(signed_in, people):
    page = signed_in.post(ROUTES[0], {"user_id": ERIN_USER})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Found 2 contacts" in html
    assert '<td>ingest.event</td><td class="num">7</td>' in html
    assert '<td>warehouse.events</td><td class="num">7</td>' in html
    bad = signed_in.post(ROUTES[0], {"email": "nope"})
    assert bad.status_code == 422 and "Email: &#x27;nope&#x27; is not an email address" in (
        bad.content.decode()
    )


def test_export_downloads_json(signed_in, people_in_db):
    response = signed_in.post(ROUTES[1], {"email": ERIN_EMAIL})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="person-export-')
    assert sorted(json.loads(response.content)["contact_ids"]) == sorted(people_in_db.erin)
    assert signed_in.get(ROUTES[1]).status_code == 405


def test_erase_asks_for_the_confirmation_word_first(signed_in, people_in_db):
    ask = signed_in.post(ROUTES[2], {"email": ERIN_EMAIL})
    assert ask.status_code == 200 and "Type ERASE to confirm" in ask.content.decode()
    wrong = signed_in.post(ROUTES[2], {"email": ERIN_EMAIL, "confirm": "erase please"})
    assert "confirm: type ERASE to erase" in wrong.content.decode()
    assert Contact.objects.filter(id__in=people_in_db.erin).count() == 2
    assert Suppression.objects.count() == 0

    done = signed_in.post(ROUTES[2], {"email": ERIN_EMAIL, "confirm": "ERASE"}, follow=True)
    html = done.content.decode()
    assert "rows removed; identifiers suppressed" in html
    assert not Contact.objects.filter(id__in=people_in_db.erin).exists()
    assert Suppression.objects.count() == 5
    # the request log names who and what, never the identifiers
    assert "<td>ada</td><td>Erasure</td><td>Done</td>" in html
    assert ERIN_USER not in html and "erin" not in html.lower()
