"""Outbound webhooks: signed by the Standard Webhooks scheme, sent through the SSRF guard
(``pacer.core.outbound``), retried with backoff, every attempt logged. Admins manage the
endpoints and read their logs over REST (``pacer.messaging.webhook_api``).

``emit`` records one delivery per subscribed endpoint, unique per (endpoint, event key),
so an event emitted twice is delivered once. ``deliver_webhooks`` (a worker loop) sends
the due ones: a 2xx answer ends a delivery; anything else (an error status, a refusal of
the guard, a timeout) is logged and retried after 30 s, 2 min, 10 min, 1 h, 6 h; after
the last it is marked failed.

The endpoint's signing secret is kept sealed, bound to its row
(``pacer.messaging.sealing``): it is in the answer that adds the endpoint and opened only
to sign a delivery. One that cannot be opened (the install's secret key changed, or the
sealed value was copied from another endpoint's row) is not sent, signed or unsigned: the
delivery is marked failed, its log saying why, and the endpoint must be added again.

Signature (standardwebhooks.com): headers ``webhook-id`` (``msg_<delivery id>``, the same
on every retry of a delivery, so a receiver can drop repeats),
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` =
``v1,`` + base64(HMAC-SHA256(secret, f"{id}.{timestamp}.{body}")), the secret being the
base64 part of the endpoint's ``whsec_...`` secret.
"""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction

from pacer.core import audit, clock, faults
from pacer.core.errors import NotFound, ValidationFailed
from pacer.core.models import Workspace
from pacer.core.outbound import OutboundRefused, parse_url, request
from pacer.messaging.models import Webhook, WebhookAttempt, WebhookDelivery
from pacer.messaging.sealing import Unreadable, open_webhook_secret, seal_webhook_secret

BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
)
EVENT_TYPES = (
    "message.sent",
    "message.bounced",
    "message.complained",
    "message.opened",
    "message.clicked",
    "message.unsubscribed",
    "sms.clicked",  # the first click on a tracked link of an SMS broadcast's text
    "content.published",  # pacer.content hands a published item to downstream systems
    "asset.withdrawn",  # pacer.content withdraws an asset whose rights ended
    "lead.escalated",  # pacer.leads: a step of a lead's escalation chain fired
)
BATCH = 100
UNREADABLE_SECRET = (
    "not sent: the endpoint's signing secret cannot be decrypted (the install's secret key "
    "changed, or it was copied from another endpoint): remove the endpoint and add it again"
)


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header value for a body."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


@transaction.atomic
def add_webhook(workspace: Workspace, *, url, event_types, actor=None) -> Webhook:
    """Subscribe an endpoint; the URL is checked by the guard's rules (not resolved yet:
    an address is checked again at every delivery, and a refusal is in the endpoint's
    delivery log). The returned endpoint carries its signing secret in ``secret``, the only
    time it is seen in the clear: the database keeps it sealed. Audited without it."""
    errors: dict[str, str] = {}
    try:
        parse_url(url)
    except OutboundRefused as refused:
        errors["url"] = str(refused).removeprefix("url: ")
    if (
        not isinstance(event_types, list)
        or not event_types
        or any(kind not in EVENT_TYPES for kind in event_types)
    ):
        errors["event_types"] = f"must be a list of: {', '.join(EVENT_TYPES)}"
    if errors:
        raise ValidationFailed(errors)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    webhook = Webhook.objects.create(
        workspace=workspace, url=url.strip(), event_types=sorted(set(event_types))
    )
    webhook.secret_sealed = seal_webhook_secret(webhook, secret)  # bound to its id
    webhook.save(update_fields=["secret_sealed"])
    webhook.secret = secret
    audit.record(workspace, "messaging.webhook_added", webhook, actor=actor, after=_kept(webhook))
    return webhook


def _kept(webhook: Webhook) -> dict:
    """What the audit log keeps of an endpoint (never its secret)."""
    return {"url": webhook.url, "event_types": webhook.event_types}


@transaction.atomic
def remove_webhook(workspace: Workspace, webhook_id: int, *, actor=None) -> None:
    """Unsubscribe an endpoint of the workspace: it and its delivery log are deleted, and
    nothing more is sent to it (a delivery being sent at that moment may still arrive)."""
    webhook = Webhook.objects.select_for_update().filter(workspace=workspace, pk=webhook_id)
    found = webhook.first()
    if found is None:
        raise NotFound("webhook_id", "no such webhook in this workspace")
    audit.record(workspace, "messaging.webhook_removed", found, actor=actor, before=_kept(found))
    found.delete()


def webhooks_of(workspace: Workspace) -> list[Webhook]:
    """The workspace's endpoints, oldest first."""
    return list(Webhook.objects.filter(workspace=workspace).order_by("id"))


def deliveries_of(workspace: Workspace, webhook_id: int, *, offset: int, limit: int) -> list:
    """An endpoint's deliveries, newest first, each with its attempts' log (oldest first);
    ``NotFound`` for an endpoint of another workspace."""
    if not Webhook.objects.filter(workspace=workspace, pk=webhook_id).exists():
        raise NotFound("webhook_id", "no such webhook in this workspace")
    rows = WebhookDelivery.objects.filter(workspace=workspace, webhook_id=webhook_id)
    page = list(rows.order_by("-id")[offset : offset + limit])
    logs: dict[int, list[WebhookAttempt]] = {row.pk: [] for row in page}
    for attempt in WebhookAttempt.objects.filter(delivery_id__in=list(logs)).order_by("id"):
        logs[attempt.delivery_id].append(attempt)
    for row in page:
        row.attempt_log = logs[row.pk]
    return page


