"""How the measurement pages name channels, models and ranges.

Channels without trackable touches (broadcast and print: nobody arrives from them by a
link a tracker can read) get no credit from touch-based attribution and no acquired
customers in the KPI cube; their spend is real, so they are shown with it, and their
touch-based ROMI is "not applicable" rather than −100%. Their effect is a job for a
mix model.
"""

from datetime import date

from pacer.core.channels import CHANNELS, UNTRACKABLE

NOT_APPLICABLE = "n/a"
NOT_APPLICABLE_HINT = (
    "Not applicable: this channel has no trackable touches (no link or visit to follow), "
    "so touch-based measures cannot credit it. Its effect needs a marketing mix model."
)
MODEL_LABELS = {
    "first_touch": "First touch",
    "last_touch": "Last touch",
    "linear": "Linear",
    "time_decay": "Time decay",
    "position_based": "Position (40/20/40)",
    "w_shaped": "W-shaped",
    "full_path": "Full path",
    "markov": "Markov",
    "markov_order_2": "Markov (order 2)",
    "shapley": "Shapley",
}


def trackable(channel: str) -> bool:
    return channel not in UNTRACKABLE


def channel_label(channel: str) -> str:
    """The channel's name, marked when its touches cannot be tracked."""
    name = CHANNELS.get(channel, channel)
    return name if trackable(channel) else f"{name} (not trackable)"


def day_text(day: date) -> str:
    """``3 Feb 2025``."""
    return f"{day.day} {day:%b %Y}"


def range_text(start: date, end: date) -> str:
    return f"{day_text(start)} – {day_text(end)}"


def showing(start: date | None, end: date | None, bounds: tuple[date, date] | None) -> str:
    """What a page's date range covers, in words: "Showing all data: 3 Feb 2025 – 28 Jan
    2026" when it spans every day with data, else the range and how it sits in the data."""
    if bounds is None:
        return "No data yet."
    first, last = bounds
    start, end = start or first, end or last
    if start <= first and end >= last:
        return f"Showing all data: {range_text(first, last)}."
    text = f"Showing {range_text(start, end)} (the data runs {range_text(first, last)})."
    if end > last:
        text += f" Nothing after {day_text(last)} yet."
    return text
