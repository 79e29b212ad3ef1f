"""UTM parsing and channel classification.

GA4's default channel grouping rules (in Google's order) decide the group; Pacer's
offline media (print, TV, radio, direct mail, events, ...) are recognised first because
GA4 files them all under "Unassigned". Each GA4 group maps onto Pacer's catalogue.
"""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

# Pacer's offline and partner media, matched on utm_medium before GA4's rules.
PACER_MEDIA: dict[str, str] = {
    "print": "print",
    "newspaper": "print",
    "magazine": "print",
    "flyer": "print",
    "direct_mail": "direct_mail",
    "direct-mail": "direct_mail",
    "mail": "direct_mail",
    "postcard": "direct_mail",
    "tv": "tv",
    "television": "tv",
    "ctv": "tv",
    "radio": "radio",
    "podcast": "podcast",
    "ooh": "out_of_home",
    "billboard": "out_of_home",
    "out_of_home": "out_of_home",
    "event": "events",
    "events": "events",
    "tradeshow": "events",
    "partner": "local_partner",
    "franchise": "local_partner",
    "local": "local_partner",
    "influencer": "influencer",
    "creator": "influencer",
    "in_app": "in_app",
    "in-app": "in_app",
    "loyalty": "in_app",
    "marketplace": "marketplace",
}

SEARCH_SITES = {
    "google",
    "bing",
    "yahoo",
    "duckduckgo",
    "baidu",
    "yandex",
    "ecosia",
    "naver",
    "ask",
    "aol",
    "seznam",
    "startpage",
    "qwant",
    "brave",
    "search.brave.com",
    "so.com",
    "sogou",
}
SOCIAL_SITES = {
    "facebook",
    "fb",
    "instagram",
    "ig",
    "linkedin",
    "lnkd.in",
    "twitter",
    "x",
    "t.co",
    "tiktok",
    "pinterest",
    "reddit",
    "snapchat",
    "threads",
    "whatsapp",
    "tumblr",
    "quora",
    "discord",
    "messenger",
    "m.facebook.com",
    "l.facebook.com",
    "lm.facebook.com",
}
VIDEO_SITES = {"youtube", "youtu.be", "vimeo", "twitch", "dailymotion", "wistia"}
SHOPPING_SITES = {"amazon", "ebay", "etsy", "walmart", "shopify", "shopping", "alibaba"}
EMAIL_SOURCES = {"email", "e-mail", "e_mail", "e mail", "newsletter"}

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SHOPPING_CAMPAIGN = re.compile(r"^(.*(([^a-df-z]|^)shop|shopping).*)$")
DISPLAY_MEDIA = {"display", "banner", "expandable", "interstitial", "cpm"}
SOCIAL_MEDIA = {"social", "social-network", "social-media", "sm", "social network", "social media"}


@dataclass(frozen=True, slots=True)
class Touch:
    """Where a visit came from: the UTM fields and the classified channel."""

    source: str = ""
    medium: str = ""
    campaign: str = ""
    term: str = ""
    content: str = ""
    channel: str = ""


def _site_name(host_or_source: str) -> str:
    host = host_or_source.lower().removeprefix("www.").removeprefix("m.")
    return host


def _matches(source: str, sites: set[str]) -> bool:
    if not source:
        return False
    name = _site_name(source)
    if name in sites:
        return True
    parts = name.split(".")
    return any(part in sites for part in parts[:-1]) if len(parts) > 1 else False