def endpoints(workspace_ids) -> dict[int, list[Webhook]]:
    """The active endpoints of each workspace (one query, for a batch of events)."""
    found: dict[int, list[Webhook]] = {workspace_id: [] for workspace_id in workspace_ids}
    for webhook in Webhook.objects.filter(workspace_id__in=list(found), active=True):
        found[webhook.workspace_id].append(webhook)
    return found


def emit(
    workspace_id: int,
    event_type: str,
    key: str,
    data: dict,
    active: list[Webhook] | None = None,
) -> int:
    """Queue ``data`` for every active endpoint of the workspace subscribed to
    ``event_type``, once per (endpoint, ``key``); returns how many were queued.
    ``active``: the workspace's endpoints from ``endpoints``, when a caller emits many."""
    queued = 0
    if active is None:
        active = endpoints([workspace_id])[workspace_id]
    for webhook in active:
        if event_type not in webhook.event_types:
            continue
        payload = {"type": event_type, "timestamp": clock.now().isoformat(), "data": data}
        try:
            with transaction.atomic():
                WebhookDelivery.objects.create(
                    workspace_id=workspace_id,
                    webhook=webhook,
                    key=f"{event_type}:{key}"[:200],
                    payload=payload,
                    next_attempt_at=clock.now(),
                )
        except IntegrityError:
            continue  # emitted before: delivered once
        queued += 1
    return queued


def emit_many(events: list[tuple[int, str, str, dict]], active: dict[int, list[Webhook]]) -> None:
    """``emit`` for many events at once, ``(workspace_id, event_type, key, data)`` each,
    in one insert (a group of messages marked sent); those emitted before are left as
    they are. ``active``: the endpoints of each workspace, from ``endpoints``."""
    now = clock.now()
    deliveries = [
        WebhookDelivery(
            workspace_id=workspace_id,
            webhook=webhook,
            key=f"{event_type}:{key}"[:200],
            payload={"type": event_type, "timestamp": now.isoformat(), "data": data},
            next_attempt_at=now,
        )
        for workspace_id, event_type, key, data in events
        for webhook in active[workspace_id]
        if event_type in webhook.event_types
    ]
    if deliveries:
        WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)


def _attempt(delivery: WebhookDelivery, secret: str) -> tuple[bool, int | None, str]:
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(clock.now().timestamp())
    message_id = f"msg_{delivery.pk}"
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
    }
    try:
        answer = request("POST", delivery.webhook.url, body=body, headers=headers, timeout=10)
    except OutboundRefused as refused:
        return False, None, str(refused)
    except OSError as error:
        return False, None, f"{error.__class__.__name__}: {error}"[:300]
    return 200 <= answer.status < 300, answer.status, answer.body[:300].decode(errors="replace")


def _count_attempt(delivery: WebhookDelivery, attempt: int) -> bool:
    """Count the attempt about to be made (False: another worker counted it first)."""
    return bool(
        WebhookDelivery.objects.filter(pk=delivery.pk, status="pending", attempts=attempt).update(
            attempts=attempt + 1
        )
    )


def deliver_webhooks() -> int:
    """Send the due deliveries; returns how many endpoints answered 2xx.

    A delivery is claimed by moving its next attempt on by its backoff (the lease: a
    worker killed with it leaves it to go again then); the attempt is counted only when
    its request is about to be made, so a claim that dies before asking the endpoint
    uses up none of the retries, and an endpoint is never asked more than
    ``len(BACKOFF) + 1`` times."""
    now, delivered = clock.now(), 0
    opened: dict[int, str | None] = {}  # each endpoint's secret (None: unreadable)
    due = WebhookDelivery.objects.filter(status="pending", next_attempt_at__lte=now)
    for delivery in list(due.select_related("webhook").order_by("next_attempt_at", "id")[:BATCH]):
        attempt = delivery.attempts
        lease = now + BACKOFF[min(attempt, len(BACKOFF) - 1)]
        claimed = WebhookDelivery.objects.filter(
            pk=delivery.pk, status="pending", attempts=attempt, next_attempt_at__lte=now
        ).update(next_attempt_at=lease)
        if not claimed:
            continue  # another worker has it
        faults.point("messaging.webhook.claimed")  # lease taken; not counted, not sent
        if attempt > len(BACKOFF):  # the last attempt's answer was lost to a kill
            WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
            continue
        if not _count_attempt(delivery, attempt):
            continue
        if delivery.webhook_id not in opened:
            try:
                opened[delivery.webhook_id] = open_webhook_secret(delivery.webhook)
            except Unreadable:
                opened[delivery.webhook_id] = None
        secret = opened[delivery.webhook_id]
        if secret is None:  # never sent unsigned; no retry can open it
            WebhookAttempt.objects.create(
                delivery=delivery, at=now, status_code=None, ok=False, detail=UNREADABLE_SECRET
            )
            WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
            continue
        ok, status, detail = _attempt(delivery, secret)
        faults.point("messaging.webhook.answered")  # the endpoint has it; nothing recorded
        WebhookAttempt.objects.create(
            delivery=delivery, at=now, status_code=status, ok=ok, detail=detail
        )
        faults.point("messaging.webhook.logged")  # the attempt logged; not marked delivered
        if ok:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(status="delivered")
            delivered += 1
        elif attempt + 1 > len(BACKOFF):
            WebhookDelivery.objects.filter(pk=delivery.pk).update(status="failed")
    return delivered
