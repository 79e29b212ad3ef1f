"""What the demo's marketers call their campaigns. The simulator keys a campaign by its
channel and quarter (``paid_search-2025-q4``, the ``utm_campaign`` its links carry); the
pages show the name a team would have given it ("Holiday 2025 search ads")."""

import re

from pacer.core.channels import CHANNELS

SEASONS = {1: "New year", 2: "Spring", 3: "Summer", 4: "Holiday"}
# what a quarter's campaign on each channel is, in the team's words
FORMATS = {
    "paid_search": "search ads",
    "paid_social": "social ads",
    "display": "banners",
    "video": "pre-roll",
    "affiliate": "affiliate offers",
    "email": "newsletter offers",
    "tv": "TV flight",
    "radio": "radio spots",
    "direct_mail": "postcards",
    "local_partner": "partner promotions",
}
KEY = re.compile(r"(?P<channel>[a-z_]+)-(?P<year>\d{4})-q(?P<quarter>[1-4])")


def campaign_name(key: str) -> str:
    """The name of a simulated campaign (``key`` itself when it is not one)."""
    match = KEY.fullmatch(key)
    if match is None:
        return key
    channel = match["channel"]
    what = FORMATS.get(channel) or CHANNELS.get(channel, channel.replace("_", " "))
    return f"{SEASONS[int(match['quarter'])]} {match['year']} {what}"
