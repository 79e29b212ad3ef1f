"""Accepting Segment messages: validate each, then write the whole batch in one transaction.

A batch is acknowledged only after its transaction commits, so every ``accepted`` in
the response is durable; a message that fails validation is reported as ``rejected``
with its field and reason and writes nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from pacer.core.bulk import insert_rows
from pacer.core.errors import FieldError
from pacer.core.models import Workspace
from pacer.ingest.models import Event
from pacer.ingest.spec import Message, validate
from pacer.people.commerce import OrderWriter, order_from_properties
from pacer.people.models import Account, Consent, Contact, IdentityKind, LifecycleStage
from pacer.people.resolution import BatchResolver, normalise

ORDER_EVENT = "Order Completed"
CONSENT_EVENT = "Consent Updated"
CONSENT_CHANNELS = {"email", "sms", "push", "phone", "direct_mail", "whatsapp"}
PROFILE_TRAITS = {
    "email": "email",
    "phone": "phone",
    "firstName": "first_name",
    "first_name": "first_name",
    "lastName": "last_name",
    "last_name": "last_name",
}
CONTACT_FIELDS = [
    "email",
    "phone",
    "first_name",
    "last_name",
    "traits",
    "account",
    "location",
    "lifecycle_stage",
    "first_seen_at",
    "last_seen_at",
    "lead_at",
    "customer_at",
    "order_count",
    "revenue",
    "last_order_at",
    "acquisition_channel",
    "acquisition_source",
    "acquisition_medium",
    "acquisition_campaign",
]


EVENT_COLUMNS = [
    "workspace",
    "contact",
    "received_at",
    "message_id",
    "type",
    "event",
    "name",
    "user_id",
    "anonymous_id",
    "timestamp",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "properties",
    "context",
]


@dataclass(slots=True)
class Result:
    message_id: str
    status: str  # accepted | duplicate | rejected
    error: str = ""

    def as_dict(self) -> dict:
        data = {"messageId": self.message_id, "status": self.status}
        if self.error:
            data["error"] = self.error
        return data


def identity_keys(message: Message) -> list[tuple[str, str]]:
    """A message's identifiers, strongest first."""
    keys = []
    if message.user_id:
        keys.append((IdentityKind.USER_ID, message.user_id))
    if message.type == "identify":
        for kind, trait in ((IdentityKind.EMAIL, "email"), (IdentityKind.PHONE, "phone")):
            value = message.traits.get(trait)
            value = normalise(kind, value)[:254] if isinstance(value, str) else ""
            if value:
                keys.append((kind, value))
    if message.anonymous_id:
        keys.append((IdentityKind.ANONYMOUS_ID, message.anonymous_id))
    return keys


def ingest(
    workspace: Workspace,
    raw_messages: list,
    *,
    received_at: datetime,
    call_type: str | None = None,
    batch_sent_at: datetime | None = None,
    rejected: dict[int, str] | None = None,
) -> list[Result]:
    """Validate and store messages; one result per input message, in order.

    ``rejected`` maps input positions already refused by the caller (e.g. for size) to
    the reason.
    """
    results: list[Result] = []
    valid: list[tuple[int, Message]] = []
    for position, raw in enumerate(raw_messages):
        if rejected and position in rejected:
            mid = raw.get("messageId") if isinstance(raw, dict) else None
            results.append(Result(str(mid or ""), "rejected", rejected[position]))
            continue
        try:
            message = validate(
                raw, call_type=call_type, received_at=received_at, batch_sent_at=batch_sent_at
            )
        except FieldError as error:
            mid = raw.get("messageId") if isinstance(raw, dict) else None
            results.append(Result(str(mid or ""), "rejected", str(error)))
            continue
        results.append(Result(message.message_id, "accepted"))
        valid.append((len(results) - 1, message))
    for attempt in range(3):
        try:
            with transaction.atomic():
                _write(workspace, valid, results, received_at)
            break
        except IntegrityError:
            # A concurrent batch claimed the same identifier or message id first; the
            # retry sees its rows and resolves against them.
            for index, _ in valid:
                results[index].status, results[index].error = "accepted", ""
            if attempt == 2:
                raise
    return results


