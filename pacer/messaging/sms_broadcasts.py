"""SMS broadcasts: one text to an audience (everyone with a phone number, a segment's
members when queued, or listed contacts), for a consent purpose, now, at a time, or at a
wall-clock time in each recipient's zone.

Queueing makes one ``SmsMessage`` per recipient, keyed ``broadcast:<id>:<contact>`` (so
a text goes once however often it is queued or retried), personalised with the
recipient's fields as a template is (the same sandboxed engine). A recipient is skipped,
with the reason, when their number texted STOP, they have no SMS consent for the
purpose, or the personalised text is too long. The ``messaging-sms`` loop
(``pacer.messaging.sms.deliver_sms``) checks STOP and consent again at send time,
waits out quiet hours in the recipient's zone and counts the frequency cap (texts apart
from emails).
"""

from collections import Counter

from django.db import transaction
from django.db.models import Count
from django.template import Context, TemplateSyntaxError

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging import sms_links, sms_report
from pacer.messaging.audience import audience_ids, check_audience, check_schedule, due_at
from pacer.messaging.models import (
    BroadcastStatus,
    MessageStatus,
    Schedule,
    SmsBroadcast,
    SmsMessage,
    SuppressedNumber,
)
from pacer.messaging.outcomes import per_period
from pacer.messaging.render import TEXT_ENGINE, recipient_context
from pacer.messaging.rules import settings_of
from pacer.messaging.schedule import zone_of
from pacer.people import selectors as people
from pacer.people.resolution import normalise

MAX_TEXT = 1600


def _compile(errors: dict, text):
    if not isinstance(text, str) or not text.strip():
        errors["text"] = "must be non-empty text"
        return None
    if len(text) > MAX_TEXT:
        errors["text"] = f"must be at most {MAX_TEXT} characters"
        return None
    try:
        return TEXT_ENGINE.from_string(text)
    except TemplateSyntaxError as error:
        errors["text"] = f"is not a valid template: {error}"
        return None


@transaction.atomic
def create_sms_broadcast(
    workspace: Workspace,
    *,
    name,
    text,
    audience,
    purpose="marketing",
    schedule=Schedule.NOW,
    send_at=None,
    send_local="",
    actor=None,
) -> SmsBroadcast:
    """A draft SMS broadcast; ``schedule`` as an email broadcast's (``now``, ``at`` with
    ``send_at``, ``local`` with ``send_local``); each refusal names its field."""
    errors: dict[str, str] = {}
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
        errors["name"] = "must be text of 1 to 200 characters"
    _compile(errors, text)
    if not isinstance(purpose, str) or not 1 <= len(purpose.strip()) <= 60:
        errors["purpose"] = "must be text of 1 to 60 characters"
    check_audience(workspace, audience, errors)
    check_schedule(errors, schedule, send_at, send_local)
    if errors:
        raise ValidationFailed(errors)
    broadcast = SmsBroadcast.objects.create(
        workspace=workspace,
        name=name.strip(),
        text=text,
        purpose=purpose.strip(),
        audience=audience,
        schedule=schedule,
        send_at=send_at if schedule == Schedule.AT else None,
        send_local=send_local if schedule == Schedule.LOCAL else "",
        created_at=clock.now(),
    )
    audit.record(workspace, "messaging.sms_broadcast_created", broadcast, actor=actor)
    return broadcast


def text_for(compiled, row: dict) -> tuple[str, str]:
    """The personalised text, and why it may not go ("" when it may)."""
    body = compiled.render(Context(recipient_context(row, {}), autoescape=False)).strip()
    if not body:
        return "", "the personalised text is empty"
    if len(body) > MAX_TEXT:
        return "", f"the personalised text is longer than {MAX_TEXT} characters"
    if sms_links.sent_length(body) > MAX_TEXT:
        return body, (
            f"the personalised text is longer than {MAX_TEXT} characters with its links "
            f"tracked ({sms_links.link_length()} characters each)"
        )
    return body, ""


