"""What each email template achieved over a period: of the messages of its broadcasts
handed to the relay in the period, how many were sent, delivered, opened, clicked,
bounced, complained about and unsubscribed from, with their rates (blank, not 0 %,
when nothing was sent). The figures mean what a broadcast's report's do
(``selectors.report``), summed over the template's broadcasts, and are counted in the
database in one query. Revenue after click (``orders_after_click``,
``revenue_after_click``, ``other_currency_orders``) follows
``pacer.messaging.click_revenue``: per person, the first click on any of those messages
starts the window, so a person who clicked two broadcasts of the template has their
orders counted once.

(SMS broadcasts have no templates: each carries its own text; the page's SMS section is
``pacer.messaging.sms_report``.)
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, Min, OuterRef, Q

from pacer.core.models import Workspace
from pacer.messaging import click_revenue
from pacer.messaging.models import EventKind, Message, MessageEvent, MessageStatus
from pacer.messaging.selectors import templates

FIGURES = ("sent", "delivered", "opened", "clicked", "bounced", "complained", "unsubscribed")
# each rate: the figure over what it is a share of (attempted: sent and refused by the relay)
RATES = {
    "delivery_rate": ("delivered", "attempted"),
    "open_rate": ("opened", "sent"),
    "click_rate": ("clicked", "sent"),
    "bounce_rate": ("bounced", "attempted"),
    "complaint_rate": ("complained", "sent"),
    "unsubscribe_rate": ("unsubscribed", "sent"),
}


def _window(start: date | None, end: date | None) -> Q:
    """Messages sent, or refused for good by the relay, on the UTC days ``start`` to
    ``end`` (either open)."""
    sent, failed = Q(status=MessageStatus.SENT), Q(status=MessageStatus.FAILED)
    if start is not None:
        since = datetime.combine(start, time.min, UTC)
        sent &= Q(sent_at__gte=since)
        failed &= Q(failed_at__gte=since)
    if end is not None:
        until = datetime.combine(end + timedelta(days=1), time.min, UTC)
        sent &= Q(sent_at__lt=until)
        failed &= Q(failed_at__lt=until)
    return sent | failed


def _had(kind: str) -> Exists:
    return Exists(MessageEvent.objects.filter(message_id=OuterRef("pk"), kind=kind))


def _first_clicks(workspace: Workspace, window: Q) -> dict[int, dict[int, datetime]]:
    """Per template: per recipient contact, their first click on a message of the
    template's broadcasts in ``window``."""
    messages = Message.objects.filter(workspace=workspace).filter(window).values("pk")
    rows = (
        MessageEvent.objects.filter(
            workspace=workspace, kind=EventKind.CLICK, message_id__in=messages
        )
        .values_list("message__broadcast__template_id", "message__contact_id")
        .annotate(first=Min("at"))
        .order_by()
    )
    found: dict[int, dict[int, datetime]] = {}
    for template_id, contact_id, first in rows:
        found.setdefault(template_id, {})[contact_id] = first
    return found


def template_report(
    workspace: Workspace, start: date | None = None, end: date | None = None
) -> list[dict]:
    """One row per template of the workspace (by name), with ``template_id``, ``name``,
    the ``FIGURES``, ``attempted`` and the ``RATES`` (None when their base is 0)."""
    sent, window = Q(status=MessageStatus.SENT), _window(start, end)
    rows = (
        Message.objects.filter(workspace=workspace)
        .filter(window)
        .annotate(
            has_open=_had(EventKind.OPEN),
            has_click=_had(EventKind.CLICK),
            has_bounce=_had(EventKind.BOUNCE),
            has_complaint=_had(EventKind.COMPLAINT),
            has_unsubscribe=_had(EventKind.UNSUBSCRIBE),
        )
        .values("broadcast__template_id")
        .annotate(
            sent=Count("pk", filter=sent),
            refused=Count("pk", filter=Q(status=MessageStatus.FAILED)),
            returned=Count("pk", filter=sent & Q(has_bounce=True)),
            opened=Count("pk", filter=sent & Q(has_open=True)),
            clicked=Count("pk", filter=sent & Q(has_click=True)),
            complained=Count("pk", filter=sent & Q(has_complaint=True)),
            unsubscribed=Count("pk", filter=sent & Q(has_unsubscribe=True)),
        )
        .order_by()
    )
    counted = {row.pop("broadcast__template_id"): row for row in rows}
    revenue = click_revenue.revenue_after_first_click(workspace, _first_clicks(workspace, window))
    report = []
    for template in templates(workspace):
        found = counted.get(template.pk, {})
        figures = {
            "attempted": found.get("sent", 0) + found.get("refused", 0),
            "sent": found.get("sent", 0),
            "delivered": found.get("sent", 0) - found.get("returned", 0),
            "bounced": found.get("refused", 0) + found.get("returned", 0),
            **{name: found.get(name, 0) for name in ("opened", "clicked")},
            **{name: found.get(name, 0) for name in ("complained", "unsubscribed")},
        }
        rates = {
            name: figures[part] / figures[base] if figures[base] else None
            for name, (part, base) in RATES.items()
        }
        after_click = revenue.get(template.pk) or click_revenue.empty()
        report.append(
            {
                "template_id": template.pk,
                "name": template.name,
                **figures,
                **rates,
                "orders_after_click": after_click["orders"],
                "revenue_after_click": after_click["revenue"],
                "other_currency_orders": after_click["other_currency_orders"],
            }
        )
    return report
