"""What people's activity does to their profiles, planned in memory and written in bulk.

Ingestion turns each event into an ``Activity`` (who, when, through which touch, and
what it says: traits, a company, an alias, an order, a consent) and hands a chunk of them
to a ``ProfilePlan``. The plan resolves identities (``pacer.people.resolution``), keeps
computed traits current (seen times, acquisition, lifecycle stage, orders and revenue),
collects orders, accounts and consents, and ``write`` stores it all in the caller's
transaction. Reading and writing are separate so the caller can plan without holding the
write lock and check, holding it, that what the plan read is still so (``current``).
"""

from dataclasses import dataclass
from datetime import datetime

from pacer.core.errors import FieldError
from pacer.core.models import Workspace
from pacer.people.commerce import OrderInput, OrderWriter, check_contact_storable
from pacer.people.models import Account, Consent, Contact, IdentityKind, LifecycleStage
from pacer.people.resolution import PROFILE_FIELDS, BatchResolver, normalise

CONSENT_CHANNELS = {"email", "sms", "push", "phone", "direct_mail", "whatsapp"}
PROFILE_TRAITS = {
    "email": "email",
    "phone": "phone",
    "firstName": "first_name",
    "first_name": "first_name",
    "lastName": "last_name",
    "last_name": "last_name",
}
TRAIT_LENGTHS = {
    column: Contact._meta.get_field(column).max_length for column in PROFILE_TRAITS.values()
}


@dataclass(slots=True)
class ConsentInput:
    channel: str
    purpose: str
    granted: bool
    source: str
    wording: str
    recorded_at: datetime


@dataclass(slots=True)
class Activity:
    """One thing a person did, as far as their profile is concerned.

    ``kind`` is the Segment call type; ``channel``/``source``/``medium``/``campaign`` the
    touch it came through (empty when none).
    """

    kind: str
    user_id: str
    anonymous_id: str
    timestamp: datetime
    channel: str = ""
    source: str = ""
    medium: str = ""
    campaign: str = ""
    traits: dict | None = None
    group_id: str = ""
    previous_id: str = ""
    order: OrderInput | None = None
    consent: ConsentInput | None = None


def consent_input(properties: dict, recorded_at: datetime) -> ConsentInput:
    """A consent decision from "Consent Updated" properties, or ``FieldError``."""
    channel = properties.get("channel")
    if channel not in CONSENT_CHANNELS:
        raise FieldError(
            "properties.channel", f"must be one of {', '.join(sorted(CONSENT_CHANNELS))}"
        )
    purpose = properties.get("purpose")
    if not isinstance(purpose, str) or not purpose.strip():
        raise FieldError("properties.purpose", "is required (e.g. 'marketing')")
    granted = properties.get("granted")
    if not isinstance(granted, bool):
        raise FieldError("properties.granted", "must be true or false")
    return ConsentInput(
        channel=channel,
        purpose=purpose.strip()[:60],
        granted=granted,
        source=str(properties.get("source") or "segment")[:100],
        wording=str(properties.get("wording") or ""),
        recorded_at=recorded_at,
    )


def identity_keys(activity: Activity) -> list[tuple[str, str]]:
    """An activity's identifiers, strongest first."""
    keys = []
    if activity.user_id:
        keys.append((IdentityKind.USER_ID, activity.user_id))
    if activity.kind == "identify" and activity.traits:
        for kind, trait in ((IdentityKind.EMAIL, "email"), (IdentityKind.PHONE, "phone")):
            value = activity.traits.get(trait)
            value = normalise(kind, value)[:254] if isinstance(value, str) else ""
            if value:
                keys.append((kind, value))
    if activity.anonymous_id:
        keys.append((IdentityKind.ANONYMOUS_ID, activity.anonymous_id))
    return keys