def queue_sms_broadcast(workspace: Workspace, broadcast_id: int, *, actor=None) -> dict[str, int]:
    """Turn a draft SMS broadcast into one text per recipient (once: queueing it again is
    refused and changes nothing); returns the counts queued, skipped and not found."""
    with transaction.atomic():
        broadcast = (
            SmsBroadcast.objects.select_for_update()
            .filter(workspace=workspace, pk=broadcast_id)
            .first()
        )
        if broadcast is None:
            raise ValidationFailed({"broadcast_id": "no such SMS broadcast in this workspace"})
        if broadcast.status != BroadcastStatus.DRAFT:
            raise ValidationFailed({"broadcast_id": f"already {broadcast.status}"})
        ids = audience_ids(workspace, broadcast.audience)
        rows = people.recipients(workspace, ids, reached_by="phone")
        numbers = {row["id"]: normalise("phone", row["phone"]) for row in rows}
        stopped = set(
            SuppressedNumber.objects.filter(
                workspace=workspace, number__in=[n for n in numbers.values() if n]
            ).values_list("number", flat=True)
        )
        consenting = people.granted(workspace, "sms", broadcast.purpose, list(numbers))
        compiled, rules, now = (
            TEXT_ENGINE.from_string(broadcast.text),
            settings_of(workspace),
            clock.now(),
        )
        texts = []
        for row in rows:
            number = numbers[row["id"]]
            body, reason = text_for(compiled, row)
            if not number:
                reason = "the phone number is not a number"
            elif number in stopped:
                reason = "the number texted STOP"
            elif row["id"] not in consenting:
                reason = f"no SMS consent for {broadcast.purpose}"
            zone = zone_of(row["time_zone"], rules.time_zone)
            texts.append(
                SmsMessage(
                    workspace=workspace,
                    broadcast=broadcast,
                    key=f"broadcast:{broadcast.pk}:{row['id']}",
                    to_number=number or row["phone"][:40],
                    text=body,
                    contact_id=row["id"],
                    purpose=broadcast.purpose,
                    status=MessageStatus.SKIPPED if reason else MessageStatus.QUEUED,
                    reason=reason,
                    time_zone=zone,
                    due_at=None if reason else due_at(broadcast, zone),
                    created_at=now,
                )
            )
        SmsMessage.objects.bulk_create(texts, batch_size=2000, ignore_conflicts=True)
        broadcast.status, broadcast.queued_at = BroadcastStatus.QUEUED, now
        broadcast.save(update_fields=["status", "queued_at"])
        counts = {
            "queued": sum(t.status == MessageStatus.QUEUED for t in texts),
            "skipped": sum(t.status == MessageStatus.SKIPPED for t in texts),
            "not_found": len(set(ids or []) - {row["id"] for row in rows}),
        }
        audit.record(
            workspace, "messaging.sms_broadcast_queued", broadcast, actor=actor, after=counts
        )
    return counts


def sms_broadcast(workspace: Workspace, broadcast_id: int) -> SmsBroadcast | None:
    return SmsBroadcast.objects.filter(workspace=workspace, pk=broadcast_id).first()


def sms_broadcasts(workspace: Workspace):
    """The workspace's SMS broadcasts, newest first."""
    return SmsBroadcast.objects.filter(workspace=workspace).order_by("-created_at", "-id")


def report(broadcast: SmsBroadcast) -> dict:
    """What became of a broadcast's texts: counts per status; the figures and rates of
    ``pacer.messaging.sms_report.figures`` (delivered, not delivered, clicked, opted out);
    the reasons texts were skipped or failed (most common first, then by the reason), and
    how many wait for quiet hours to end."""
    texts = SmsMessage.objects.filter(broadcast=broadcast)
    statuses = dict(texts.values_list("status").annotate(n=Count("id")).order_by())
    reasons = Counter(
        dict(
            texts.filter(status__in=(MessageStatus.SKIPPED, MessageStatus.FAILED))
            .values_list("reason")
            .annotate(n=Count("id"))
            .order_by()
        )
    )
    waiting = texts.filter(status=MessageStatus.QUEUED, reason__startswith="deferred by quiet")
    return {
        "total": sum(statuses.values()),
        **{status: statuses.get(status, 0) for status in ("queued", "sent", "skipped", "failed")},
        **sms_report.figures(texts),
        "quiet_hours_waiting": waiting.count(),
        "reasons": sorted(reasons.items(), key=lambda found: (-found[1], found[0])),
    }


def delivery_over_time(broadcast: SmsBroadcast) -> dict:
    """The broadcast's texts sent (taken by the provider, at that time) and delivered (at
    the time the provider's callback said so) per UTC hour or day
    (``pacer.messaging.outcomes.per_period``); each series sums to the report's figure
    (sent counts the texts later reported undelivered too)."""
    texts = SmsMessage.objects.filter(broadcast=broadcast)
    return per_period(
        {
            "sent": list(texts.filter(sent_at__isnull=False).values_list("sent_at", flat=True)),
            "delivered": list(
                texts.filter(
                    delivery__in=sms_report.DELIVERED, delivered_at__isnull=False
                ).values_list("delivered_at", flat=True)
            ),
        }
    )


def texts(broadcast: SmsBroadcast):
    """The broadcast's texts, one per recipient, by id."""
    return SmsMessage.objects.filter(broadcast=broadcast).order_by("id")