def _write(workspace: Workspace, valid: list, results: list[Result], received_at) -> None:
    ids = [m.message_id for _, m in valid]
    seen = (
        set(
            Event.objects.filter(workspace=workspace, message_id__in=ids).values_list(
                "message_id", flat=True
            )
        )
        if ids
        else set()
    )
    fresh: list[tuple[int, Message]] = []
    for index, message in valid:
        if message.message_id in seen:
            results[index].status = "duplicate"
        else:
            seen.add(message.message_id)
            fresh.append((index, message))
    # Orders and consents are read first, so a message they reject touches nothing.
    parsed = []
    for index, message in fresh:
        order = consent = None
        try:
            if message.type == "track" and message.event == ORDER_EVENT:
                order = order_from_properties(
                    message.properties, message.timestamp, message.message_id
                )
            elif message.type == "track" and message.event == CONSENT_EVENT:
                consent = consent_from(workspace, message)
        except FieldError as error:
            results[index].status, results[index].error = "rejected", str(error)
            continue
        parsed.append((message, identity_keys(message), order, consent))
    keys = {key for _, message_keys, _, _ in parsed for key in message_keys}
    for message, _, _, _ in parsed:
        if message.type == "alias":
            keys |= {
                (IdentityKind.USER_ID, message.previous_id),
                (IdentityKind.ANONYMOUS_ID, message.previous_id),
            }
    resolver = BatchResolver(workspace, keys)
    order_inputs = [order for _, _, order, _ in parsed if order is not None]
    orders = OrderWriter(
        workspace,
        {order.external_id for order in order_inputs},
        {line.sku for order in order_inputs for line in order.lines},
    )
    accounts = {
        a.group_id: a
        for a in Account.objects.filter(
            workspace=workspace, group_id__in={m.group_id for m, _, _, _ in parsed if m.group_id}
        )
    }
    pending_events: list[tuple[tuple, Contact]] = []
    consents: list[tuple[Consent, Contact]] = []
    for message, message_keys, order, consent in parsed:
        contact = resolver.resolve(message_keys)
        if message.type == "alias":
            previous = resolver.lookup(
                IdentityKind.USER_ID, message.previous_id
            ) or resolver.lookup(IdentityKind.ANONYMOUS_ID, message.previous_id)
            if previous is None:
                contact = resolver.resolve(
                    [
                        (IdentityKind.USER_ID, message.user_id),
                        (IdentityKind.ANONYMOUS_ID, message.previous_id),
                    ]
                )
            else:
                contact = resolver.merge(contact, previous)
        elif order is not None:
            orders.add(order, contact)
        elif consent is not None:
            consents.append((consent, contact))
        elif message.type == "group":
            account = accounts.get(message.group_id)
            if account is None:
                account = Account(workspace=workspace, group_id=message.group_id)
                accounts[message.group_id] = account
            account.name = str(message.traits.get("name") or account.name)[:200]
            account.traits = {**account.traits, **message.traits}
            contact.account = account
        if message.type == "identify":
            apply_identify(contact, message, orders)
        touch_contact(contact, message)
        pending_events.append((event_values(message), contact))
    Account.objects.bulk_create([a for a in accounts.values() if a.pk is None])
    for account in accounts.values():
        if account.pk is not None:
            account.save(update_fields=["name", "traits"])
    resolver.flush()
    orders.flush(resolver.canonical)
    resolver.save_touched(CONTACT_FIELDS)
    Consent.objects.bulk_create(
        [_with_contact(c, resolver.canonical(contact)) for c, contact in consents]
    )
    insert_rows(
        Event,
        EVENT_COLUMNS,
        [
            (workspace.pk, resolver.canonical(contact).pk, received_at, *values)
            for values, contact in pending_events
        ],
    )


def _with_contact(row, contact):
    row.contact = contact
    return row


def event_values(message: Message) -> tuple:
    """The message's own columns of its event row, in ``EVENT_COLUMNS[3:]`` order."""
    properties = message.properties
    if message.type in ("identify", "group"):
        properties = {"traits": message.traits}
    elif message.type == "alias":
        properties = {"previousId": message.previous_id}
    touch = message.touch
    return (
        message.message_id,
        message.type,
        message.event,
        message.name,
        message.user_id,
        message.anonymous_id,
        message.timestamp,
        touch.channel,
        touch.source[:200],
        touch.medium[:100],
        touch.campaign[:200],
        properties,
        message.context,
    )


def apply_identify(contact: Contact, message: Message, orders: OrderWriter) -> None:
    """Copy identify traits onto the contact; an email makes a subscriber a lead."""
    extra = {}
    for key, value in message.traits.items():
        column = PROFILE_TRAITS.get(key)
        if column and isinstance(value, str):
            setattr(contact, column, value.strip()[: 254 if column == "email" else 100])
        elif key == "location":
            location = orders.location(str(value))
            if location is not None:
                contact.location = location
        else:
            extra[key] = value
    contact.traits = {**contact.traits, **extra}
    if contact.email:
        contact.email = contact.email.lower()
        if contact.lead_at is None or message.timestamp < contact.lead_at:
            contact.lead_at = message.timestamp
        if contact.lifecycle_stage in ("", LifecycleStage.SUBSCRIBER):
            contact.lifecycle_stage = LifecycleStage.LEAD
    elif not contact.lifecycle_stage:
        contact.lifecycle_stage = LifecycleStage.SUBSCRIBER


def touch_contact(contact: Contact, message: Message) -> None:
    """Seen times and, for the first touch with a channel, the acquisition fields."""
    ts = message.timestamp
    touch = message.touch
    if touch.channel and (
        not contact.acquisition_channel
        or contact.first_seen_at is None
        or ts < contact.first_seen_at
    ):
        contact.acquisition_channel = touch.channel
        contact.acquisition_source = touch.source[:200]
        contact.acquisition_medium = touch.medium[:100]
        contact.acquisition_campaign = touch.campaign[:200]
    if contact.first_seen_at is None or ts < contact.first_seen_at:
        contact.first_seen_at = ts
    if contact.last_seen_at is None or ts > contact.last_seen_at:
        contact.last_seen_at = ts


def consent_from(workspace: Workspace, message: Message) -> Consent:
    """A consent record from a "Consent Updated" track call."""
    props = message.properties
    channel = props.get("channel")
    if channel not in CONSENT_CHANNELS:
        raise FieldError(
            "properties.channel", f"must be one of {', '.join(sorted(CONSENT_CHANNELS))}"
        )
    purpose = props.get("purpose")
    if not isinstance(purpose, str) or not purpose.strip():
        raise FieldError("properties.purpose", "is required (e.g. 'marketing')")
    granted = props.get("granted")
    if not isinstance(granted, bool):
        raise FieldError("properties.granted", "must be true or false")
    return Consent(
        workspace=workspace,
        channel=channel,
        purpose=purpose.strip()[:60],
        granted=granted,
        source=str(props.get("source") or "segment")[:100],
        wording=str(props.get("wording") or ""),
        recorded_at=message.timestamp,
    )
