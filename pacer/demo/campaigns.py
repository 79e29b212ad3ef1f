"""What the demo's marketers call their campaigns. The simulator keys a campaign by its
channel and quarter (``paid_search-2025-q4``, the ``utm_campaign`` its links carry); the
pages show the name a team would have given it ("Holiday 2025 search ads"), and its
flight the days it ran."""

import re
from datetime import UTC, date, datetime, timedelta

import numpy as np

from pacer.core.channels import CHANNELS
from pacer.simulate.business import Business

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


def campaign_flights(business: Business) -> dict[int, tuple[date, date]]:
    """Each simulated campaign's first and last day, by its index in ``campaign_names``.

    A campaign runs from the first week it spent in to the last day of its last week with
    spend (a TV or radio flight is on for some weeks of its quarter, a digital one for all
    of them), never past its quarter's last day; one still spending in the business's last
    week is booked to its quarter's end.
    """
    weeks, amounts = business.spend_week_start, business.spend_amount
    last_week = weeks.max() if len(weeks) else None
    flights = {}
    for index in np.unique(business.spend_campaign).tolist():
        mine = business.spend_campaign == index
        spent = weeks[mine & (amounts > 0)]
        if not len(spent):
            spent = weeks[mine]
        first, last = (
            datetime.fromtimestamp(int(w), UTC).date() for w in (spent.min(), spent.max())
        )
        quarter_end = _quarter_end(business.campaign_names[index], last)
        end = quarter_end if spent.max() == last_week else last + timedelta(days=6)
        flights[index] = (first, min(end, quarter_end))
    return flights


def _quarter_end(key: str, fallback: date) -> date:
    match = KEY.fullmatch(key)
    year, quarter = (
        (int(match["year"]), int(match["quarter"]))
        if match
        else (
            fallback.year,
            (fallback.month - 1) // 3 + 1,
        )
    )
    following = date(year + quarter // 4, quarter % 4 * 3 + 1, 1)
    return following - timedelta(days=1)
