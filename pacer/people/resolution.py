"""Identity resolution for a batch of messages, in memory, written in bulk.

Rules: an identifier belongs to exactly one contact. A message whose identifiers point at
several contacts merges them into the oldest (created first, in this batch or before),
except that two contacts holding different user ids are never merged (the message goes
to the contact of its user id). A merged contact keeps its row with ``merged_into`` set;
its identities, events, orders and consents move to the survivor, which keeps the
earliest times, the furthest lifecycle stage and the sum of orders and revenue of both.
"""

from decimal import Decimal

from django.utils import timezone

from pacer.core import audit
from pacer.core.bulk import LoadedRows, NewInstances, fetch_in, insert_returning_ids, insert_rows
from pacer.core.domains import loaded
from pacer.core.models import Workspace
from pacer.people.models import Contact, Identity, IdentityKind

# Lifecycle stages from the furthest along; a merged contact keeps the furthest of its two.
STAGE_ORDER = ("evangelist", "customer", "opportunity", "sql", "mql", "lead", "subscriber", "other")
MIN_PHONE_DIGITS = 6
# Above this many identifiers of one kind, the resolver first asks whether the workspace
# holds that kind at all (one indexed EXISTS) before looking each of them up.
PROBE_FIRST_ABOVE = 5000
# A contact's profile and computed traits: what ``combine_traits`` changes on the
# survivor of a merge (written with the merge) and what activity changes
# (``pacer.people.profiles``).
PROFILE_FIELDS = [
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


def normalise(kind: str, value: str) -> str:
    """The identifier as stored: emails lower-cased, phone numbers as their digits with
    a leading ``+`` if written (so ``+1 (555) 010-0199`` meets ``+1.555.010.0199`` but
    not ``555 010 0199``); "" (no identifier) for an email without a local part and a
    domain, or a phone with too few digits to be a number."""
    value = value.strip()
    if kind == IdentityKind.EMAIL:
        local, at, domain = value.rpartition("@")
        return value.lower() if local and at and domain else ""
    if kind == IdentityKind.PHONE:
        return normalise_phone(value)
    return value


def normalise_phone(value: str) -> str:
    """A phone number as ``normalise`` stores it."""
    value = value.strip()
    plus = value.startswith("+")
    written = value[1:] if plus else value
    digits = written if written.isdigit() else "".join(filter(str.isdigit, written))
    if len(digits) < MIN_PHONE_DIGITS:
        return ""
    return "+" + digits if plus else digits


class BatchResolver:
    """Resolves identifiers to contacts for one batch; ``flush`` writes the result."""

    def __init__(self, workspace: Workspace, keys: set[tuple[str, str]]):
        self.workspace = workspace
        self.owner: dict[tuple[str, str], Contact] = {}
        self.user_ids: dict[int, set[str]] = {}
        self.alias_of: dict[int, Contact] = {}
        self.new_contacts: list[Contact] = []
        self.created_order: dict[int, int] = {}  # id(new contact) -> when this batch made it
        self.new_identities: list[tuple[str, str, Contact]] = []
        self.saved_merges: list[tuple[Contact, Contact]] = []
        self.touched: dict[int, Contact] = {}
        self._new_contact = NewInstances(Contact)
        by_kind: dict[str, set[str]] = {}
        for kind, value in keys:
            by_kind.setdefault(kind, set()).add(value)
        self._by_kind = by_kind
        self._identities = rows = self._read_identities()
        self.loaded = LoadedRows(Contact, {cid for _, _, cid in rows})
        contacts = self.loaded.objects
        for kind, value, contact_id in rows:
            self.owner[(kind, value)] = contacts[contact_id]
        self._user_ids = self._read_user_ids()
        for contact_id, value in self._user_ids:
            self.user_ids.setdefault(id(contacts[contact_id]), set()).add(value)

    def _read_identities(self) -> list[tuple]:
        # one (workspace, kind, value IN ...) lookup per kind, so the unique index serves it
        rows = []
        for kind, values in self._by_kind.items():
            if len(values) > PROBE_FIRST_ABOVE and not self._holds_any(kind):
                continue  # e.g. a first import: thousands of lookups would find nothing
            rows += fetch_in(
                Identity,
                ["kind", "value", "contact"],
                {"workspace": self.workspace.pk, "kind": kind},
                "value",
                values,
            )
        return sorted(rows)

    def _holds_any(self, kind: str) -> bool:
        """Whether the workspace holds an identity of ``kind`` (the unique index's prefix)."""
        return Identity.objects.filter(workspace=self.workspace, kind=kind).exists()

    def _read_user_ids(self) -> list[tuple]:
        # by contact id alone (they are this workspace's), so the contact index serves it
        rows = fetch_in(
            Identity,
            ["contact", "value"],
            {"kind": IdentityKind.USER_ID},
            "contact",
            list(self.loaded.objects),
        )
        return sorted(rows)

    def current(self) -> bool:
        """Whether the identities and contacts read are still as they were: nothing has
        been flushed yet, and nobody else has changed them since."""
        return (
            self._read_identities() == self._identities
            and self._read_user_ids() == self._user_ids
            and self.loaded.unchanged()
        )

    def canonical(self, contact: Contact) -> Contact:
        while id(contact) in self.alias_of:
            contact = self.alias_of[id(contact)]
        return contact

    def lookup(self, kind: str, value: str) -> Contact | None:
        contact = self.owner.get((kind, value))
        return self.canonical(contact) if contact is not None else None

    def resolve(self, keys: list[tuple[str, str]]) -> Contact:
        """The contact for a message's identifiers (strongest first), creating or merging."""
        # the common case: a known visitor whose identifiers all lead to one contact
        owner = self.owner.get(keys[0]) if keys else None
        if owner is not None:
            contact = self.canonical(owner)
            if all(self.lookup(*key) is contact for key in keys[1:]):
                self.touched[id(contact)] = contact
                return contact
        elif not any(key in self.owner for key in keys):
            return self._create(keys)  # nobody holds any of them: a new person
        user_id = next((v for k, v in keys if k == IdentityKind.USER_ID), None)
        owners: list[Contact] = []
        for key in keys:
            contact = self.lookup(*key)
            if contact is None or any(contact is o for o in owners):
                continue
            held = self.user_ids.get(id(contact))
            if user_id is not None and held and held != {user_id}:
                continue  # someone else's device or address: never merge two user ids
            owners.append(contact)
        if not owners:
            target = self._new_contact(workspace=self.workspace)
            self.new_contacts.append(target)
            self.created_order[id(target)] = len(self.created_order)
        else:
            target = owners[0]
            for other in owners[1:]:
                if self._may_merge(target, other):
                    target = self._merge(target, other)
        for kind, value in keys:
            if self.lookup(kind, value) is None:
                self.owner[(kind, value)] = target
                self.new_identities.append((kind, value, target))
                if kind == IdentityKind.USER_ID:
                    self.user_ids.setdefault(id(target), set()).add(value)
        self.touched[id(target)] = target
        return target

    def _create(self, keys: list[tuple[str, str]]) -> Contact:
        """A new contact holding ``keys`` (which nobody holds)."""
        target = self._new_contact(workspace=self.workspace)
        self.new_contacts.append(target)
        self.created_order[id(target)] = len(self.created_order)
        for key in keys:
            if key not in self.owner:
                self.owner[key] = target
                self.new_identities.append((*key, target))
                if key[0] == IdentityKind.USER_ID:
                    self.user_ids.setdefault(id(target), set()).add(key[1])
        self.touched[id(target)] = target
        return target

    def _may_merge(self, a: Contact, b: Contact) -> bool:
        ids_a, ids_b = self.user_ids.get(id(a), set()), self.user_ids.get(id(b), set())
        return not (ids_a and ids_b and ids_a != ids_b)

    def merge(self, a: Contact, b: Contact) -> Contact:
        """Merge two contacts (e.g. for ``alias``) unless they hold different user ids."""
        a, b = self.canonical(a), self.canonical(b)
        if a is b or not self._may_merge(a, b):
            return a
        return self._merge(a, b)

    def _merge(self, a: Contact, b: Contact) -> Contact:
        def age(c: Contact) -> tuple:
            # saved contacts by id, then those this batch created, in the order it did
            return (c.pk is None, c.pk or self.created_order[id(c)])

        winner, loser = sorted((a, b), key=age)
        combine_traits(winner, loser)
        self.alias_of[id(loser)] = winner
        self.user_ids.setdefault(id(winner), set()).update(self.user_ids.get(id(loser), set()))
        self.touched.pop(id(loser), None)
        self.touched[id(winner)] = winner
        if loser.pk is None:
            self.new_contacts = [c for c in self.new_contacts if c is not loser]
        else:
            self.saved_merges.append((winner, loser))
        return winner

    def flush(self) -> None:
        """Write new contacts, identities and merges. Call inside the batch transaction."""
        insert_returning_ids(Contact, self.new_contacts)
        now, aliased = timezone.now(), bool(self.alias_of)
        insert_rows(
            Identity,
            ["workspace", "contact", "kind", "value", "created_at"],
            [
                (self.workspace.pk, (self.canonical(c) if aliased else c).id, k, v, now)
                for k, v, c in self.new_identities
            ],
        )
        survivors = {}
        for winner, loser in self.saved_merges:
            winner = self.canonical(winner)
            survivors[id(winner)] = winner
            move_contact_rows(loser, winner)
            loser.merged_into = winner
            loser.save(update_fields=["merged_into"])
            audit.record(
                self.workspace,
                "contact.merge",
                winner,
                actor_label="ingestion",
                before={"merged_contact": loser.pk},
                after={"survivor": winner.pk},
            )
        # the survivors' combined profiles go with the rows that moved to them, whatever
        # the caller saves of its own changes afterwards
        self.loaded.save(survivors.values(), PROFILE_FIELDS)

    def save_touched(self, fields: list[str]) -> None:
        """Persist the changed ``fields`` of contacts that existed before the batch."""
        self.loaded.save(
            [
                c
                for c in self.touched.values()
                if c.pk in self.loaded.objects and c.merged_into_id is None
            ],
            fields,
        )


def move_contact_rows(loser: Contact, winner: Contact) -> None:
    """Re-point the rows every domain keeps per contact (its ``contact_rows``)."""
    for model in loaded("contact_rows"):
        model.objects.filter(contact=loser).update(contact=winner)
    Contact.objects.filter(merged_into=loser).update(merged_into=winner)


def combine_traits(winner: Contact, loser: Contact) -> None:
    """Fold the loser's profile and computed traits into the winner."""
    for name in ("email", "phone", "first_name", "last_name"):
        if not getattr(winner, name):
            setattr(winner, name, getattr(loser, name))
    winner.traits = {**loser.traits, **winner.traits}
    winner.account_id = winner.account_id or loser.account_id
    winner.location_id = winner.location_id or loser.location_id
    loser_first = loser.acquisition_channel and (
        not winner.acquisition_channel
        or (loser.first_seen_at or winner.first_seen_at)
        < (winner.first_seen_at or loser.first_seen_at)
    )
    if loser_first:
        for name in ("channel", "source", "medium", "campaign"):
            setattr(winner, f"acquisition_{name}", getattr(loser, f"acquisition_{name}"))
    for name, pick in (
        ("first_seen_at", min),
        ("lead_at", min),
        ("customer_at", min),
        ("last_seen_at", max),
        ("last_order_at", max),
    ):
        values = [v for v in (getattr(winner, name), getattr(loser, name)) if v is not None]
        setattr(winner, name, pick(values) if values else None)
    winner.order_count += loser.order_count
    winner.revenue = Decimal(winner.revenue) + Decimal(loser.revenue)
    for stage in STAGE_ORDER:
        if stage in (winner.lifecycle_stage, loser.lifecycle_stage):
            winner.lifecycle_stage = stage
            break
