"""The partner page's forms, refused (issue 11's rule): sharing a collection, giving
someone a login and deactivating come back (422) with the reason at the field (or above
the form) and what was typed — never the password — and nothing is written."""

import pytest
from django.test import Client

from pacer.content.models import Collection, PartnerMember, PartnerShare
from pacer.core.models import AuditEntry, Membership
from pacer.core.roles import Role
from tests.content.test_asset_forms import _error
from tests.content.test_partner_portal import at, library  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(admin) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def test_a_refused_share_keeps_the_collection_chosen(manager, library):  # noqa: F811
    agency, spring = library["agency"], Collection.objects.get(name="Spring kit")
    shares, audited = PartnerShare.objects.count(), AuditEntry.objects.count()
    answer = manager.post(f"/assets/partners/{agency.pk}/share/", {"collection": str(spring.pk)})
    assert answer.status_code == 422
    html = answer.content.decode()
    reason = "choose at least one of original, medium, thumbnail"
    assert _error(html, "share-renditions") == reason
    assert f'<option value="{spring.pk}" selected>' in html
    assert PartnerShare.objects.count() == shares and AuditEntry.objects.count() == audited


def test_a_refused_login_keeps_the_name_and_email_but_not_the_password(manager, library):  # noqa: F811
    agency = library["agency"]
    logins, audited = PartnerMember.objects.count(), AuditEntry.objects.count()
    typed = {"username": "fran", "email": "new@agency.test", "password": "Secret-pass-123"}
    answer = manager.post(f"/assets/partners/{agency.pk}/logins/", typed)
    assert answer.status_code == 422
    html = answer.content.decode()
    assert _error(html, "field-username") == "&#x27;fran&#x27; is already taken; choose another"
    assert 'value="new@agency.test"' in html and "Secret-pass-123" not in html
    assert PartnerMember.objects.count() == logins and AuditEntry.objects.count() == audited


def test_a_refused_deactivation_says_why_above_its_form(manager, admin, workspace, library):  # noqa: F811
    franchise = library["franchise"]
    fran = franchise.members.get().user
    Membership.objects.filter(workspace=workspace, user=fran).update(role=Role.ADMIN)
    Membership.objects.filter(workspace=workspace, user=admin).update(role=Role.STAFF)
    audited = AuditEntry.objects.count()
    client = Client()
    client.force_login(fran)  # the only admin, and the partner's login (as before the rule)
    answer = client.post(f"/assets/partners/{franchise.pk}/active/", {"active": "0"})
    assert answer.status_code == 422
    html = answer.content.decode()
    refused = html[html.index('id="deactivate-h"') :]
    assert "Not deactivated" in refused
    assert "Role: the workspace must keep at least one admin" in refused
    franchise.refresh_from_db()
    assert franchise.active and AuditEntry.objects.count() == audited
