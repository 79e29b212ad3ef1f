"""Tracking links: a landing URL with the UTM parameters Pacer's channel classifier reads
back as the chosen channel and campaign.

Each trackable channel has a source and medium that classify as it
(``pacer.ingest.channels.classify``); the built link is checked against the classifier
before it is given, so a link that would be filed elsewhere (GA4's rules read "shop" in
a campaign key as shopping, for one) is refused with the reason instead.
"""

from dataclasses import dataclass
from urllib.parse import SplitResult, unquote_plus, urlencode, urlsplit, urlunsplit

from pacer.core.channels import CHANNELS, UNTRACKABLE
from pacer.core.errors import ValidationFailed
from pacer.ingest.channels import classify

# The source and medium a link for each channel carries (the source may be changed to
# another site of the same kind; the medium is what decides the channel).
LINK_PRESETS: dict[str, tuple[str, str]] = {
    "paid_search": ("google", "cpc"),
    "organic_search": ("google", "organic"),
    "paid_social": ("facebook", "paid_social"),
    "organic_social": ("facebook", "social"),
    "email": ("newsletter", "email"),
    "sms": ("sms", "sms"),
    "push": ("app", "push"),
    "display": ("google", "display"),
    "video": ("youtube", "cpv"),
    "affiliate": ("affiliate", "affiliate"),
    "referral": ("partner-site", "referral"),
    "events": ("event", "event"),
    "direct_mail": ("postcard", "direct_mail"),
    "podcast": ("podcast", "podcast"),
    "local_partner": ("partner", "partner"),
    "influencer": ("creator", "influencer"),
    "marketplace": ("marketplace", "marketplace"),
    "in_app": ("app", "in_app"),
}
# Sources a reader may pick instead of the preset's (offered as suggestions).
SOURCE_SUGGESTIONS: dict[str, tuple[str, ...]] = {
    "paid_search": ("google", "bing", "duckduckgo"),
    "organic_search": ("google", "bing"),
    "paid_social": ("facebook", "instagram", "linkedin", "tiktok", "pinterest", "snapchat"),
    "organic_social": ("facebook", "instagram", "linkedin", "tiktok", "x"),
    "video": ("youtube", "vimeo"),
}
# Channels no link can carry: people see them, not click them (their effect is measured
# by spend and a mix model), or they are what a visit without any tag is filed under.
NOT_BY_LINK: dict[str, str] = {
    **{
        channel: f"{CHANNELS[channel]} is not tracked by links: its effect is measured from "
        "spend (a mix model)"
        for channel in sorted(UNTRACKABLE)
    },
    "direct": "Direct is what a visit without any campaign tag is filed under: it needs no link",
    "unassigned": "Unassigned is where touches Pacer cannot classify go: no link should aim there",
}
UTM_NAMES = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
MAX_URL = 2000
MAX_VALUE = 200


@dataclass(frozen=True)
class Link:
    url: str
    channel: str
    source: str
    medium: str
    campaign: str
    content: str = ""
    term: str = ""
    replaced: tuple[str, ...] = ()  # UTM parameters of the landing URL that were replaced


def trackable(channel: str) -> bool:
    return channel in LINK_PRESETS


def check_landing_url(url: str, errors: dict) -> SplitResult | None:
    """The parts of an http(s) URL, or None with the reason in ``errors["landing_url"]``."""
    url = url.strip()
    if not url:
        errors["landing_url"] = "must not be empty"
        return None
    if len(url) > MAX_URL:
        errors["landing_url"] = f"must be at most {MAX_URL} characters"
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises for a malformed port)
    except ValueError:
        errors["landing_url"] = "is not a URL"
        return None
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"'{parts.scheme}:'" if parts.scheme else "no scheme"
        errors["landing_url"] = f"must start with http:// or https:// (it has {shown})"
        return None
    if not parts.hostname:
        errors["landing_url"] = "must name a site (https://example.com/…)"
        return None
    if any(ch.isspace() for ch in url):
        errors["landing_url"] = "must not contain spaces"
        return None
    return parts


def _value(name: str, value: str, errors: dict) -> str:
    value = value.strip()
    if len(value) > MAX_VALUE:
        errors[name] = f"must be at most {MAX_VALUE} characters"
    elif any(ord(ch) < 32 for ch in value):
        errors[name] = "must not contain control characters"
    return value


def build_link(
    landing_url: str,
    channel: str,
    campaign: str,
    *,
    source: str = "",
    content: str = "",
    term: str = "",
) -> Link:
    """The landing URL with UTM parameters Pacer classifies as ``channel`` and
    ``campaign`` (its key), keeping the URL's other query parameters as written and its
    fragment (UTM parameters it had are replaced); ``ValidationFailed`` names the field
    and the reason otherwise.

    >>> build_link("https://shop.example/spring?ref=nav", "email", "spring-sale").url
    'https://shop.example/spring?ref=nav&utm_source=newsletter&utm_medium=email&utm_campaign=spring-sale'
    """
    errors: dict[str, str] = {}
    parts = check_landing_url(landing_url, errors)
    if channel in NOT_BY_LINK:
        errors["channel"] = NOT_BY_LINK[channel]
    elif channel not in CHANNELS:
        errors["channel"] = f"'{channel[:40]}' is not a Pacer channel" if channel else "choose one"
    campaign = _value("campaign", campaign, errors)
    if not campaign and "campaign" not in errors:
        errors["campaign"] = "must not be empty"
    source = _value("source", source, errors)
    content = _value("content", content, errors)
    term = _value("term", term, errors)
    if errors:
        raise ValidationFailed(errors)
    preset_source, medium = LINK_PRESETS[channel]
    source = source or preset_source
    filed = classify(source, medium, campaign)
    if filed != channel:
        field = "campaign" if classify(source, medium, "") == channel else "source"
        raise ValidationFailed(
            {
                field: f"with source '{source}', medium '{medium}' and campaign '{campaign}' "
                f"Pacer files visits under {CHANNELS.get(filed, filed)}, not "
                f"{CHANNELS[channel]}"
                + (
                    " (GA4's rules read 'shop' or 'cross-network' in a campaign key that way)"
                    if field == "campaign"
                    else ""
                )
            }
        )
    pieces = [piece for piece in parts.query.split("&") if piece]
    names = [unquote_plus(piece.partition("=")[0]).lower() for piece in pieces]
    replaced = tuple(dict.fromkeys(name for name in names if name in UTM_NAMES))
    kept = [piece for piece, name in zip(pieces, names, strict=True) if name not in UTM_NAMES]
    ours = [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign)]
    ours += [(k, v) for k, v in (("utm_content", content), ("utm_term", term)) if v]
    query = "&".join([*kept, urlencode(ours)])
    url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))
    return Link(url, channel, source, medium, campaign, content, term, replaced)
