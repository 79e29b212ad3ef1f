"""Revenue after click, the one rule every report of it follows (email and SMS
broadcasts, their subject variants, and templates).

A recipient is a person: contacts merged since the message was queued count as the one
contact they were merged into (``pacer.people.selectors.survivor_ids``), so two
messages to two contacts later found to be one person give that person one first click
and count each of their orders once. Per group (a broadcast, a variant, a template):
the person's **first click** on a message of the group starts their window, and each of
their orders placed from that moment to ``attribution_days`` days after it (both
included) counts once; an order before the first click or after the window does not.
Revenue is summed in the workspace's currency; orders in another currency are counted
apart (``other_currency_orders``), never converted.
"""

from collections.abc import Hashable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Min

from pacer.core.models import Workspace
from pacer.messaging import rules
from pacer.messaging.models import SmsBroadcast, SmsMessage
from pacer.people import selectors as people


def empty() -> dict:
    """No order after a click."""
    return {"orders": 0, "revenue": Decimal("0.00"), "other_currency_orders": 0}


def revenue_after_first_click(
    workspace: Workspace, first_clicks: dict[Hashable, dict[int, datetime]]
) -> dict[Hashable, dict]:
    """Per group of ``first_clicks`` (group -> recipient contact id -> their first click
    in it): ``orders``, ``revenue`` and ``other_currency_orders`` after the person's first
    click, in the workspace's attribution window (orders read in one pass)."""
    window = timedelta(days=rules.settings_of(workspace).attribution_days)
    recipients = {contact_id for clicks in first_clicks.values() for contact_id in clicks}
    survivor = people.survivor_ids(workspace, recipients)
    starts: dict[Hashable, dict[int, datetime]] = {}
    for group, clicks in first_clicks.items():
        found = starts.setdefault(group, {})
        for contact_id, at in clicks.items():
            person = survivor.get(contact_id)
            if person is not None and (person not in found or at < found[person]):
                found[person] = at
    totals = {group: empty() for group in first_clicks}
    moments = [at for found in starts.values() for at in found.values()]
    if not moments:
        return totals
    persons = sorted({person for found in starts.values() for person in found})
    orders_of: dict[int, list] = {}
    for row in people.orders_placed(workspace, persons, min(moments), max(moments) + window):
        orders_of.setdefault(row[1], []).append(row)
    for group, found in starts.items():
        total = totals[group]
        for person, start in found.items():
            for _, _, placed_at, amount, currency in orders_of.get(person, []):
                if not start <= placed_at <= start + window:
                    continue
                if currency != workspace.currency:
                    total["other_currency_orders"] += 1
                else:
                    total["orders"] += 1
                    total["revenue"] += amount
    return totals


def sms_revenue_after_click(workspace: Workspace, broadcast: SmsBroadcast) -> dict:
    """An SMS broadcast's orders and revenue after its recipients' first clicks on its
    tracked links (``clicked_at``), with the window and currency they were counted in."""
    clicks = dict(
        SmsMessage.objects.filter(workspace=workspace, broadcast=broadcast)
        .exclude(clicked_at=None)
        .values_list("contact_id")
        .annotate(first=Min("clicked_at"))
        .order_by()
    )
    clicks.pop(None, None)
    found = revenue_after_first_click(workspace, {"all": clicks})["all"]
    return {
        "window_days": rules.settings_of(workspace).attribution_days,
        "currency": workspace.currency,
        **found,
        "variants": [],
    }
