"""What a broadcast led to over time: revenue after click, and delivery per hour or day.

**Revenue after click.** An order counts for a broadcast when it is placed within the
workspace's attribution window (``MessagingSettings.attribution_days``, 1 to 90 days, 7
by default as in most email tools) after the recipient's first click on a tracked link
of the broadcast's message; merged contacts count as one person
(``pacer.messaging.click_revenue`` holds the rule). The window in force when the report
is read applies to every broadcast.

**Delivery over time.** Per UTC hour (when the whole story spans at most
``HOURLY_UP_TO`` hours) or per UTC day: messages sent (accepted by the relay),
delivered (sent and not returned by a hard-bounce DSN; counted at their send time),
opened, clicked and unsubscribed (distinct messages, at their first such event), and
bounced (relay refusals at their time, and hard-bounce DSNs at theirs). Each series sums
to the broadcast report's figure.
"""

from collections import Counter
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db.models import Count, Min

from pacer.core.models import Workspace
from pacer.messaging import click_revenue, rules
from pacer.messaging.models import Broadcast, EventKind, Message, MessageEvent, MessageStatus
from pacer.messaging.subject_test import LETTERS

HOURLY_UP_TO = 72
SERIES = ("sent", "delivered", "opened", "clicked", "bounced", "unsubscribed")


def _first_clicks(workspace: Workspace, broadcast: Broadcast) -> dict:
    """Per group, ``"all"`` and each subject variant's index: per recipient contact, the
    first click on their message of the broadcast."""
    rows = (
        MessageEvent.objects.filter(
            workspace=workspace, message__broadcast=broadcast, kind=EventKind.CLICK
        )
        .values_list("message__contact_id", "message__variant")
        .annotate(first=Min("at"))
        .order_by()
    )
    groups: dict = {"all": {}, **{index: {} for index in range(len(broadcast.subject_variants))}}
    for contact_id, variant, first in rows:
        groups["all"][contact_id] = min(first, groups["all"].get(contact_id, first))
        if variant in groups:
            groups[variant][contact_id] = first
    return groups


def revenue_after_click(workspace: Workspace, broadcast: Broadcast) -> dict:
    """Orders placed within the workspace's attribution window after a recipient's first
    click on the broadcast (``pacer.messaging.click_revenue``), their count and revenue
    in the workspace's currency, in all and per subject variant (a subject test only)."""
    found = click_revenue.revenue_after_first_click(workspace, _first_clicks(workspace, broadcast))
    variants = [
        {
            "variant": LETTERS[index],
            "orders": found[index]["orders"],
            "revenue": found[index]["revenue"],
        }
        for index in range(len(broadcast.subject_variants))
    ]
    return {
        "window_days": rules.settings_of(workspace).attribution_days,
        "currency": workspace.currency,
        **found["all"],
        "variants": variants,
    }


def _first_events(workspace: Workspace, broadcast: Broadcast, kind: str) -> list[datetime]:
    return list(
        MessageEvent.objects.filter(workspace=workspace, message__broadcast=broadcast, kind=kind)
        .values("message_id")
        .annotate(first=Min("at"))
        .values_list("first", flat=True)
        .order_by()
    )


def _sent_counted(workspace: Workspace, broadcast: Broadcast) -> Counter:
    """How many messages were sent at each send time, counted in the database: a group
    of messages is marked sent in one write with one time, so a broadcast's thousands of
    messages are a few hundred rows, not one per message."""
    return Counter(
        dict(
            Message.objects.filter(
                workspace=workspace, broadcast=broadcast, status=MessageStatus.SENT
            )
            .exclude(sent_at=None)
            .values_list("sent_at")
            .annotate(n=Count("pk"))
            .order_by()
        )
    )


def delivery_over_time(workspace: Workspace, broadcast: Broadcast) -> dict:
    """``{"unit": "hour" | "day", "periods": [start, ...], "series": {name: [count per
    period]}}``; no periods before anything was sent or refused."""
    sent = _sent_counted(workspace, broadcast)
    returned = list(  # per message with a hard-bounce DSN: the first, its status and send
        MessageEvent.objects.filter(
            workspace=workspace, message__broadcast=broadcast, kind=EventKind.BOUNCE
        )
        .values("message_id")
        .annotate(first=Min("at"))
        .values_list("first", "message__status", "message__sent_at")
        .order_by()
    )
    delivered = sent - Counter(
        at for _, status, at in returned if status == MessageStatus.SENT and at is not None
    )
    refused = (
        Message.objects.filter(
            workspace=workspace,
            broadcast=broadcast,
            status=MessageStatus.FAILED,
            failed_at__isnull=False,
        )
        .values_list("failed_at", flat=True)
        .order_by()
    )
    times = {
        "opened": _first_events(workspace, broadcast, EventKind.OPEN),
        "clicked": _first_events(workspace, broadcast, EventKind.CLICK),
        "bounced": list(refused) + [first for first, _, _ in returned],
        "unsubscribed": _first_events(workspace, broadcast, EventKind.UNSUBSCRIBE),
    }
    hourly = {
        name: _per_hour(counted) for name, counted in (("sent", sent), ("delivered", delivered))
    }
    hourly |= {name: Counter(map(_hour, moments)) for name, moments in times.items()}
    every = [*sent, *(at for moments in times.values() for at in moments)]
    found = counted_per_period(hourly, min(every, default=None), max(every, default=None))
    return {**found, "series": {name: found["series"][name] for name in SERIES}}


def _hour(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


def _per_hour(counted: Counter) -> Counter:
    hourly: Counter = Counter()
    for at, count in counted.items():
        hourly[_hour(at)] += count
    return hourly


def per_period(times: dict[str, list[datetime]]) -> dict:
    """The moments of each series counted per UTC hour (when they span at most
    ``HOURLY_UP_TO`` hours) or day, as ``delivery_over_time`` answers (series named as
    ``times``; moments that are None left out)."""
    moments = {name: [at for at in values if at is not None] for name, values in times.items()}
    every = [at for values in moments.values() for at in values]
    hourly = {name: Counter(map(_hour, values)) for name, values in moments.items()}
    return counted_per_period(hourly, min(every, default=None), max(every, default=None))


def counted_per_period(
    per_hour: dict[str, Mapping[datetime, int]], start: datetime | None, end: datetime | None
) -> dict:
    """Counts per UTC hour (each series: hour start -> count) summed per hour or per day
    as ``per_period`` does, the unit chosen by the exact first and last moment (``start``
    and ``end``; None when there is none)."""
    if start is None or end is None:
        return {"unit": "hour", "periods": [], "series": {name: [] for name in per_hour}}
    hourly = end - start <= timedelta(hours=HOURLY_UP_TO)
    unit = "hour" if hourly else "day"

    def period_of(hour: datetime) -> datetime:
        return hour if hourly else hour.replace(hour=0)

    step = timedelta(hours=1) if hourly else timedelta(days=1)
    periods, moment = [], period_of(_hour(start))
    while moment <= end:
        periods.append(moment)
        moment += step
    index = {period: position for position, period in enumerate(periods)}
    series = {name: [0] * len(periods) for name in per_hour}
    for name, counts in per_hour.items():
        for hour, count in counts.items():
            series[name][index[period_of(hour)]] += count
    return {"unit": unit, "periods": periods, "series": series}
