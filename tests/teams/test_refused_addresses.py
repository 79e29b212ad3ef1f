"""The team's targets form and the experience page's ratings import, refused (issue 11):
each posts to an address that answers GET with a redirect, so the page comes back (422)
saying its own address, which answers 200; its error links land; nothing is written."""

import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.teams.models import KpiTarget, ReviewRating
from tests.web.error_links import broken_error_links, error_links

pytestmark = pytest.mark.django_db
ADDRESS = re.compile(r'<meta name="pacer-page-address" content="([^"]*)">')


@pytest.fixture
def client(workspace, admin, monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: datetime(2026, 4, 10, 12, tzinfo=UTC))
    client = Client()
    assert client.login(username="ada", password="correct-horse-1")
    return client


def _written():
    return KpiTarget.objects.count(), ReviewRating.objects.count(), AuditEntry.objects.count()


def test_a_refused_target_is_the_teams_page_at_its_address_for_the_month_typed(client):
    before = _written()
    response = client.post(
        "/teams/cx/targets/", {"metric": "cac", "month": "2026-02", "target": "lots"}
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert ADDRESS.findall(page) == ["/teams/cx/?month=2026-02"]
    assert error_links(page) == ["field-target"] and broken_error_links(page) == []
    assert 'value="lots"' in page
    assert _written() == before
    assert client.get("/teams/cx/?month=2026-02").status_code == 200


def test_a_refused_ratings_import_is_the_experience_page_at_its_address(client):
    before = _written()
    upload = SimpleUploadedFile("r.csv", b"location,rating\nn,4\n")
    response = client.post("/experience/ratings/", {"file": upload})
    assert response.status_code == 422
    page = response.content.decode()
    assert ADDRESS.findall(page) == ["/experience/"]
    assert "missing columns: source, external_id, date" in page
    assert broken_error_links(page) == []
    assert _written() == before
    assert client.get("/experience/").status_code == 200
