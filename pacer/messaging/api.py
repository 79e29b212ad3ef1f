"""Messaging over the REST API: templates, broadcasts (create, queue, read with counts)
and the suppression list. Refusals name the field (``audience``, ``html``, ``send_at``)
and write nothing; queuing twice is refused."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict, field_validator

from pacer.core.api_schema import BODY_ERRORS, ERRORS, MAX_OFFSET, NOT_FOUND, Day, Id, check_order
from pacer.core.api_schema import text as bounded
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.messaging import actions, bounces, outcomes, rules, selectors, sms
from pacer.messaging.models import InboundStatus, SmsKeyword, SuppressionReason
from pacer.messaging.template_report import template_report

router = Router(tags=["messaging"])
WALL_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$"


class Page(Schema):
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class TemplateIn(Schema):
    name: bounded(200, min_length=1)
    subject: bounded(300, min_length=1)
    html: bounded(500_000, min_length=1) = Field(
        description="Django template language over contact.* and the links "
        "unsubscribe_url and preferences_url; <style> is inlined"
    )
    text: bounded(200_000) = ""


class TemplateOut(Schema):
    id: int
    name: str
    subject: str
    html: str
    text: str
    updated_at: datetime


class SenderOut(Schema):
    id: int
    name: str
    from_email: str
    dkim_selector: str


class AllContacts(Schema):
    model_config = ConfigDict(extra="forbid")
    all: Literal[True]


class SegmentMembers(Schema):
    model_config = ConfigDict(extra="forbid")
    segment: Id


class ChosenContacts(Schema):
    model_config = ConfigDict(extra="forbid")
    contacts: list[Id] = Field(max_length=100_000)


class BroadcastIn(Schema):
    name: bounded(200, min_length=1)
    template_id: Id
    sender_id: Id
    purpose: bounded(60, min_length=1) = "marketing"
    audience: AllContacts | SegmentMembers | ChosenContacts = Field(
        description="every contact with an email, a segment's members when queued, or "
        "chosen contact ids"
    )
    topic_id: Id | None = None
    schedule: Literal["now", "at", "local"] = "now"
    send_at: datetime | None = Field(None, description="schedule 'at': a time with its zone")
    send_local: bounded(16, pattern=WALL_TIME) = Field(
        "", description="schedule 'local': YYYY-MM-DDTHH:MM in each recipient's time zone"
    )
    subject_variants: list[bounded(300, min_length=1)] = Field(
        [],
        max_length=4,
        description="2-4 subject lines for a subject test (none: no test); the template's "
        "subject is not used then",
    )
    test_percent: int = Field(20, ge=5, le=50, description="the share of the audience tested")
    test_wait_hours: int = Field(4, ge=1, le=168, description="from the send to the decision")
    test_metric: Literal["open", "click"] = "open"


class Counts(Schema):
    queued: int
    sent: int
    skipped: int
    failed: int
    held: int


class BroadcastOut(Schema):
    id: int
    name: str
    status: str
    template_id: int
    sender_id: int
    purpose: str
    audience: dict[str, Any]
    topic_id: int | None
    schedule: str
    send_at: datetime | None
    send_local: str
    queued_at: datetime | None
    created_at: datetime
    counts: Counts
    subject_variants: list[str]
    test_percent: int
    test_wait_hours: int
    test_metric: str
    test_decide_at: datetime | None
    winner: int | None = Field(description="the winning variant's index, once decided")
    test_decision: dict[str, Any] = Field(description="per variant figures and the analysis")


class QueuedOut(Schema):
    queued: int
    skipped: int
    not_found: int = Field(description="audience contacts that are not live with an email")
    held: int = Field(0, description="a subject test: messages waiting for the winner")


class VariantRevenueOut(Schema):
    variant: str = Field(description="A, B, C or D")
    orders: int
    revenue: Decimal


class RevenueAfterClickOut(Schema):
    window_days: int = Field(description="an order counts this many days after a click")
    currency: str = Field(description="the workspace's; revenue is in it")
    orders: int = Field(
        description="orders within the window after the recipient's first click, each once "
        "(merged contacts are one person)"
    )
    revenue: Decimal
    other_currency_orders: int = Field(description="orders in another currency, not added")
    variants: list[VariantRevenueOut] = Field(description="per subject variant (a test only)")


class DeliveryPeriodOut(Schema):
    start: datetime = Field(description="the hour or day (UTC) the figures are for")
    sent: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    unsubscribed: int


class BroadcastReportOut(Schema):
    sent: int
    delivered: int = Field(description="sent and not returned by a bounce (DSN) since")
    bounced: int
    opened: int
    clicked: int
    unsubscribed: int
    complained: int
    bounce_rate: float | None
    open_rate: float | None
    click_rate: float | None
    unsubscribe_rate: float | None
    complaint_rate: float | None
    delivery_rate: float | None = Field(description="delivered of those handed to the relay")
    warnings: list[str]
    revenue_after_click: RevenueAfterClickOut
    unit: Literal["hour", "day"] = Field(description="the length of each delivery period")
    delivery: list[DeliveryPeriodOut]


class SuppressionIn(Schema):
    email: bounded(254, min_length=3)
    reason: Literal[tuple(SuppressionReason.values)] = SuppressionReason.MANUAL
    detail: bounded(500) = ""


class InboundMailIn(Schema):
    raw: bounded(1_000_000, min_length=1) = Field(
        description="the returned mail as it arrived: a delivery status notification "
        "(RFC 3464) or an abuse report (RFC 5965)"
    )
    recipient: bounded(254) = Field(
        "", description="its envelope recipient (the VERP address), when the provider has it"
    )


class InboundMailOut(Schema):
    status: Literal[tuple(InboundStatus.values)]
    detail: str
    message_id: int | None


class InboundSmsIn(Schema):
    model_config = ConfigDict(populate_by_name=True)
    from_number: bounded(40, min_length=1) = Field(
        alias="from", description="the number that texted (E.164, e.g. +15550100199)"
    )
    to: bounded(40, min_length=1) = Field(description="the workspace's number it texted")
    body: bounded(1600) = Field(description="the text as it arrived")
    provider_message_id: bounded(200, min_length=1) = Field(
        description="the provider's id of the text: the same id posted again is handled once"
    )


class InboundSmsOut(Schema):
    new: bool = Field(description="false when this provider message id was received before")
    keyword: Literal[tuple(SmsKeyword.values)] = Field(description="stop, start, help or ''")
    contact_id: int | None
    outcome: str
    reply_status: str | None = Field(description="what became of the reply, when one is due")


class TopicIn(Schema):
    name: bounded(100, min_length=1)
    description: bounded(300) = ""


class TopicOut(Schema):
    id: int
    name: str
    description: str


CLOCK_TIME = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"
TERRITORY = r"^([A-Za-z]{2})?$"


class SettingsIn(Schema):
    time_zone: bounded(60, min_length=1, examples=["Europe/London"])
    cap_count: int = Field(0, ge=0, le=rules.MAX_CAP_COUNT, description="0: no cap")
    cap_days: int = Field(7, ge=1, le=rules.MAX_CAP_DAYS)
    quiet_start: bounded(5, pattern=CLOCK_TIME) | None = None
    quiet_end: bounded(5, pattern=CLOCK_TIME) | None = None
    soft_bounce_limit: int = Field(3, ge=1, le=rules.MAX_SOFT_BOUNCES)
    soft_bounce_days: int = Field(7, ge=1, le=rules.MAX_CAP_DAYS)
    default_territory: bounded(2, pattern=TERRITORY) | None = Field(
        None, description="country of contacts without a country trait; null keeps it"
    )
    sms_help_text: bounded(rules.SMS_REPLY_LIMIT, min_length=1) | None = Field(
        None, description="the reply to HELP; null keeps it"
    )
    sms_stop_text: bounded(rules.SMS_REPLY_LIMIT, min_length=1) | None = Field(
        None, description="the confirmation of STOP; null keeps it"
    )
    sms_start_text: bounded(rules.SMS_REPLY_LIMIT, min_length=1) | None = Field(
        None, description="the confirmation of START; null keeps it"
    )
    attribution_days: int | None = Field(
        None,
        ge=1,
        le=rules.MAX_ATTRIBUTION_DAYS,
        description="an order counts as a broadcast's revenue when placed at most this "
        "many days after a click; null keeps it",
    )


class SettingsOut(Schema):
    time_zone: str
    cap_count: int
    cap_days: int
    quiet_start: str | None
    quiet_end: str | None
    soft_bounce_limit: int
    soft_bounce_days: int
    default_territory: str
    sms_help_text: str
    sms_stop_text: str
    sms_start_text: str
    attribution_days: int = Field(description="the revenue-after-click window in days")


class SuppressionOut(Schema):
    email: str
    reason: str
    detail: str
    created_at: datetime


class SuppressionAddedOut(Schema):
    added: bool = Field(description="false when the address was suppressed already")


def _broadcast_out(broadcast) -> dict:
    out = {name: getattr(broadcast, name) for name in BroadcastOut.model_fields if name != "counts"}
    out["counts"] = {name: getattr(broadcast, name) for name in Counts.model_fields}
    return out


def _broadcast(request, broadcast_id: int):
    found = selectors.broadcast(request.workspace, broadcast_id)
    if found is None:
        raise NotFound("broadcast_id", "no such broadcast in this workspace")
    return found


def _template(request, template_id: int):
    found = selectors.template(request.workspace, template_id)
    if found is None:
        raise NotFound("template_id", "no such template in this workspace")
    return found


@router.get("/templates", response={200: list[TemplateOut], **ERRORS})
@endpoint("messaging.view")
def list_templates(request, page: Query[Page]):
    return list(selectors.templates(request.workspace)[page.offset : page.offset + page.limit])


@router.post("/templates", response={201: TemplateOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def create_template(request, payload: TemplateIn):
    """A template; each part must compile (a refusal names the part)."""
    return Status(201, actions.save_template(request.workspace, **payload.model_dump()))


class TemplateReportQuery(Schema):
    start: Day | None = Field(None, examples=["2026-03-01"], description="first UTC day sent")
    end: Day | None = Field(None, examples=["2026-03-31"], description="last UTC day, inclusive")

    @field_validator("end")
    @classmethod
    def _end_after_start(cls, end, info):
        return check_order(info.data.get("start"), end)


class TemplateReportOut(Schema):
    template_id: int
    name: str
    attempted: int = Field(description="handed to the relay: sent and refused for good")
    sent: int
    delivered: int
    opened: int
    clicked: int
    bounced: int
    complained: int
    unsubscribed: int
    delivery_rate: float | None = Field(description="of attempted; null when none")
    open_rate: float | None = Field(description="of sent; null when nothing was sent")
    click_rate: float | None
    bounce_rate: float | None = Field(description="of attempted; null when none")
    complaint_rate: float | None
    unsubscribe_rate: float | None
    orders_after_click: int = Field(
        description="orders placed within the attribution window after the person's first "
        "click on any of these messages, each once (merged contacts are one person)"
    )
    revenue_after_click: Decimal = Field(description="their total, in the workspace's currency")
    other_currency_orders: int = Field(description="such orders in another currency, not added")


@router.get("/templates/report", response={200: list[TemplateReportOut], **ERRORS})
@endpoint("messaging.view")
def templates_report(request, query: Query[TemplateReportQuery]):
    """Per email template, its broadcasts' messages sent (or refused) in the period and
    what recipients did; rates are null when their base is 0."""
    return template_report(request.workspace, query.start, query.end)


@router.get("/templates/{template_id}", response={200: TemplateOut, **ERRORS, **NOT_FOUND})
@endpoint("messaging.view")
def get_template(request, template_id: Id):
    return _template(request, template_id)


@router.put(
    "/templates/{template_id}",
    response={200: TemplateOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("messaging.send")
def change_template(request, template_id: Id, payload: TemplateIn):
    template = _template(request, template_id)
    return actions.save_template(request.workspace, template=template, **payload.model_dump())


@router.get("/senders", response={200: list[SenderOut], **ERRORS})
@endpoint("messaging.view")
def list_senders(request, page: Query[Page]):
    """Sender identities (their DKIM keys are never shown)."""
    return list(selectors.senders(request.workspace)[page.offset : page.offset + page.limit])


@router.get("/broadcasts", response={200: list[BroadcastOut], **ERRORS})
@endpoint("messaging.view")
def list_broadcasts(request, page: Query[Page]):
    """Broadcasts with their message counts, newest first."""
    rows = selectors.broadcasts(request.workspace)[page.offset : page.offset + page.limit]
    return [_broadcast_out(b) for b in rows]


@router.post("/broadcasts", response={201: BroadcastOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def create_broadcast(request, payload: BroadcastIn):
    """A draft broadcast; nothing is sent until it is queued."""
    values = payload.model_dump(exclude={"audience"})
    created = actions.create_broadcast(
        request.workspace, audience=payload.audience.model_dump(), **values
    )
    return Status(201, _broadcast_out(selectors.broadcast(request.workspace, created.pk)))


@router.get("/broadcasts/{broadcast_id}", response={200: BroadcastOut, **ERRORS, **NOT_FOUND})
@endpoint("messaging.view")
def get_broadcast(request, broadcast_id: Id):
    return _broadcast_out(_broadcast(request, broadcast_id))


@router.post("/broadcasts/{broadcast_id}/queue", response={200: QueuedOut, **ERRORS, **NOT_FOUND})
@endpoint("messaging.send")
def queue(request, broadcast_id: Id):
    """One outbox message per recipient, once (a second call is refused, 422); those
    who may not be mailed are recorded as skipped with the reason."""
    broadcast = _broadcast(request, broadcast_id)
    return actions.queue_broadcast(request.workspace, broadcast.pk, actor=request.user)


@router.get(
    "/broadcasts/{broadcast_id}/report",
    response={200: BroadcastReportOut, **ERRORS, **NOT_FOUND},
)
@endpoint("messaging.view")
def broadcast_report(request, broadcast_id: Id):
    """What became of a broadcast: counts and rates, revenue after click (in all and per
    subject variant) and delivery per hour or day (UTC)."""
    broadcast = _broadcast(request, broadcast_id)
    timeline = outcomes.delivery_over_time(request.workspace, broadcast)
    delivery = [
        {"start": at, **{name: values[i] for name, values in timeline["series"].items()}}
        for i, at in enumerate(timeline["periods"])
    ]
    return {
        **selectors.report(request.workspace, broadcast),
        "revenue_after_click": outcomes.revenue_after_click(request.workspace, broadcast),
        "unit": timeline["unit"],
        "delivery": delivery,
    }


@router.get("/suppressions", response={200: list[SuppressionOut], **ERRORS})
@endpoint("messaging.view")
def list_suppressions(request, page: Query[Page]):
    """Addresses no message goes to, newest first."""
    rows = selectors.suppressions(request.workspace)
    return list(rows[page.offset : page.offset + page.limit])


@router.post("/suppressions", response={200: SuppressionAddedOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def add_suppression(request, payload: SuppressionIn):
    """Suppress an address (by hand, or an unsubscribe, bounce or complaint from
    elsewhere); queued messages to it are skipped at send time."""
    return {
        "added": actions.suppress(request.workspace, payload.email, payload.reason, payload.detail)
    }


@router.post("/inbound-mail", response={200: InboundMailOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def post_inbound_mail(request, payload: InboundMailIn):
    """A bounce or complaint a provider relays: recorded on the message of this workspace
    it names (its VERP recipient or X-Pacer-Id); a hard bounce or a complaint suppresses
    the address. The same mail posted twice is recorded once (``duplicate``)."""
    mail, new = bounces.receive(
        payload.raw.encode(errors="replace"), payload.recipient, request.workspace
    )
    if not new:
        mine = mail.workspace_id == request.workspace.pk
        return {
            "status": InboundStatus.DUPLICATE,
            "detail": "received before",
            "message_id": mail.message_id if mine else None,
        }
    return {"status": mail.status, "detail": mail.detail, "message_id": mail.message_id}


@router.post("/inbound-sms", response={200: InboundSmsOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def post_inbound_sms(request, payload: InboundSmsIn):
    """A text a provider relays (CTIA keywords, matched on the whole trimmed body in any
    case): STOP, STOPALL, UNSUBSCRIBE, CANCEL, END or QUIT stops the number and withdraws
    the contact's SMS consent; START or UNSTOP starts it again; HELP is answered with the
    workspace's help text. The same provider message id posted again does nothing more."""
    inbound, new = sms.receive_sms(
        request.workspace,
        provider_id=payload.provider_message_id,
        from_number=payload.from_number,
        to_number=payload.to,
        body=payload.body,
    )
    return {
        "new": new,
        "keyword": inbound.keyword,
        "contact_id": inbound.contact_id,
        "outcome": inbound.outcome,
        "reply_status": sms.reply_status(inbound),
    }


