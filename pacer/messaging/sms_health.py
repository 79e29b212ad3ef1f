"""SMS deliverability warnings for the workspace, over the last day (24 hours to now):

- **failure rate**: of the texts the provider took in the last day, the share it then
  reported ``undelivered`` or ``failed``, over ``FAILURE_LIMIT`` (with at least
  ``MIN_TEXTS`` taken, so that one failure of three is no alarm);
- **opt-out spike**: STOPs texted in the last day, of the texts taken in the last day, over
  ``OPT_OUT_LIMIT`` and more than ``SPIKE_FACTOR`` times the rate of the ``BASELINE_DAYS``
  days before (any rate over the limit when there was none before);
- **carrier error codes** that mean more than a bad number, by name: ``30007`` (blocked as
  spam: carriers filter the sender's texts) and ``30003``/``30005``/``30006`` (numbers that
  cannot be reached: clean the list), each with the count of the last day's texts.

Counted in the database, a few aggregate queries whatever the volume.
"""

from datetime import timedelta

from django.db.models import Count, Q

from pacer.core import clock
from pacer.core.models import Workspace
from pacer.messaging.models import InboundSms, MessageStatus, SmsKeyword, SmsMessage
from pacer.messaging.sms_status import BLOCKED_AS_SPAM, NOT_DELIVERED, UNREACHABLE

FAILURE_LIMIT = 0.05
MIN_TEXTS = 20
OPT_OUT_LIMIT = 0.01
SPIKE_FACTOR = 2
BASELINE_DAYS = 7


def _taken(workspace: Workspace, since, until):
    """Texts the provider took in ``[since, until)``: sent, or failed after it took them
    (reported undelivered)."""
    return SmsMessage.objects.filter(
        Q(status=MessageStatus.SENT) | Q(delivery__in=NOT_DELIVERED),
        workspace=workspace,
        sent_at__gte=since,
        sent_at__lt=until,
    )


def _stops(workspace: Workspace, since, until) -> int:
    return InboundSms.objects.filter(
        workspace=workspace,
        keyword=SmsKeyword.STOP,
        received_at__gte=since,
        received_at__lt=until,
    ).count()


def deliverability(workspace: Workspace) -> dict:
    """The last day's figures (``taken``, ``not_delivered``, ``failure_rate``, ``stops``,
    ``opt_out_rate``, ``baseline_opt_out_rate``, ``error_codes``: code to count) and the
    ``warnings`` they raise, each a sentence naming the figure and what to do."""
    now = clock.now()
    day_ago, baseline_start = now - timedelta(days=1), now - timedelta(days=1 + BASELINE_DAYS)
    last_day = _taken(workspace, day_ago, now).aggregate(
        taken=Count("id"), not_delivered=Count("id", filter=Q(delivery__in=NOT_DELIVERED))
    )
    taken, not_delivered = last_day["taken"], last_day["not_delivered"]
    before = _taken(workspace, baseline_start, day_ago).count()
    stops, stops_before = (
        _stops(workspace, day_ago, now),
        _stops(workspace, baseline_start, day_ago),
    )
    codes = dict(
        _taken(workspace, day_ago, now)
        .filter(error_code__in=[*BLOCKED_AS_SPAM, *UNREACHABLE])
        .values_list("error_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    figures = {
        "taken": taken,
        "not_delivered": not_delivered,
        "failure_rate": not_delivered / taken if taken else None,
        "stops": stops,
        "opt_out_rate": stops / taken if taken else None,
        "baseline_opt_out_rate": stops_before / before if before else None,
        "error_codes": codes,
    }
    return {**figures, "warnings": _warnings(figures)}


def _warnings(figures: dict) -> list[str]:
    found = []
    failure_rate = figures["failure_rate"]
    if figures["taken"] >= MIN_TEXTS and failure_rate > FAILURE_LIMIT:
        found.append(
            f"{failure_rate:.1%} of the {figures['taken']} texts sent in the last day were not "
            f"delivered (over {FAILURE_LIMIT:.0%}): look at the error codes below and the "
            "numbers texted"
        )
    rate, baseline = figures["opt_out_rate"], figures["baseline_opt_out_rate"]
    if (
        rate is not None
        and rate > OPT_OUT_LIMIT
        and (not baseline or rate > SPIKE_FACTOR * baseline)
    ):
        before = f"{baseline:.1%}" if baseline else "none"
        found.append(
            f"Opt-outs spiked: {figures['stops']} STOP in the last day, {rate:.1%} of the texts "
            f"sent (the {BASELINE_DAYS} days before: {before}); check who is texted and how often"
        )
    for code, n in sorted(figures["error_codes"].items()):
        if code in BLOCKED_AS_SPAM:
            advice = (
                "carriers filter this sender; register the number (10DLC) or change the wording"
            )
        else:
            advice = "these numbers cannot be reached; remove them from the audience"
        name = (BLOCKED_AS_SPAM | UNREACHABLE)[code]
        texts = f"{n} text{'s' if n != 1 else ''}"
        found.append(f"{texts} in the last day failed with error {code} ({name}): {advice}")
    return found
