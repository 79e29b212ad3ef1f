"""The text fields of campaigns and vendors go through one check (``check_text``): each
refusal names the field and writes nothing."""

import pytest

from pacer.core.errors import ValidationFailed
from pacer.planning.actions import create_campaign, update_campaign
from pacer.planning.models import Campaign, Vendor
from pacer.planning.purchase_actions import save_vendor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("key", 7, "must be text"),
        ("key", "   ", "must not be empty"),
        ("key", "a\x00b", "must not contain NUL characters"),
        ("key", "k" * 201, "must be at most 200 characters"),
        ("name", ["a list"], "must be text"),
        ("name", "n" * 201, "must be at most 200 characters"),
        ("landing_url", 3, "must be text"),
    ],
)
def test_campaign_text_refused(workspace, field, value, reason):
    values = {"key": "spring", "name": "Spring", "landing_url": ""} | {field: value}
    with pytest.raises(ValidationFailed) as caught:
        create_campaign(workspace, channel="email", **values)
    assert caught.value.errors == {field: reason}
    assert not Campaign.objects.filter(workspace=workspace).exists()


def test_campaign_text_stripped(workspace):
    campaign = create_campaign(workspace, "  spring  ", "email", name=" Spring sale ")
    assert (campaign.key, campaign.name) == ("spring", "Spring sale")
    update_campaign(campaign, channel="email", name=None)
    campaign.refresh_from_db()
    assert campaign.name == "spring"  # no name: the key


VENDOR = {"name": "Northwind", "kind": "agency"}


@pytest.mark.parametrize("falsy", [0, False, [], {}])
def test_vendor_falsy_non_text_is_refused(workspace, falsy):
    """A falsy value that is not text (0, False, an empty list) was taken for "" before
    the one check; now it is refused like any other non-text value."""
    with pytest.raises(ValidationFailed) as caught:
        save_vendor(workspace, VENDOR | {"scope": falsy})
    assert caught.value.errors == {"scope": "must be text"}
    assert not Vendor.objects.filter(workspace=workspace).exists()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", None, "must not be empty"),
        ("name", " ", "must not be empty"),
        ("name", 12, "must be text"),
        ("contact_name", "x" * 201, "must be at most 200 characters"),
        ("rates", "a\x00", "must not contain NUL characters"),
    ],
)
def test_vendor_text_refused(workspace, field, value, reason):
    with pytest.raises(ValidationFailed) as caught:
        save_vendor(workspace, VENDOR | {field: value})
    assert caught.value.errors == {field: reason}
    assert not Vendor.objects.filter(workspace=workspace).exists()


def test_vendor_missing_text_is_empty(workspace):
    vendor = save_vendor(workspace, VENDOR | {"name": "  Northwind ", "scope": None})
    assert (vendor.name, vendor.scope, vendor.contract) == ("Northwind", "", "")
