"""What each email template achieved over a period: of the messages of its broadcasts
handed to the relay in the period, how many were sent, delivered, opened, clicked,
bounced, complained about and unsubscribed from, with their rates (blank, not 0 %,
when nothing was sent). The figures mean what a broadcast's report's do
(``selectors.report``), summed over the template's broadcasts, and are counted in the
database in one query.

(SMS broadcasts have no templates: each carries its own text, and its page reports it.)
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Exists, OuterRef, Q

from pacer.core.models import Workspace
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


def template_report(
    workspace: Workspace, start: date | None = None, end: date | None = None
) -> list[dict]:
    """One row per template of the workspace (by name), with ``template_id``, ``name``,
    the ``FIGURES``, ``attempted`` and the ``RATES`` (None when their base is 0)."""
    sent = Q(status=MessageStatus.SENT)
    rows = (
        Message.objects.filter(workspace=workspace)
        .filter(_window(start, end))
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
        report.append({"template_id": template.pk, "name": template.name, **figures, **rates})
    return report