@router.get("/topics", response={200: list[TopicOut], **ERRORS})
@endpoint("messaging.view")
def list_topics(request, page: Query[Page]):
    """The workspace's topics, by name."""
    return list(rules.topics(request.workspace)[page.offset : page.offset + page.limit])


@router.post("/topics", response={201: TopicOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def create_topic(request, payload: TopicIn):
    """A topic broadcasts can be about; the name is unique in the workspace (422)."""
    topic = rules.save_topic(request.workspace, name=payload.name, description=payload.description)
    return Status(201, topic)


def _settings_out(found) -> dict:
    clock = {f: getattr(found, f) for f in ("quiet_start", "quiet_end")}
    return {
        "time_zone": found.time_zone,
        "cap_count": found.cap_count,
        "cap_days": found.cap_days,
        **{f: f"{value:%H:%M}" if value else None for f, value in clock.items()},
        "soft_bounce_limit": found.soft_bounce_limit,
        "soft_bounce_days": found.soft_bounce_days,
        "default_territory": found.default_territory,
        "sms_help_text": found.sms_help_text,
        "sms_stop_text": found.sms_stop_text,
        "sms_start_text": found.sms_start_text,
        "attribution_days": found.attribution_days,
    }


@router.get("/settings", response={200: SettingsOut, **ERRORS})
@endpoint("messaging.view")
def get_settings(request):
    """The sending rules: default time zone, frequency cap, quiet hours, soft bounces,
    and the attribution window of revenue after click."""
    return _settings_out(rules.settings_of(request.workspace))


@router.put("/settings", response={200: SettingsOut, **ERRORS, **BODY_ERRORS})
@endpoint("messaging.send")
def put_settings(request, payload: SettingsIn):
    """Replace the sending rules; an unknown time zone or quiet hours with one end only
    are refused (422, naming the field) and change nothing."""
    found = rules.save_settings(request.workspace, **payload.model_dump(), actor=request.user)
    return _settings_out(found)