class ProfilePlan:
    """The profile changes of a chunk of activities, worked out from reads alone.

    ``contacts[i]`` is the contact activity ``i`` resolved to (``canonical`` gives the
    survivor after merges). The rows ``write`` adds are guarded by unique keys
    (identifiers, orders, products, accounts), so a concurrent insert of the same fails
    the caller's transaction, which it retries.
    """

    def __init__(self, workspace: Workspace, activities: list[Activity]):
        self.workspace = workspace
        keyed = [(activity, identity_keys(activity)) for activity in activities]
        keys = {key for _, activity_keys in keyed for key in activity_keys}
        for activity in activities:
            if activity.kind == "alias":
                keys |= {
                    (IdentityKind.USER_ID, activity.previous_id),
                    (IdentityKind.ANONYMOUS_ID, activity.previous_id),
                }
        self.resolver = BatchResolver(workspace, keys)
        orders = [a.order for a in activities if a.order is not None]
        self.orders = OrderWriter(
            workspace,
            {order.external_id for order in orders},
            {line.sku for order in orders for line in order.lines},
        )
        self._group_ids = {a.group_id for a in activities if a.group_id}
        self.accounts = {a.group_id: a for a in self._read_accounts()}
        self._accounts_read = _account_rows(self.accounts.values())
        self.consents: list[tuple[Consent, Contact]] = []
        self.contacts = [self._apply(activity, keys_) for activity, keys_ in keyed]

    def _apply(self, activity: Activity, keys: list[tuple[str, str]]) -> Contact:
        resolver = self.resolver
        contact = resolver.resolve(keys)
        if activity.kind == "alias":
            previous = resolver.lookup(
                IdentityKind.USER_ID, activity.previous_id
            ) or resolver.lookup(IdentityKind.ANONYMOUS_ID, activity.previous_id)
            if previous is None:
                contact = resolver.resolve(
                    [
                        (IdentityKind.USER_ID, activity.user_id),
                        (IdentityKind.ANONYMOUS_ID, activity.previous_id),
                    ]
                )
            else:
                contact = resolver.merge(contact, previous)
        elif activity.order is not None:
            self.orders.add(activity.order, contact)
        elif activity.consent is not None:
            self.consents.append(
                (Consent(workspace=self.workspace, **_fields(activity.consent)), contact)
            )
        elif activity.kind == "group":
            account = self.accounts.get(activity.group_id)
            if account is None:
                account = Account(workspace=self.workspace, group_id=activity.group_id)
                self.accounts[activity.group_id] = account
            traits = activity.traits or {}
            account.name = str(traits.get("name") or account.name)[:200]
            account.traits = {**account.traits, **traits}
            contact.account = account
        if activity.kind == "identify":
            apply_identify(contact, activity, self.orders)
        touch_contact(contact, activity)
        return contact

    def _read_accounts(self) -> list[Account]:
        if not self._group_ids:
            return []
        return list(Account.objects.filter(workspace=self.workspace, group_id__in=self._group_ids))

    def current(self) -> bool:
        """Whether the rows the plan read are still as they were (call under the lock)."""
        return (
            _account_rows(self._read_accounts()) == self._accounts_read and self.resolver.current()
        )

    def canonical(self, contact: Contact) -> Contact:
        return self.resolver.canonical(contact)

    def check_storable(self) -> None:
        """Raise ``FieldError`` if a contact of the plan overflows a column (orders are
        checked as they are flushed)."""
        for contact in [*self.resolver.new_contacts, *self.resolver.touched.values()]:
            check_contact_storable(contact)

    def write(self) -> None:
        """Store the plan: call inside the transaction that holds the workspace's lock."""
        self.check_storable()
        resolver = self.resolver
        Account.objects.bulk_create([a for a in self.accounts.values() if a.pk is None])
        for account in self.accounts.values():
            if account.pk is not None:
                account.save(update_fields=["name", "traits"])
        resolver.flush()
        self.orders.flush(resolver.canonical)
        resolver.save_touched(PROFILE_FIELDS)  # what activity changes is what a merge does
        Consent.objects.bulk_create(
            [_with_contact(c, resolver.canonical(contact)) for c, contact in self.consents]
        )

    def changed_contact_ids(self) -> list[int]:
        """The surviving ids of every contact the plan touched (after ``write``)."""
        return sorted({self.canonical(contact).pk for contact in self.contacts})

    def merges(self) -> list[tuple[int, int]]:
        """``(merged-away id, survivor id)`` of the merges the plan wrote."""
        return [
            (loser.pk, self.canonical(winner).pk) for winner, loser in self.resolver.saved_merges
        ]


def _fields(consent: ConsentInput) -> dict:
    return {name: getattr(consent, name) for name in ConsentInput.__slots__}


def _account_rows(accounts) -> dict[int, tuple]:
    return {a.pk: (a.name, a.traits) for a in accounts}


def _with_contact(row, contact):
    row.contact = contact
    return row


def apply_identify(contact: Contact, activity: Activity, orders: OrderWriter) -> None:
    """Copy identify traits onto the contact; an email makes a subscriber a lead."""
    extra = {}
    for key, value in (activity.traits or {}).items():
        column = PROFILE_TRAITS.get(key)
        if column and isinstance(value, str):
            setattr(contact, column, value.strip()[: TRAIT_LENGTHS[column]])
        elif key == "location":
            location = orders.location(str(value))
            if location is not None:
                contact.location = location
        else:
            extra[key] = value
    contact.traits = {**contact.traits, **extra}
    if contact.email:
        contact.email = contact.email.lower()[: TRAIT_LENGTHS["email"]]
        if contact.lead_at is None or activity.timestamp < contact.lead_at:
            contact.lead_at = activity.timestamp
        if contact.lifecycle_stage in ("", LifecycleStage.SUBSCRIBER):
            contact.lifecycle_stage = LifecycleStage.LEAD
    elif not contact.lifecycle_stage:
        contact.lifecycle_stage = LifecycleStage.SUBSCRIBER


def touch_contact(contact: Contact, activity: Activity) -> None:
    """Seen times and, for the first touch with a channel, the acquisition fields."""
    ts = activity.timestamp
    if activity.channel and (
        not contact.acquisition_channel
        or contact.first_seen_at is None
        or ts < contact.first_seen_at
    ):
        contact.acquisition_channel = activity.channel
        contact.acquisition_source = activity.source[:200]
        contact.acquisition_medium = activity.medium[:100]
        contact.acquisition_campaign = activity.campaign[:200]
    if contact.first_seen_at is None or ts < contact.first_seen_at:
        contact.first_seen_at = ts
    if contact.last_seen_at is None or ts > contact.last_seen_at:
        contact.last_seen_at = ts
