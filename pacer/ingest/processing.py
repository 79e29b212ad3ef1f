"""Processing accepted events: identity resolution, computed traits, orders and consents.

The tracking API acknowledges a batch once its validated events are durably appended
(``pending``); this step, run by the worker right after (and inline by ``ingest``),
resolves each pending event to a contact and keeps the contact's traits current. It works
through a workspace's pending events in id order, a chunk at a time: it plans the chunk
from reads alone, then, in one transaction holding the workspace's lock, checks that
what it read still holds and writes the plan (ADR 0002). Two processors never write the
same events, and running it again finds nothing left to do.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from pacer.core.bulk import db_datetime, db_json, fetch_rows, update_values
from pacer.core.errors import FieldError
from pacer.core.models import Workspace
from pacer.ingest.channels import Touch
from pacer.ingest.models import MESSAGE_COLUMNS, Event
from pacer.ingest.selectors import pending_window
from pacer.ingest.spec import Message
from pacer.people.commerce import OrderWriter, order_from_properties
from pacer.people.models import Account, Consent, Contact, IdentityKind, LifecycleStage
from pacer.people.resolution import BatchResolver, normalise

ORDER_EVENT = "Order Completed"
CONSENT_EVENT = "Consent Updated"
CONSENT_CHANNELS = {"email", "sms", "push", "phone", "direct_mail", "whatsapp"}
logger = logging.getLogger(__name__)
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
PENDING_COLUMNS = ["id", *MESSAGE_COLUMNS[:-1]]  # all but context


def process_pending(workspace: Workspace | None = None, *, chunk: int | None = None) -> int:
    """Process the pending events of one workspace (or of all), ``chunk`` at a time
    (``INGEST_PROCESS_CHUNK`` by default); returns how many."""
    chunk = chunk or settings.INGEST_PROCESS_CHUNK
    if workspace is not None:
        workspace_ids = [workspace.pk]
    else:
        workspace_ids = list(
            Event.objects.filter(pending=True).values_list("workspace_id", flat=True).distinct()
        )
    done = 0
    for workspace_id in workspace_ids:
        while True:
            count = _process_chunk(workspace_id, chunk)
            done += count
            if count < chunk:
                break
    return done


def processing_due(now: datetime) -> bool:
    """Whether the worker should process now.

    Once the API has been quiet for ``INGEST_PROCESS_QUIET_SECONDS``, or the oldest
    pending event has waited ``INGEST_PROCESS_MAX_LAG_SECONDS``: under a steady stream
    that gathers chunks big enough to process efficiently, and it bounds how stale
    contacts get.
    """
    window = pending_window()
    if window is None:
        return False
    oldest, newest = window
    return (now - newest).total_seconds() >= settings.INGEST_PROCESS_QUIET_SECONDS or (
        now - oldest
    ).total_seconds() >= settings.INGEST_PROCESS_MAX_LAG_SECONDS


def _process_chunk(workspace_id: int, chunk: int) -> int:
    for attempt in range(3):
        try:
            # Plan from a read of the current state, without the write lock, so the API
            # keeps appending meanwhile; then, holding the lock, re-check what the plan
            # read and write it (or plan again under the lock if anything changed).
            plan = ChunkPlan.read(workspace_id, chunk)
            if plan is None:
                return 0
            with transaction.atomic():
                Workspace.objects.select_for_update().get(pk=workspace_id)
                if not plan.current():
                    logger.info(
                        "events %s-%s changed while planned; planning again", *plan.id_range
                    )
                    plan = ChunkPlan.read(workspace_id, chunk)
                    if plan is None:
                        return 0
                plan.write()
                return plan.count
        except IntegrityError:
            # A CSV import created the same identifier first; the retry resolves to it.
            if attempt == 2:
                raise
    return 0


def message_from_row(row: tuple) -> Message:
    """The ``Message`` an event row was written from (``PENDING_COLUMNS[1:]``, as the
    database driver returns them). The properties of events that processing does not
    read (pages, screens, other tracks) are left unparsed: empty here."""
    (mid, kind, event, name, user_id, anon, ts, channel, source, medium, campaign, props) = row
    if kind in ("identify", "group", "alias") or event in (ORDER_EVENT, CONSENT_EVENT):
        props = db_json(props)
    else:
        props = {}
    message = Message(
        type=kind,
        message_id=mid,
        user_id=user_id,
        anonymous_id=anon,
        timestamp=db_datetime(ts),
        event=event,
        name=name,
        touch=Touch(source=source, medium=medium, campaign=campaign, channel=channel),
    )
    if kind in ("identify", "group"):
        message.traits = props.get("traits", {})
        message.group_id = props.get("groupId", "")
    elif kind == "alias":
        message.previous_id = props.get("previousId", "")
    else:
        message.properties = props
    return message


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


class ChunkPlan:
    """What processing one chunk of pending events writes, worked out from reads alone.

    ``read`` resolves every event in memory; ``current`` tells whether what it read (the
    events still pending, the owners of their identifiers, the contacts' and accounts'
    rows) is still so; ``write`` stores the result. The rows it adds are guarded by
    unique keys (identifiers, orders, products, accounts), so a concurrent insert of the
    same fails the write and the chunk is retried.
    """

    def __init__(self, workspace: Workspace, rows: list[tuple]):
        self.workspace = workspace
        self.count = len(rows)
        self.id_range = (rows[0][0], rows[-1][0])
        parsed = []
        for row in rows:
            message = message_from_row(row[1:])
            order = None
            if message.type == "track" and message.event == ORDER_EVENT:
                # validated when the event was accepted, so this cannot fail here
                order = order_from_properties(
                    message.properties, message.timestamp, message.message_id
                )
            parsed.append((row[0], message, identity_keys(message), order))
        keys = {key for _, _, message_keys, _ in parsed for key in message_keys}
        for _, message, _, _ in parsed:
            if message.type == "alias":
                keys |= {
                    (IdentityKind.USER_ID, message.previous_id),
                    (IdentityKind.ANONYMOUS_ID, message.previous_id),
                }
        self.resolver = resolver = BatchResolver(workspace, keys)
        order_inputs = [order for *_, order in parsed if order is not None]
        self.orders = orders = OrderWriter(
            workspace,
            {order.external_id for order in order_inputs},
            {line.sku for order in order_inputs for line in order.lines},
        )
        self._group_ids = {m.group_id for _, m, _, _ in parsed if m.group_id}
        self.accounts = accounts = {a.group_id: a for a in self._read_accounts()}
        self._accounts_read = _account_rows(accounts.values())
        self.event_contacts: list[tuple[int, Contact]] = []
        self.consents: list[tuple[Consent, Contact]] = []
        for event_id, message, message_keys, order in parsed:
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
            elif message.type == "track" and message.event == CONSENT_EVENT:
                self.consents.append((consent_from(workspace, message), contact))
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
            self.event_contacts.append((event_id, contact))

    @classmethod
    def read(cls, workspace_id: int, chunk: int) -> "ChunkPlan | None":
        """The plan for the workspace's oldest ``chunk`` pending events (None if none)."""
        rows = fetch_rows(
            Event.objects.filter(workspace_id=workspace_id, pending=True)
            .order_by("id")
            .values_list(*PENDING_COLUMNS)[:chunk]
        )
        return cls(Workspace.objects.get(pk=workspace_id), rows) if rows else None

    def current(self) -> bool:
        """Whether the state the plan was read from still holds (call under the lock)."""
        first, last = self.id_range
        still_pending = Event.objects.filter(
            workspace_id=self.workspace.pk, pending=True, id__gte=first, id__lte=last
        ).count()
        return (
            still_pending == self.count
            and _account_rows(self._read_accounts()) == self._accounts_read
            and self.resolver.current()
        )

    def _read_accounts(self) -> list[Account]:
        if not self._group_ids:
            return []
        return list(Account.objects.filter(workspace=self.workspace, group_id__in=self._group_ids))

    def write(self) -> None:
        """Store the plan: call inside the transaction that holds the workspace's lock."""
        resolver = self.resolver
        Account.objects.bulk_create([a for a in self.accounts.values() if a.pk is None])
        for account in self.accounts.values():
            if account.pk is not None:
                account.save(update_fields=["name", "traits"])
        resolver.flush()
        self.orders.flush(resolver.canonical)
        resolver.save_touched(CONTACT_FIELDS)
        Consent.objects.bulk_create(
            [_with_contact(c, resolver.canonical(contact)) for c, contact in self.consents]
        )
        update_values(
            Event,
            ["contact", "pending"],
            [(resolver.canonical(c).pk, False, event_id) for event_id, c in self.event_contacts],
        )


def _account_rows(accounts) -> dict[int, tuple]:
    return {a.pk: (a.name, a.traits) for a in accounts}


def _with_contact(row, contact):
    row.contact = contact
    return row


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
