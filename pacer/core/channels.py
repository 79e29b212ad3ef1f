"""Pacer's channel catalogue: the key every touch, campaign, spend row and KPI is filed
under, with its label. Ingestion classifies touches into it (``pacer.ingest.channels``);
planning, metrics and the pages read it from here."""

CHANNELS: dict[str, str] = {
    "paid_search": "Paid search",
    "organic_search": "Organic search",
    "paid_social": "Paid social",
    "organic_social": "Organic social",
    "email": "Email",
    "sms": "SMS",
    "push": "Push",
    "display": "Display",
    "video": "Video",
    "affiliate": "Affiliate",
    "referral": "Referral",
    "direct": "Direct",
    "events": "Events",
    "print": "Print",
    "direct_mail": "Direct mail",
    "tv": "TV",
    "radio": "Radio",
    "podcast": "Podcast",
    "out_of_home": "Out-of-home",
    "local_partner": "Local / franchise partners",
    "influencer": "Influencer",
    "marketplace": "Marketplace",
    "in_app": "In-app / loyalty",
    "unassigned": "Unassigned",
}

# Channels without trackable touches: people see them (broadcast, print, posters) and
# nobody arrives from them by a link or visit a tracker can read. Touch-based measures
# cannot credit them and no link is built for them; their effect is measured from spend.
UNTRACKABLE: frozenset[str] = frozenset({"tv", "radio", "print", "out_of_home"})
