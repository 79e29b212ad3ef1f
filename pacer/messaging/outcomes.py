"""What a broadcast led to over time: revenue after click, and delivery per hour or day.

**Revenue after click.** An order counts for a broadcast when its contact clicked a
tracked link of the broadcast's message at most the workspace's attribution window
(``MessagingSettings.attribution_days``, 1 to 90 days, 7 by default as in most email
tools) before placing it: the click at or before the order, the order at most that many
days after the click. The window in force when the report is read applies to every
broadcast. An order counts once however many clicks precede it.
Revenue is summed in the workspace's currency; orders in another currency are counted
apart (``other_currency_orders``), never converted. Orders are read through
``pacer.people.selectors``; a message carries its contact as it was when queued.

**Delivery over time.** Per UTC hour (when the whole story spans at most
``HOURLY_UP_TO`` hours) or per UTC day: messages sent (accepted by the relay),
delivered (sent and not returned by a hard-bounce DSN; counted at their send time),
opened, clicked and unsubscribed (distinct messages, at their first such event), and
bounced (relay refusals at their time, and hard-bounce DSNs at theirs). Each series sums
to the broadcast report's figure.
"""

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Min

from pacer.core.models import Workspace
from pacer.messaging import rules
from pacer.messaging.models import Broadcast, EventKind, Message, MessageEvent, MessageStatus
from pacer.messaging.subject_test import LETTERS
from pacer.people import selectors as people

HOURLY_UP_TO = 72


def _clicks(workspace: Workspace, broadcast: Broadcast) -> dict[int, tuple[list, int | None]]:
    """Per contact: the times of their clicks on this broadcast, and their message's
    subject variant."""
    found: dict[int, tuple[list, int | None]] = {}
    rows = MessageEvent.objects.filter(
        workspace=workspace, message__broadcast=broadcast, kind=EventKind.CLICK
    ).values_list("message__contact_id", "message__variant", "at")
    for contact_id, variant, at in rows:
        found.setdefault(contact_id, ([], variant))[0].append(at)
    return found


def revenue_after_click(workspace: Workspace, broadcast: Broadcast) -> dict:
    """Orders placed within the workspace's attribution window after a click on the
    broadcast, their count and revenue in the workspace's currency, in all and per
    subject variant (a subject test only)."""
    window_days = rules.settings_of(workspace).attribution_days
    window = timedelta(days=window_days)
    clicks = _clicks(workspace, broadcast)
    currency = workspace.currency
    orders, revenue, other = 0, Decimal("0.00"), 0
    per_variant: dict[int, list] = defaultdict(lambda: [0, Decimal("0.00")])
    if clicks:
        first = min(min(times) for times, _ in clicks.values())
        last = max(max(times) for times, _ in clicks.values()) + window
        for _, contact_id, placed_at, total, order_currency in people.orders_placed(
            workspace, sorted(clicks), first, last
        ):
            times, variant = clicks[contact_id]
            if not any(at <= placed_at <= at + window for at in times):
                continue
            if order_currency != currency:
                other += 1
                continue
            orders, revenue = orders + 1, revenue + total
            if variant is not None:
                per_variant[variant][0] += 1
                per_variant[variant][1] += total
    variants = [
        {
            "variant": LETTERS[index],
            "orders": per_variant[index][0],
            "revenue": per_variant[index][1],
        }
        for index in range(len(broadcast.subject_variants))
    ]
    return {
        "window_days": window_days,
        "currency": currency,
        "orders": orders,
        "revenue": revenue,
        "other_currency_orders": other,
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


def _times(workspace: Workspace, broadcast: Broadcast) -> dict[str, list[datetime]]:
    messages = Message.objects.filter(workspace=workspace, broadcast=broadcast)
    sent = dict(messages.filter(status=MessageStatus.SENT).values_list("pk", "sent_at").order_by())
    bounced_events = (
        MessageEvent.objects.filter(
            workspace=workspace, message__broadcast=broadcast, kind=EventKind.BOUNCE
        )
        .values("message_id")
        .annotate(first=Min("at"))
        .values_list("message_id", "first")
        .order_by()
    )
    returned = dict(bounced_events)
    refused = list(
        messages.filter(status=MessageStatus.FAILED, failed_at__isnull=False)
        .values_list("failed_at", flat=True)
        .order_by()
    )
    return {
        "sent": list(sent.values()),
        "delivered": [at for pk, at in sent.items() if pk not in returned],
        "opened": _first_events(workspace, broadcast, EventKind.OPEN),
        "clicked": _first_events(workspace, broadcast, EventKind.CLICK),
        "bounced": refused + list(returned.values()),
        "unsubscribed": _first_events(workspace, broadcast, EventKind.UNSUBSCRIBE),
    }


def delivery_over_time(workspace: Workspace, broadcast: Broadcast) -> dict:
    """``{"unit": "hour" | "day", "periods": [start, ...], "series": {name: [count per
    period]}}``; no periods before anything was sent or refused."""
    return per_period(_times(workspace, broadcast))


def per_period(times: dict[str, list[datetime]]) -> dict:
    """The moments of each series counted per UTC hour (when they span at most
    ``HOURLY_UP_TO`` hours) or day, as ``delivery_over_time`` answers (series named as
    ``times``; moments that are None left out)."""
    every = [at for values in times.values() for at in values if at is not None]
    if not every:
        return {"unit": "hour", "periods": [], "series": {name: [] for name in times}}
    start, end = min(every), max(every)
    hourly = end - start <= timedelta(hours=HOURLY_UP_TO)
    unit = "hour" if hourly else "day"

    def period_of(at: datetime) -> datetime:
        at = at.replace(minute=0, second=0, microsecond=0)
        return at if hourly else at.replace(hour=0)

    step = timedelta(hours=1) if hourly else timedelta(days=1)
    periods, moment = [], period_of(start)
    while moment <= end:
        periods.append(moment)
        moment += step
    index = {period: position for position, period in enumerate(periods)}
    series = {name: [0] * len(periods) for name in times}
    for name in times:
        for at in times[name]:
            if at is not None:
                series[name][index[period_of(at)]] += 1
    return {"unit": unit, "periods": periods, "series": series}
