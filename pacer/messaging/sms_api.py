"""SMS broadcasts over the REST API: create, queue (once), read with what became of
their texts. Refusals name the field and write nothing."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id
from pacer.core.api_schema import text as bounded
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.messaging import click_revenue, sms_broadcasts
from pacer.messaging.api import (
    WALL_TIME,
    AllContacts,
    ChosenContacts,
    Page,
    RevenueAfterClickOut,
    SegmentMembers,
)

router = Router(tags=["messaging"])


class SmsBroadcastIn(Schema):
    name: bounded(200, min_length=1)
    text: bounded(1600, min_length=1) = Field(
        description="the text; {{ contact.first_name }} and the other contact fields are "
        "filled in per recipient"
    )
    purpose: bounded(60, min_length=1) = "marketing"
    audience: AllContacts | SegmentMembers | ChosenContacts = Field(
        description="every contact with a phone number, a segment's members when queued, "
        "or chosen contact ids"
    )
    schedule: Literal["now", "at", "local"] = "now"
    send_at: datetime | None = Field(None, description="schedule 'at': a time with its zone")
    send_local: bounded(16, pattern=WALL_TIME) = Field(
        "", description="schedule 'local': YYYY-MM-DDTHH:MM in each recipient's time zone"
    )


class SmsReasonOut(Schema):
    reason: str
    texts: int


class SmsBroadcastOut(Schema):
    id: int
    name: str
    text: str
    purpose: str
    audience: dict
    schedule: str
    send_at: datetime | None
    send_local: str
    status: str
    created_at: datetime
    queued_at: datetime | None
    queued: int
    sent: int
    skipped: int
    failed: int
    delivered: int = Field(description="sent texts the provider reported delivered (or read)")
    not_delivered: int = Field(
        description="texts the provider reported undelivered or failed (counted as failed too)"
    )
    delivery_rate: float | None = Field(
        description="delivered / (sent + not_delivered); null until the provider reported "
        "on a text (the install's gateway reports none)"
    )
    clicked: int = Field(description="texts whose recipient followed a tracked link (once each)")
    click_rate: float | None = Field(
        description="clicked / (sent + not_delivered); null before any text went out"
    )
    revenue_after_click: RevenueAfterClickOut = Field(
        description="orders after each recipient's first click on a tracked link"
    )
    quiet_hours_waiting: int = Field(description="queued texts waiting for quiet hours to end")
    reasons: list[SmsReasonOut] = Field(description="why texts were skipped or failed")


class SmsQueuedOut(Schema):
    queued: int
    skipped: int
    not_found: int = Field(description="audience contacts that are not live with a phone")


def _out(broadcast) -> dict:
    report = sms_broadcasts.report(broadcast)
    reasons = [{"reason": reason, "texts": n} for reason, n in report.pop("reasons")]
    report.pop("total")
    fields = "id name text purpose audience schedule send_at send_local status created_at queued_at"
    return {
        **{name: getattr(broadcast, name) for name in fields.split()},
        **report,
        "reasons": reasons,
        "revenue_after_click": click_revenue.sms_revenue_after_click(
            broadcast.workspace, broadcast
        ),
    }


def _found(request, broadcast_id: int):
    found = sms_broadcasts.sms_broadcast(request.workspace, broadcast_id)
    if found is None:
        raise NotFound("broadcast_id", "no such SMS broadcast in this workspace")
    return found


@router.get("/broadcasts", response={200: list[SmsBroadcastOut], **ERRORS})
@endpoint("messaging.view")
def list_sms_broadcasts(request, page: Query[Page]):
    """SMS broadcasts with what became of their texts, newest first."""
    rows = sms_broadcasts.sms_broadcasts(request.workspace)
    return [_out(b) for b in rows[page.offset : page.offset + page.limit]]


@router.post("/broadcasts", response={201: SmsBroadcastOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def create_sms_broadcast(request, payload: SmsBroadcastIn):
    """A draft SMS broadcast; nothing is sent until it is queued."""
    values = payload.model_dump(exclude={"audience"})
    created = sms_broadcasts.create_sms_broadcast(
        request.workspace, audience=payload.audience.model_dump(), actor=request.user, **values
    )
    return Status(201, _out(created))


@router.get("/broadcasts/{broadcast_id}", response={200: SmsBroadcastOut, **ERRORS, **NOT_FOUND})
@endpoint("messaging.view")
def get_sms_broadcast(request, broadcast_id: Id):
    return _out(_found(request, broadcast_id))


@router.post(
    "/broadcasts/{broadcast_id}/queue", response={200: SmsQueuedOut, **ERRORS, **NOT_FOUND}
)
@endpoint("messaging.send")
def queue_sms_broadcast(request, broadcast_id: Id):
    """One text per recipient, once (a second call is refused, 422); those who may not be
    texted are recorded as skipped with the reason."""
    broadcast = _found(request, broadcast_id)
    return sms_broadcasts.queue_sms_broadcast(request.workspace, broadcast.pk, actor=request.user)


class SmsTextOut(Schema):
    id: int
    contact_id: int | None
    to_number: str
    status: str
    reason: str = Field(description="why it was skipped, deferred or failed")
    delivery: str = Field(description="the provider's latest status report, '' before any")
    sent_at: datetime | None
    delivered_at: datetime | None
    error_code: str
    clicked_at: datetime | None = Field(description="when its recipient first followed a link")
    clicks: int = Field(description="how many times its recipient followed its links")


TEXT_FIELDS = list(SmsTextOut.model_fields)


@router.get(
    "/broadcasts/{broadcast_id}/texts", response={200: list[SmsTextOut], **ERRORS, **NOT_FOUND}
)
@endpoint("messaging.view")
def list_sms_texts(request, broadcast_id: Id, page: Query[Page]):
    """An SMS broadcast's texts, one per recipient, with what became of each (by id)."""
    broadcast = _found(request, broadcast_id)
    rows = sms_broadcasts.texts(broadcast).values(*TEXT_FIELDS)
    return list(rows[page.offset : page.offset + page.limit])
