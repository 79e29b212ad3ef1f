"""A new collection's name from an asset's page is checked like every text field: a NUL
character (which PostgreSQL cannot store) answered 500 there, found by a hostile-input
walk of the demo's forms on PostgreSQL."""

import pytest
from django.test import Client

from pacer.content.models import Collection
from pacer.core.models import AuditEntry
from tests.content.conftest import PASSWORD
from tests.content.test_assets import _upload

pytestmark = pytest.mark.django_db


def test_a_collection_name_with_a_nul_is_refused_and_nothing_written(workspace, team):
    asset = _upload(workspace, team["editor"])
    client = Client()
    assert client.login(username=team["editor"].username, password=PASSWORD)
    audited = AuditEntry.objects.count()
    url = f"/assets/{asset.pk}/collect/"
    response = client.post(url, {"new_collection": "Sum\x00mer"})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="field-new_collection-error"><p>must not contain NUL characters</p>' in html
    assert not Collection.objects.filter(workspace=workspace).exists()
    assert AuditEntry.objects.count() == audited
    client.post(url, {"new_collection": "  Summer kit  "})
    assert list(Collection.objects.values_list("name", flat=True)) == ["Summer kit"]
    assert list(asset.collections.values_list("name", flat=True)) == ["Summer kit"]
