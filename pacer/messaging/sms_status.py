"""What a Twilio-compatible provider's status callbacks do to a text's ``delivery``.

The order (docs/messaging.md, "Delivery statuses"): ``queued`` (and ``accepted``,
``scheduled``, ``sending``) < ``sent`` < ``delivered`` < ``read``; ``undelivered`` and
``failed`` are final. A status is applied only when it moves the text forward
(``moves_forward``): a replayed, late or out-of-order callback changes nothing, and
nothing leaves ``undelivered`` or ``failed`` (Twilio documents both as final; a later
``delivered`` or ``read`` is ignored rather than undo a failure already counted).

The provider may call back before the worker saved the message id its API answered
(within milliseconds of the answer): such a callback is kept (``PendingSmsStatus``) and
applied when the id is saved (``apply_pending``, called by both sides after their
commit, so that whichever commits last sees the other's row).
"""

from datetime import timedelta

from django.db import transaction

from pacer.core import clock, faults
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging.models import MessageStatus, PendingSmsStatus, SmsMessage

WAITING = ("accepted", "scheduled", "queued", "sending")
PROGRESS = {**dict.fromkeys(WAITING, 1), "sent": 2, "delivered": 3, "read": 4}
NOT_DELIVERED = ("undelivered", "failed")
STATUSES = (*PROGRESS, *NOT_DELIVERED)
# Twilio's delivery error codes that deliverability names: carriers blocking texts as spam,
# and numbers that cannot be reached (www.twilio.com/docs/api/errors)
BLOCKED_AS_SPAM = {"30007": "blocked as spam by the carrier"}
UNREACHABLE = {
    "30003": "unreachable destination handset",
    "30005": "unknown destination handset (the number may not exist)",
    "30006": "landline or unreachable carrier",
}
ERROR_NAMES = {**BLOCKED_AS_SPAM, **UNREACHABLE}
# a pending status whose id never gets saved (the worker died before saving it, and sent
# the text again with a new id) is forgotten after this long
PENDING_KEPT = timedelta(days=2)


def moves_forward(current: str, status: str) -> bool:
    """Whether a callback's ``status`` moves a text whose delivery is ``current`` ("" when
    the provider has not reported yet) forward."""
    if current in NOT_DELIVERED:
        return False
    if status in NOT_DELIVERED:
        return current != "delivered" and current != "read"
    return PROGRESS[status] > PROGRESS.get(current, 0)


def _apply(text: SmsMessage, status: str, error_code: str, at) -> bool:
    """Apply one status to a locked text; whether it moved it."""
    if not moves_forward(text.delivery, status):
        return False
    text.delivery = status
    fields = ["delivery"]
    if status == "delivered" or (status == "read" and text.delivered_at is None):
        text.delivered_at = at
        fields.append("delivered_at")
    if status in NOT_DELIVERED and text.status == MessageStatus.SENT:
        text.status = MessageStatus.FAILED
        code = f" (error {error_code})" if error_code else ""
        text.reason = f"the provider reported it {status}{code}"
        fields += ["status", "reason"]
    if status in NOT_DELIVERED and error_code:
        text.error_code = error_code
        fields.append("error_code")
    text.save(update_fields=fields)
    return True


def _locked_text(workspace_id: int, sid: str) -> SmsMessage | None:
    return (
        SmsMessage.objects.select_for_update()
        .filter(workspace_id=workspace_id, provider_id=sid)
        .first()
    )


def apply_pending(workspace_id: int, sid: str) -> list[str]:
    """Apply the statuses kept for ``sid`` to its text, in the order they came, and forget
    them; the statuses that moved it. Nothing when no text has the id yet (or none is
    kept). Safe to call twice at once: the text's row lock makes the second find none."""
    with transaction.atomic():
        text = _locked_text(workspace_id, sid)
        if text is None:
            return []
        kept = list(
            PendingSmsStatus.objects.filter(workspace_id=workspace_id, provider_id=sid).order_by(
                "received_at", "id"
            )
        )
        moved = [p.status for p in kept if _apply(text, p.status, p.error_code, p.received_at)]
        PendingSmsStatus.objects.filter(pk__in=[p.pk for p in kept]).delete()
    return moved


def _keep(workspace: Workspace, sid: str, status: str, error_code: str) -> None:
    now = clock.now()
    PendingSmsStatus.objects.bulk_create(
        [
            PendingSmsStatus(
                workspace=workspace,
                provider_id=sid,
                status=status,
                error_code=error_code,
                received_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    PendingSmsStatus.objects.filter(received_at__lt=now - PENDING_KEPT).delete()


def record_status(workspace: Workspace, params: dict[str, str]) -> dict:
    """Apply a verified status callback (``MessageSid``, ``MessageStatus``, ``ErrorCode``)
    to the text with that id: forward moves only; ``delivered`` notes the time;
    ``undelivered`` or ``failed`` fails a sent text with the provider's error code. A
    callback for an id no text has yet is kept until the worker saves it. Returns what
    was done."""
    sid, status = params.get("MessageSid", ""), params.get("MessageStatus", "").lower()
    if not sid or len(sid) > 64 or status not in STATUSES:
        field = "MessageStatus" if sid and len(sid) <= 64 else "MessageSid"
        raise ValidationFailed({field: "missing or not a message status of the provider"})
    error_code = params.get("ErrorCode", "")[:20]
    with transaction.atomic():
        text = _locked_text(workspace.pk, sid)
        if text is None:
            _keep(workspace, sid, status, error_code)
            faults.point("messaging.sms.status_kept")  # kept, not committed
        elif not _apply(text, status, error_code, clock.now()):
            return {"recorded": False, "detail": f"already {text.delivery}", "id": text.pk}
    if text is not None:
        return {"recorded": True, "detail": status, "id": text.pk}
    if status in apply_pending(workspace.pk, sid):  # the id was saved meanwhile
        text = SmsMessage.objects.get(workspace=workspace, provider_id=sid)
        return {"recorded": True, "detail": status, "id": text.pk}
    return {
        "recorded": False,
        "pending": True,
        "detail": f"no text has sid {sid} yet: kept, and applied when the worker saves it",
    }