def ga4_group(source: str, medium: str, campaign: str) -> str:
    """GA4's default channel group for a source/medium/campaign, e.g. ``"Paid Search"``."""
    source, medium, campaign = source.lower(), medium.lower(), campaign.lower()
    paid = bool(PAID_MEDIUM.match(medium))
    if source == "(direct)" and medium in ("(not set)", "(none)", ""):
        return "Direct"
    if "cross-network" in campaign:
        return "Cross-network"
    shopping = _matches(source, SHOPPING_SITES) or bool(SHOPPING_CAMPAIGN.match(campaign))
    if shopping and paid:
        return "Paid Shopping"
    if _matches(source, SEARCH_SITES) and paid:
        return "Paid Search"
    if _matches(source, SOCIAL_SITES) and paid:
        return "Paid Social"
    if _matches(source, VIDEO_SITES) and paid:
        return "Paid Video"
    if medium in DISPLAY_MEDIA:
        return "Display"
    if paid:
        return "Paid Other"
    if shopping:
        return "Organic Shopping"
    if _matches(source, SOCIAL_SITES) or medium in SOCIAL_MEDIA:
        return "Organic Social"
    if _matches(source, VIDEO_SITES) or "video" in medium:
        return "Organic Video"
    if _matches(source, SEARCH_SITES) or medium == "organic":
        return "Organic Search"
    if medium in ("referral", "app", "link"):
        return "Referral"
    if source in EMAIL_SOURCES or medium in EMAIL_SOURCES:
        return "Email"
    if medium == "affiliate":
        return "Affiliates"
    if medium == "audio":
        return "Audio"
    if source == "sms" or medium == "sms":
        return "SMS"
    if (
        medium.endswith("push")
        or "mobile" in medium
        or "notification" in medium
        or source == "firebase"
    ):
        return "Mobile Push Notifications"
    return "Unassigned"


GA4_TO_PACER = {
    "Direct": "direct",
    "Cross-network": "display",
    "Paid Shopping": "marketplace",
    "Paid Search": "paid_search",
    "Paid Social": "paid_social",
    "Paid Video": "video",
    "Display": "display",
    "Paid Other": "display",
    "Organic Shopping": "marketplace",
    "Organic Social": "organic_social",
    "Organic Video": "video",
    "Organic Search": "organic_search",
    "Referral": "referral",
    "Email": "email",
    "Affiliates": "affiliate",
    "Audio": "podcast",
    "SMS": "sms",
    "Mobile Push Notifications": "push",
    "Unassigned": "unassigned",
}


def classify(source: str, medium: str, campaign: str) -> str:
    """Pacer's channel key for a touch: offline media first, then GA4's grouping."""
    pacer = PACER_MEDIA.get(medium.strip().lower())
    if pacer:
        return pacer
    return GA4_TO_PACER[ga4_group(source, medium, campaign)]


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def touch_from_context(context: dict, properties: dict, *, is_visit: bool) -> Touch:
    """The touch a Segment message carries: ``context.campaign`` first, then UTM
    parameters in the page URL, then the referrer; a visit with none of them is direct.

    Messages that are not visits (identify, server-side track) carry no touch unless
    they name a campaign explicitly.
    """
    campaign = context.get("campaign") if isinstance(context.get("campaign"), dict) else {}
    page = context.get("page") if isinstance(context.get("page"), dict) else {}
    url = str(page.get("url") or properties.get("url") or "")
    fields = {
        k: str(campaign.get(k) or "") for k in ("source", "medium", "name", "term", "content")
    }
    if not any(fields.values()) and "utm_" in url:
        try:
            query = parse_qs(urlsplit(url).query)
        except ValueError:
            query = {}
        for key in ("source", "medium", "name", "term", "content"):
            param = "utm_campaign" if key == "name" else f"utm_{key}"
            fields[key] = (query.get(param) or [""])[0]
    if any(fields.values()):
        return Touch(
            fields["source"],
            fields["medium"],
            fields["name"],
            fields["term"],
            fields["content"],
            classify(fields["source"], fields["medium"], fields["name"]),
        )
    if not is_visit:
        return Touch()
    referrer = str(page.get("referrer") or properties.get("referrer") or "")
    ref_host = _host(referrer)
    if ref_host and ref_host == _host(url):
        return Touch()  # a page within the same site: navigation, not a new visit
    if ref_host:
        medium = "organic" if _matches(ref_host, SEARCH_SITES) else "referral"
        return Touch(ref_host, medium, "", "", "", classify(ref_host, medium, ""))
    return Touch("(direct)", "(none)", "", "", "", "direct")
