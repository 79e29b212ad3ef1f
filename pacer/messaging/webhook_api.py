"""REST: the workspace's outgoing webhook endpoints (``pacer.messaging.webhooks``): add
one (its signing secret is in that answer only: the database keeps it sealed), list them,
remove one, and read an endpoint's delivery log. Admins only: an endpoint is sent
contacts' addresses."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, MAX_OFFSET, NOT_FOUND, Id
from pacer.core.api_schema import text as bounded
from pacer.core.permissions import endpoint
from pacer.messaging import webhooks

router = Router(tags=["messaging"])
EventType = Literal[webhooks.EVENT_TYPES]


class WebhookIn(Schema):
    url: bounded(2000, min_length=1) = Field(
        description="an http(s) URL whose host resolves to public addresses only"
    )
    event_types: list[EventType] = Field(min_length=1, max_length=len(webhooks.EVENT_TYPES))


class WebhookOut(Schema):
    id: int
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class WebhookAddedOut(WebhookOut):
    secret: str = Field(
        description="the Standard Webhooks signing secret (whsec_...): shown in this answer "
        "only; verify each delivery's webhook-signature with it"
    )


class WebhookPage(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class WebhookAttemptOut(Schema):
    at: datetime
    ok: bool
    status_code: int | None = Field(description="the endpoint's answer; null: no answer")
    detail: str = Field(description="the answer's start, or why the request failed")


class WebhookDeliveryOut(Schema):
    id: int
    type: str = Field(description="the event type")
    key: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None = Field(description="null once delivered or failed")
    log: list[WebhookAttemptOut]


def _out(webhook) -> dict:
    return {
        "id": webhook.pk,
        "url": webhook.url,
        "event_types": webhook.event_types,
        "active": webhook.active,
        "created_at": webhook.created_at,
    }


@router.get("/webhooks", response={200: list[WebhookOut], **ERRORS})
@endpoint("messaging.webhooks")
def list_webhooks(request):
    """The endpoints, oldest first (never their secrets)."""
    return [_out(webhook) for webhook in webhooks.webhooks_of(request.workspace)]


@router.post("/webhooks", response={201: WebhookAddedOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.webhooks")
def add_webhook(request, payload: WebhookIn):
    """Subscribe an endpoint to event types; a URL that is not http(s) or carries
    credentials is answered 422 naming ``url``, and nothing is added. Its host's
    addresses are checked at every delivery (private, loopback, link-local and metadata
    addresses are refused, DNS rebinding included); a refusal is in its delivery log."""
    webhook = webhooks.add_webhook(
        request.workspace, url=payload.url, event_types=payload.event_types, actor=request.user
    )
    return Status(201, {**_out(webhook), "secret": webhook.secret})


@router.delete("/webhooks/{webhook_id}", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("messaging.webhooks")
def remove_webhook(request, webhook_id: Id):
    """Remove an endpoint and its delivery log; nothing more is sent to it."""
    webhooks.remove_webhook(request.workspace, webhook_id, actor=request.user)
    return Status(204, None)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: list[WebhookDeliveryOut], **ERRORS, **NOT_FOUND},
)
@endpoint("messaging.webhooks")
def webhook_deliveries(request, webhook_id: Id, page: Query[WebhookPage]):
    """The endpoint's delivery log, newest first: each event, its status and every attempt
    (when, the answer's status and start, or why it failed)."""
    rows = webhooks.deliveries_of(
        request.workspace, webhook_id, offset=page.offset, limit=page.limit
    )
    return [
        {
            "id": row.pk,
            "type": row.payload.get("type", ""),
            "key": row.key,
            "status": row.status,
            "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at if row.status == "pending" else None,
            "log": [
                {"at": a.at, "ok": a.ok, "status_code": a.status_code, "detail": a.detail}
                for a in row.attempt_log
            ],
        }
        for row in rows
    ]
