import pytest

from pacer.core.channels import CHANNELS
from pacer.ingest.channels import classify, ga4_group, touch_from_context


@pytest.mark.parametrize(
    ("source", "medium", "campaign", "group"),
    [
        ("(direct)", "(none)", "", "Direct"),
        ("google", "cpc", "brand", "Paid Search"),
        ("bing", "ppc", "", "Paid Search"),
        ("facebook", "paid_social", "", "Paid Social"),
        ("l.instagram.com", "paid", "", "Paid Social"),
        ("youtube", "cpv", "", "Paid Video"),
        ("amazon", "cpc", "", "Paid Shopping"),
        ("google", "cpc", "summer shopping", "Paid Shopping"),
        ("dv360", "display", "", "Display"),
        ("any", "cpm", "", "Display"),
        ("outbrain", "paid_native", "", "Paid Other"),
        ("google", "cpc", "cross-network q3", "Cross-network"),
        ("etsy", "referral", "", "Organic Shopping"),
        ("facebook", "referral", "", "Organic Social"),
        ("newsletter", "social", "", "Organic Social"),
        ("vimeo", "referral", "", "Organic Video"),
        ("duckduckgo", "organic", "", "Organic Search"),
        ("blog.example.org", "referral", "", "Referral"),
        ("newsletter", "email", "", "Email"),
        ("partnerize", "affiliate", "", "Affiliates"),
        ("spotify", "audio", "", "Audio"),
        ("twilio", "sms", "", "SMS"),
        ("firebase", "app", "", "Referral"),
        ("onesignal", "web-push", "", "Mobile Push Notifications"),
        ("mystery", "weird", "", "Unassigned"),
    ],
)
def test_ga4_default_channel_grouping(source, medium, campaign, group):
    assert ga4_group(source, medium, campaign) == group


def test_offline_media_map_to_pacer_channels_before_ga4():
    assert classify("local_paper", "print", "") == "print"
    assert classify("usps", "direct_mail", "") == "direct_mail"
    assert classify("nbc", "tv", "") == "tv"
    assert classify("chamber", "partner", "") == "local_partner"
    assert classify("creator_x", "influencer", "") == "influencer"
    assert classify("mystery", "weird", "") == "unassigned"


def test_every_classification_lands_in_the_catalogue():
    assert len(CHANNELS) >= 23
    for medium in ("cpc", "email", "sms", "print", "referral", "organic", "weird", "display"):
        assert classify("google", medium, "") in CHANNELS


def test_touch_prefers_context_campaign_then_url_then_referrer():
    ctx = {
        "campaign": {"source": "facebook", "medium": "paid_social", "name": "spring"},
        "page": {"url": "https://s.test/?utm_source=google&utm_medium=cpc"},
    }
    assert touch_from_context(ctx, {}, is_visit=True).channel == "paid_social"
    url_only = {"page": {"url": "https://s.test/?utm_source=google&utm_medium=cpc&utm_campaign=b"}}
    touch = touch_from_context(url_only, {}, is_visit=True)
    assert (touch.source, touch.medium, touch.campaign, touch.channel) == (
        "google",
        "cpc",
        "b",
        "paid_search",
    )
    ref = {"page": {"url": "https://s.test/", "referrer": "https://www.bing.com/search?q=x"}}
    assert touch_from_context(ref, {}, is_visit=True).channel == "organic_search"
    internal = {"page": {"url": "https://s.test/b", "referrer": "https://s.test/a"}}
    assert touch_from_context(internal, {}, is_visit=True).channel == ""
    assert (
        touch_from_context({"page": {"url": "https://s.test/"}}, {}, is_visit=True).channel
        == "direct"
    )
    assert touch_from_context({}, {}, is_visit=False).channel == ""
