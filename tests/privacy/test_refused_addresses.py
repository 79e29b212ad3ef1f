"""The privacy page refused (issue 11): a search, export or erase without an identifier
names no single field, so its reason links to the first identifier's field (there was no
#field-identifiers); refused from /settings/privacy/export/ or /erase/ (POST only), the
page says its own address; nothing is logged."""

import re

import pytest
from django.test import Client

from pacer.privacy.models import PrivacyRequest
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')


@pytest.mark.parametrize(
    ("url", "moved"),
    [
        ("/settings/privacy/", False),
        ("/settings/privacy/export/", True),
        ("/settings/privacy/erase/", True),
    ],
)
def test_no_identifier_links_to_the_first_identifier(workspace, admin, url, moved):
    client = Client()
    assert client.login(username="ada", password="correct-horse-1")
    response = client.post(url, {})
    assert response.status_code == 422
    page = response.content.decode()
    assert error_links(page) == ["field-email"] and broken_error_links(page) == []
    assert ADDRESS.findall(page) == (["/settings/privacy/"] if moved else [])
    assert not PrivacyRequest.objects.exists()
