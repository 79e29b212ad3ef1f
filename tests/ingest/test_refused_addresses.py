"""The ingestion page's origins form, refused (issue 11): it posts to
/settings/ingestion/origins/, which answers POST only, so the page comes back (422) saying
its own address; its paging links are built on that address; nothing is written."""

import re

import pytest
from django.test import Client

from pacer.ingest import selectors
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')


def test_a_refused_origin_is_the_ingestion_page_at_its_address(workspace, admin):
    client = Client()
    assert client.login(username="ada", password="correct-horse-1")
    response = client.post("/settings/ingestion/origins/", {"origins": "not a url\n"})
    assert response.status_code == 422
    page = response.content.decode()
    assert ADDRESS.findall(page) == ["/settings/ingestion/"]
    assert error_links(page) and broken_error_links(page) == []
    assert "not a url" in page.split("</textarea>")[0].rsplit(">", 1)[1]
    assert selectors.allowed_origins(workspace.pk) == []
    assert client.get("/settings/ingestion/").status_code == 200
