"""SMS deliverability warnings for the workspace, over the last day (24 hours to now):

- **failure rate**: of the texts the provider took in the last day, the share it then
  reported ``undelivered`` or ``failed``, over the failure limit (5 % unless an admin set
  another) with at least the minimum of texts (20) taken, so that one failure of three is
  no alarm;
- **opt-out spike**: STOPs texted in the last day, of the texts taken in the last day,
  over the opt-out limit (1 %) and more than the spike factor (2) times the rate of the
  baseline days (7) before (any rate over the limit when there was none before);
- **carrier error codes** that mean more than a bad number, by name: ``30007`` (blocked as
  spam: carriers filter the sender's texts) and ``30003``/``30005``/``30006`` (numbers that
  cannot be reached: clean the list), each with the count of the last day's texts.

Counted in the database, a few aggregate queries whatever the volume. The thresholds are
the workspace's (``MessagingSettings.sms_*``, set by ``rules.save_sms_thresholds``).
"""

from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q

from pacer.core import clock
from pacer.core.models import Workspace
from pacer.messaging.models import InboundSms, MessageStatus, SmsKeyword, SmsMessage
from pacer.messaging.rules import settings_of
from pacer.messaging.sms_status import BLOCKED_AS_SPAM, NOT_DELIVERED, UNREACHABLE

THRESHOLDS = (
    "sms_failure_percent",
    "sms_min_texts",
    "sms_opt_out_percent",
    "sms_spike_factor",
    "sms_baseline_days",
)


def thresholds_of(workspace: Workspace) -> dict:
    """The workspace's thresholds of the warnings, by ``THRESHOLDS`` name."""
    found = settings_of(workspace)
    return {name: getattr(found, name) for name in THRESHOLDS}


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
    ``opt_out_rate``, ``baseline_opt_out_rate``, ``error_codes``: code to count), the
    ``thresholds`` in force and the ``warnings`` they raise, each a sentence naming the
    figure and what to do."""
    limits = thresholds_of(workspace)
    now = clock.now()
    baseline_start = now - timedelta(days=1 + limits["sms_baseline_days"])
    day_ago = now - timedelta(days=1)
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
    return {**figures, "thresholds": limits, "warnings": _warnings(figures, limits)}


def _percent(value: Decimal) -> str:
    return f"{value.normalize():f}%"


def _warnings(figures: dict, limits: dict) -> list[str]:
    found = []
    failure_rate = figures["failure_rate"]
    failure_limit = limits["sms_failure_percent"] / 100
    if figures["taken"] >= limits["sms_min_texts"] and failure_rate > failure_limit:
        found.append(
            f"{failure_rate:.1%} of the {figures['taken']} texts sent in the last day were not "
            f"delivered (over {_percent(limits['sms_failure_percent'])}): look at the error "
            "codes below and the numbers texted"
        )
    rate, baseline = figures["opt_out_rate"], figures["baseline_opt_out_rate"]
    if (
        rate is not None
        and rate > limits["sms_opt_out_percent"] / 100
        and (not baseline or rate > limits["sms_spike_factor"] * Decimal(str(baseline)))
    ):
        before = f"{baseline:.1%}" if baseline else "none"
        found.append(
            f"Opt-outs spiked: {figures['stops']} STOP in the last day, {rate:.1%} of the texts "
            f"sent (the {limits['sms_baseline_days']} days before: {before}); check who is "
            "texted and how often"
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
