"""What SMS broadcasts achieved: the figures an SMS broadcast's page shows, and the same
per broadcast over a period (the SMS section of the per-template report: SMS broadcasts
have no templates, each carries its own text).

Of a broadcast's texts: ``sent`` (taken by the provider and not reported undelivered
since), ``not_delivered`` (reported ``undelivered``/``failed`` afterwards: those texts are
failed), ``delivered`` (reported ``delivered`` or ``read``), ``clicked`` (a tracked link
followed) and ``opted_out``: sent texts whose number texted STOP (or another opt-out
keyword) within ``OPT_OUT_WINDOW`` (4 hours) of the text being sent and before any later
text for a consent purpose (a broadcast's, or one ``send_sms`` queued) was sent to it, so
each STOP counts for the last text the person got, and for a broadcast only when that
text was its own and came within the window: Braze counts an SMS opt-out for a message
when the reply comes within four hours of it, Iterable for the last campaign sent within
three hours, and neither counts a STOP that came days later. A keyword reply (HELP's
answer) is not a text the person was sent, so a STOP after it still counts. Rates:
delivered of sent and not delivered (None until the provider reported on a text: the
install's gateway never does), clicked of the same (None before any went out), opted out
of sent. Revenue after click follows ``pacer.messaging.click_revenue``.
"""

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Q,
    QuerySet,
)

from pacer.core.models import Workspace
from pacer.messaging import click_revenue
from pacer.messaging.models import InboundSms, MessageStatus, SmsBroadcast, SmsKeyword, SmsMessage
from pacer.messaging.sms_status import NOT_DELIVERED

DELIVERED = ("delivered", "read")
# how long after a text a STOP from its number is put down to it (Braze's window)
OPT_OUT_WINDOW = timedelta(hours=4)


def opted_out() -> Exists:
    """Whether a text's number texted STOP within ``OPT_OUT_WINDOW`` after it was sent and
    before the next text for a consent purpose to the number was sent (an annotation on
    ``SmsMessage`` rows)."""
    later_text = SmsMessage.objects.filter(
        workspace=OuterRef(OuterRef("workspace")),
        to_number=OuterRef(OuterRef("to_number")),
        sent_at__gt=OuterRef(OuterRef("sent_at")),
        sent_at__lte=OuterRef("received_at"),
    ).exclude(purpose="")
    window_end = ExpressionWrapper(
        OuterRef("sent_at") + OPT_OUT_WINDOW, output_field=DateTimeField()
    )
    return Exists(
        InboundSms.objects.filter(
            workspace=OuterRef("workspace"),
            from_number=OuterRef("to_number"),
            keyword=SmsKeyword.STOP,
            received_at__gte=OuterRef("sent_at"),
            received_at__lte=window_end,
        ).filter(~Exists(later_text))
    )


def _counts() -> dict:
    sent = Q(status=MessageStatus.SENT)
    return {
        "sent": Count("pk", filter=sent),
        "not_delivered": Count("pk", filter=Q(delivery__in=NOT_DELIVERED)),
        "delivered": Count("pk", filter=Q(delivery__in=DELIVERED)),
        "reported": Count("pk", filter=~Q(delivery="")),
        "clicked": Count("pk", filter=Q(clicked_at__isnull=False)),
        "opted_out": Count("pk", filter=sent & Q(stopped=True)),
    }


def _with_rates(found: dict) -> dict:
    """The figures of ``_counts`` (``reported`` dropped) with their rates."""
    reached = found["sent"] + found["not_delivered"]
    reported = found.pop("reported")
    return {
        **found,
        "delivery_rate": found["delivered"] / reached if reached and reported else None,
        "click_rate": found["clicked"] / reached if reached else None,
        "opt_out_rate": found["opted_out"] / found["sent"] if found["sent"] else None,
    }


def figures(texts: QuerySet) -> dict:
    """``sent``, ``not_delivered``, ``delivered``, ``clicked``, ``opted_out`` and their
    rates, of these texts, in one query."""
    return _with_rates(texts.annotate(stopped=opted_out()).aggregate(**_counts()))


def _sent_in(start: date | None, end: date | None) -> Q:
    """Texts taken by the provider on the UTC days ``start`` to ``end`` (either open)."""
    window = Q(sent_at__isnull=False)
    if start is not None:
        window &= Q(sent_at__gte=datetime.combine(start, time.min, UTC))
    if end is not None:
        window &= Q(sent_at__lt=datetime.combine(end + timedelta(days=1), time.min, UTC))
    return window


def sms_report(
    workspace: Workspace, start: date | None = None, end: date | None = None
) -> list[dict]:
    """One row per SMS broadcast with texts taken by the provider in the period (by name):
    ``sms_broadcast_id``, ``name``, the ``figures`` of those texts, and
    ``orders_after_click``, ``revenue_after_click`` (in the workspace's currency) and
    ``other_currency_orders`` after each person's first click on them. Two queries for
    the figures and the clicks, whatever the number of broadcasts, and the revenue's."""
    texts = SmsMessage.objects.filter(workspace=workspace, broadcast__isnull=False).filter(
        _sent_in(start, end)
    )
    counted = {
        row.pop("broadcast_id"): row
        for row in texts.annotate(stopped=opted_out())
        .values("broadcast_id")
        .annotate(**_counts())
        .order_by()
    }
    first_clicks: dict[int, dict[int, datetime]] = {}
    for broadcast_id, contact_id, first in (
        texts.filter(clicked_at__isnull=False, contact_id__isnull=False)
        .values_list("broadcast_id", "contact_id")
        .annotate(first=Min("clicked_at"))
        .order_by()
    ):
        first_clicks.setdefault(broadcast_id, {})[contact_id] = first
    revenue = click_revenue.revenue_after_first_click(workspace, first_clicks)
    names = SmsBroadcast.objects.filter(workspace=workspace, pk__in=counted).values_list(
        "pk", "name"
    )
    report = []
    for broadcast_id, name in sorted(names, key=lambda found: (found[1], found[0])):
        after_click = revenue.get(broadcast_id) or click_revenue.empty()
        report.append(
            {
                "sms_broadcast_id": broadcast_id,
                "name": name,
                **_with_rates(counted[broadcast_id]),
                "orders_after_click": after_click["orders"],
                "revenue_after_click": after_click["revenue"],
                "other_currency_orders": after_click["other_currency_orders"],
            }
        )
    return report
