"""Spend uploaded as ad platforms export it (``pacer.planning.uploads``): a Google Ads
campaign report after its title lines, a Meta and a LinkedIn export, each with the
channel chosen for the upload, campaigns matched by name, recorded once however often the
file comes; an export in another currency, a file without a channel column and no
channel chosen, and an unknown channel are refused naming the field, writing nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pacer.core import actions as core_actions
from pacer.core.errors import ValidationFailed
from pacer.core.roles import Role
from pacer.planning.actions import create_campaign
from pacer.planning.models import SpendEntry, SpendUpload
from pacer.planning.uploads import preview, record_upload, start_upload

pytestmark = pytest.mark.django_db

GOOGLE_ADS = b"""Campaign report
"January 1, 2026 - January 31, 2026"
Day,Campaign,Campaign type,Currency code,Clicks,Cost
2026-01-05,Spring Sale,Search,USD,120,1234.50
2026-01-06,spring-sale,Search,USD,80,10.00
2026-01-06,Brand Terms,Search,USD,40,99.99
"""
META = b"""Reporting starts,Reporting ends,Campaign name,Results,Amount spent (USD)
2026-01-05,2026-01-05,Spring Sale,12,300.25
"""
LINKEDIN = b"""Start Date (in UTC),Campaign Name,Impressions,Total Spent
2026-01-07,brand terms,1000,45.00
"""


@pytest.fixture
def campaigns(workspace):
    create_campaign(workspace, "spring-sale", "paid_search", name="Spring Sale")
    create_campaign(workspace, "brand-terms", "paid_search", name="Brand terms")


def ledger(workspace) -> list[tuple]:
    rows = SpendEntry.objects.filter(workspace=workspace).order_by("day", "channel", "amount")
    return [(e.day, e.channel, e.campaign.key, e.amount) for e in rows]


def test_platform_exports_are_read_and_recorded_once(workspace, campaigns):
    upload = start_upload(workspace, "google.csv", GOOGLE_ADS, channel="paid_search")
    found = preview(upload)
    assert found.mapping == {"Day": "date", "Campaign": "campaign", "Cost": "amount"}
    assert found.rejected == [] and found.total == Decimal("1344.49")
    record_upload(upload)
    record_upload(start_upload(workspace, "meta.csv", META, channel="Paid social"))
    record_upload(start_upload(workspace, "linkedin.csv", LINKEDIN, channel="paid_social"))
    expected = [
        (date(2026, 1, 5), "paid_search", "spring-sale", Decimal("1234.50")),
        (date(2026, 1, 5), "paid_social", "spring-sale", Decimal("300.25")),
        (date(2026, 1, 6), "paid_search", "spring-sale", Decimal("10.00")),
        (date(2026, 1, 6), "paid_search", "brand-terms", Decimal("99.99")),
        (date(2026, 1, 7), "paid_social", "brand-terms", Decimal("45.00")),
    ]
    assert sorted(ledger(workspace)) == sorted(expected)
    again = start_upload(workspace, "google.csv", GOOGLE_ADS, channel="paid_search")
    assert len(record_upload(again).replaced) == 3  # the same export again: replaced
    assert sorted(ledger(workspace)) == sorted(expected)


def test_a_row_rejected_in_an_export_is_numbered_as_in_the_file(workspace, campaigns):
    text = GOOGLE_ADS.replace(b"Brand Terms", b"Unknown campaign")
    found = preview(start_upload(workspace, "google.csv", text, channel="paid_search"))
    assert found.rejected == [
        {
            "row": 6,
            "field": "campaign",
            "reason": "no campaign 'Unknown campaign' in this workspace",
        }
    ]


def test_refusals_name_the_field_and_write_nothing(workspace, campaigns):
    euros = META.replace(b"(USD)", b"(EUR)")
    with pytest.raises(ValidationFailed) as refused:
        preview(start_upload(workspace, "meta.csv", euros, channel="paid_social"))
    assert refused.value.errors == {"file": "its amounts are in EUR; spend is recorded in USD"}
    with pytest.raises(ValidationFailed) as refused:
        preview(start_upload(workspace, "meta.csv", META))
    assert list(refused.value.errors) == ["file"]
    assert "needs a column for channel" in refused.value.errors["file"]
    with pytest.raises(ValidationFailed) as refused:
        start_upload(workspace, "meta.csv", META, channel="carrier pigeon")
    assert refused.value.errors == {"channel": "'carrier pigeon' is not a Pacer channel"}
    assert SpendUpload.objects.filter(channel="").count() == 1  # only the one without
    assert SpendEntry.objects.count() == 0


def test_the_upload_page_takes_the_channel(workspace, campaigns):
    core_actions.create_user(workspace, "ada", "correct-horse-1", Role.ADMIN)
    client = Client()
    client.login(username="ada", password="correct-horse-1")
    page = client.get("/spend/upload/").content.decode()
    assert 'name="channel"' in page and "Ad platforms" in page
    file = SimpleUploadedFile("meta.csv", META, content_type="text/csv")
    response = client.post("/spend/upload/", {"file": file, "channel": "paid_social"})
    assert response.status_code == 302
    assert SpendUpload.objects.get().channel == "paid_social"
    file = SimpleUploadedFile("meta.csv", META, content_type="text/csv")
    refused = client.post("/spend/upload/", {"file": file, "channel": "nope"})
    assert refused.status_code == 422 and "is not a Pacer channel" in refused.content.decode()
    assert SpendUpload.objects.count() == 1
