"""Tracking links: what the builder makes is read back by ingestion as exactly the channel
and campaign chosen; channels no link can carry say so; the landing URL keeps its own
parameters; anything but http(s) is refused."""

from urllib.parse import parse_qsl, urlsplit

import pytest
from django.utils import timezone

from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.ingest.actions import ingest
from pacer.ingest.models import Event
from pacer.people.models import Contact
from pacer.planning.links import LINK_PRESETS, NOT_BY_LINK, SOURCE_SUGGESTIONS, build_link

TRACKABLE = [key for key in CHANNELS if key not in NOT_BY_LINK]
# campaign keys that a URL must carry intact: spaces, &, +, =, #, %, accents, slashes
KEYS = ["spring-sale", "Spring Sale 2026", "a&b=c+d#e%f", "été/à-la-une", "x" * 200]


def test_every_channel_is_either_trackable_or_says_why_not():
    assert set(LINK_PRESETS) | set(NOT_BY_LINK) == set(CHANNELS)
    assert not set(LINK_PRESETS) & set(NOT_BY_LINK)
    assert {"tv", "radio", "print", "out_of_home"} <= set(NOT_BY_LINK)
    assert len(TRACKABLE) == 18


def _visit(workspace, url: str, number: int) -> Event:
    ingest(
        workspace,
        [
            {
                "type": "page",
                "messageId": f"link-{number}",
                "anonymousId": f"visitor-{number}",
                "timestamp": "2026-03-02T09:00:00Z",
                "context": {"page": {"url": url, "referrer": "https://elsewhere.test/"}},
            }
        ],
        received_at=timezone.now(),
    )
    return Event.objects.get(workspace=workspace, message_id=f"link-{number}")


@pytest.mark.django_db
def test_a_built_link_is_ingested_as_exactly_its_channel_and_campaign(workspace):
    number = 0
    for channel in TRACKABLE:
        sources = ("", *SOURCE_SUGGESTIONS.get(channel, ()))
        for key in KEYS:
            for source in sources:
                link = build_link(
                    "https://shop.example/spring?ref=nav&utm_source=old#top",
                    channel,
                    key,
                    source=source,
                    content="hero banner",
                    term="running shoes",
                )
                number += 1
                event = _visit(workspace, link.url, number)
                assert not event.pending and event.quarantined_at is None
                assert (event.channel, event.utm_campaign) == (channel, key), (channel, key)
                assert (event.utm_source, event.utm_medium) == (link.source, link.medium)
                contact = Contact.objects.get(pk=event.contact_id)
                assert contact.acquisition_channel == channel
                assert contact.acquisition_campaign == key
    assert number == Event.objects.filter(workspace=workspace).count()


def test_the_landing_url_keeps_its_parameters_and_fragment_and_loses_its_old_tags():
    link = build_link(
        "https://shop.example/a/b?ref=nav&q=red%20shoes&UTM_SOURCE=old&utm_medium=x#reviews",
        "paid_social",
        "spring",
        source="instagram",
        term="shoes",
    )
    parts = urlsplit(link.url)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https",
        "shop.example",
        "/a/b",
        "reviews",
    )
    assert parts.query.startswith("ref=nav&q=red%20shoes&")  # as written
    assert parse_qsl(parts.query) == [
        ("ref", "nav"),
        ("q", "red shoes"),
        ("utm_source", "instagram"),
        ("utm_medium", "paid_social"),
        ("utm_campaign", "spring"),
        ("utm_term", "shoes"),
    ]
    assert link.replaced == ("utm_source", "utm_medium")


def test_a_link_is_exactly_the_landing_url_and_the_three_tags():
    assert (
        build_link("http://example.com", "email", "spring").url
        == "http://example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=spring"
    )


def refused(**arguments) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        build_link(**{"landing_url": "https://a.test/", "channel": "email", **arguments})
    return caught.value.errors


@pytest.mark.parametrize("channel", ["tv", "radio", "print", "out_of_home"])
def test_channels_seen_not_clicked_say_so_instead_of_a_link(channel):
    assert refused(channel=channel, campaign="spring") == {
        "channel": f"{CHANNELS[channel]} is not tracked by links: its effect is measured "
        "from spend (a mix model)"
    }


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://a.test/x", "must start with http:// or https:// (it has 'ftp:')"),
        ("javascript:alert(1)", "must start with http:// or https:// (it has 'javascript:')"),
        ("www.example.com/x", "must start with http:// or https:// (it has no scheme)"),
        ("https:///path-only", "must name a site (https://example.com/…)"),
        ("https://a.test/a b", "must not contain spaces"),
        ("", "must not be empty"),
        ("https://a.test:99999/", "is not a URL"),
        ("https://a.test/" + "x" * 2000, "must be at most 2000 characters"),
    ],
)
def test_urls_that_are_not_http_are_refused_with_the_reason(url, reason):
    assert refused(landing_url=url, campaign="spring") == {"landing_url": reason}


def test_a_campaign_key_the_classifier_would_misfile_is_refused_not_linked():
    # GA4's rules read "shop" in a campaign as shopping: a paid-search link would count as
    # marketplace, so the builder refuses rather than give a link that files elsewhere
    assert refused(channel="paid_search", campaign="summer-shop") == {
        "campaign": "with source 'google', medium 'cpc' and campaign 'summer-shop' Pacer "
        "files visits under Marketplace, not Paid search (GA4's rules read 'shop' or "
        "'cross-network' in a campaign key that way)"
    }
    assert refused(channel="paid_search", campaign="x", source="facebook") == {
        "source": "with source 'facebook', medium 'cpc' and campaign 'x' Pacer files "
        "visits under Paid social, not Paid search"
    }


def test_missing_and_unknown_values_are_named():
    assert refused(channel="carrier_pigeon", campaign="") == {
        "channel": "'carrier_pigeon' is not a Pacer channel",
        "campaign": "must not be empty",
    }
    assert refused(campaign="x", content="a\nb") == {
        "content": "must not contain control characters"
    }
