"""SMS broadcasts over the REST API: create, queue (once), read with what became of
their texts. Refusals name the field and write nothing."""

from datetime import datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Query, Router, Schema, Status

from pacer.core.api_schema import BODY_ERRORS, ERRORS, NOT_FOUND, Id
from pacer.core.api_schema import text as bounded
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.messaging import (
    click_revenue,
    rules,
    sms_broadcasts,
    sms_health,
    sms_report,
    sms_status,
)
from pacer.messaging.api import (
    WALL_TIME,
    AllContacts,
    ChosenContacts,
    Page,
    RevenueAfterClickOut,
    SegmentMembers,
    TemplateReportQuery,
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


OPTED_OUT = (
    "sent texts whose number texted STOP within 4 hours after them and before the next text"
    " for a consent purpose to it"
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
    opted_out: int = Field(description=OPTED_OUT)
    opt_out_rate: float | None = Field(description="opted_out / sent; null when none was sent")
    revenue_after_click: RevenueAfterClickOut = Field(
        description="orders after each recipient's first click on a tracked link"
    )
    quiet_hours_waiting: int = Field(description="queued texts waiting for quiet hours to end")
    reasons: list[SmsReasonOut] = Field(description="why texts were skipped or failed")


class SmsReportOut(Schema):
    sms_broadcast_id: int
    name: str
    sent: int = Field(description="taken by the provider in the period, not reported undelivered")
    not_delivered: int = Field(description="of those, reported undelivered or failed since")
    delivered: int = Field(description="of those, reported delivered (or read)")
    delivery_rate: float | None = Field(
        description="delivered / (sent + not_delivered); null until the provider reported"
    )
    clicked: int
    click_rate: float | None = Field(description="clicked / (sent + not_delivered)")
    opted_out: int = Field(description=OPTED_OUT)
    opt_out_rate: float | None = Field(description="opted_out / sent; null when none was sent")
    orders_after_click: int = Field(
        description="orders placed within the attribution window after the person's first "
        "click on one of these texts, each once (merged contacts are one person)"
    )
    revenue_after_click: Decimal = Field(description="their total, in the workspace's currency")
    other_currency_orders: int = Field(description="such orders in another currency, not added")


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


@router.get("/report", response={200: list[SmsReportOut], **ERRORS})
@endpoint("messaging.view")
def sms_broadcasts_report(request, query: Query[TemplateReportQuery]):
    """Per SMS broadcast with texts taken by the provider in the period (UTC days, both
    included), the figures its page shows for those texts; rates are null when their
    base is 0. The SMS section of the per-template report."""
    return sms_report.sms_report(request.workspace, query.start, query.end)


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


class SmsThresholdsIn(Schema):
    sms_failure_percent: Decimal = Field(
        ge=Decimal("0.01"), le=100, decimal_places=2, description="warn over this failure rate"
    )
    sms_min_texts: int = Field(ge=1, le=rules.MAX_MIN_TEXTS, description="texts a day, at least")
    sms_opt_out_percent: Decimal = Field(
        ge=Decimal("0.01"), le=100, decimal_places=2, description="warn over this opt-out rate"
    )
    sms_spike_factor: Decimal = Field(
        ge=1, le=100, decimal_places=2, description="and this many times the baseline's"
    )
    sms_baseline_days: int = Field(
        ge=1, le=rules.MAX_BASELINE_DAYS, description="the days before the last one compared"
    )


class SmsThresholdsOut(Schema):
    sms_failure_percent: Decimal
    sms_min_texts: int
    sms_opt_out_percent: Decimal
    sms_spike_factor: Decimal
    sms_baseline_days: int


class SmsErrorCodeOut(Schema):
    code: str = Field(description="the provider's error code, e.g. 30007")
    name: str
    texts: int = Field(description="texts of the last day that failed with it")


class SmsDeliverabilityOut(Schema):
    taken: int = Field(description="texts the provider took in the last 24 hours")
    not_delivered: int = Field(description="of those, reported undelivered or failed")
    failure_rate: float | None = Field(description="not_delivered / taken; null when none")
    stops: int = Field(description="STOPs texted in the last 24 hours")
    opt_out_rate: float | None = Field(description="stops / taken; null when none taken")
    baseline_opt_out_rate: float | None = Field(
        description="the same over the baseline days before; null when none taken then"
    )
    error_codes: list[SmsErrorCodeOut]
    thresholds: SmsThresholdsOut
    warnings: list[str] = Field(description="each a sentence naming the figure and what to do")


def _deliverability(workspace) -> dict:
    found = sms_health.deliverability(workspace)
    found["error_codes"] = [
        {"code": code, "name": sms_status.ERROR_NAMES.get(code, ""), "texts": n}
        for code, n in sorted(found["error_codes"].items())
    ]
    return found


@router.get("/deliverability", response={200: SmsDeliverabilityOut, **ERRORS})
@endpoint("messaging.view")
def sms_deliverability(request):
    """The last 24 hours' SMS deliverability figures, the thresholds in force and the
    warnings they raise (as the SMS pages show them)."""
    return _deliverability(request.workspace)


@router.put(
    "/deliverability/thresholds", response={200: SmsDeliverabilityOut, **ERRORS, **BODY_ERRORS}
)
@endpoint("messaging.thresholds")
def put_sms_thresholds(request, payload: SmsThresholdsIn):
    """Set when the warnings are raised (admins only); a value out of its range is refused
    (422, naming the field) and nothing changes. Answers the figures under the new ones."""
    rules.save_sms_thresholds(request.workspace, **payload.model_dump(), actor=request.user)
    return _deliverability(request.workspace)
