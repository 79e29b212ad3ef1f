"""Where the operational database holds a person: finding them by an identifier, and
the querysets of their rows that an export reads and an erasure deletes.

Privacy is the one domain that must know every store of personal data, so it reads
other domains' models here (and only here). Rows keyed to a contact are found through
the ``Contact`` model's reverse relations, so a domain that adds a table with a contact
foreign key is exported and erased without an edit here; rows keyed otherwise (order
lines, events by user or anonymous id, exposures by unit id, audit entries) are listed
below, and a domain names those keyed through its own rows in its ``person_rows``.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from pacer.core.domains import loaded
from pacer.core.models import AuditEntry, Workspace
from pacer.experiments.models import Exposure
from pacer.ingest.models import Event
from pacer.people.models import Contact, Identity, IdentityKind, OrderLine
from pacer.people.resolution import normalise
from pacer.privacy.identifiers import Key

AUDITED_AS = "Contact"  # AuditEntry.object_type of entries about a contact
REDACTED = {"redacted": "personal data erased"}


@dataclass(frozen=True)
class Person:
    """Everything that identifies one person in a workspace."""

    workspace: Workspace
    keys: frozenset[Key]  # every identifier of theirs, normalised
    contact_ids: tuple[int, ...]  # their contacts, merged-away ones included

    def values(self, *kinds: str) -> list[str]:
        return sorted({value for kind, value in self.keys if kind in kinds})

    @property
    def unit_ids(self) -> list[str]:
        """The ids experiments and events know them by."""
        return self.values(IdentityKind.USER_ID, IdentityKind.ANONYMOUS_ID)


def find_person(workspace: Workspace, keys: list[Key]) -> Person:
    """The contacts holding any of ``keys`` (with the contacts merged into them or they
    into), and every identifier those contacts hold, repeated until nothing new turns
    up."""
    known: set[Key] = set(keys)
    contact_ids: set[int] = set()
    while True:
        found = _with_merges(workspace, contact_ids | _holders(workspace, known))
        if found == contact_ids:
            return Person(workspace, frozenset(known), tuple(sorted(contact_ids)))
        contact_ids = found
        known |= _identifiers_of(workspace, contact_ids)


def _holders(workspace: Workspace, keys: set[Key]) -> set[int]:
    if not keys:
        return set()
    by_kind = Q()
    for kind in {k for k, _ in keys}:
        by_kind |= Q(kind=kind, value__in=[v for k, v in keys if k == kind])
    ids = set(
        Identity.objects.filter(by_kind, workspace=workspace).values_list("contact_id", flat=True)
    )
    emails = [v for k, v in keys if k == IdentityKind.EMAIL]
    if emails:
        ids |= set(
            Contact.objects.filter(workspace=workspace, email__in=emails).values_list(
                "id", flat=True
            )
        )
    return ids


def _with_merges(workspace: Workspace, ids: set[int]) -> set[int]:
    """``ids`` with the contacts they were merged into and those merged into them."""
    ids = set(ids)
    while True:
        linked = Contact.objects.filter(workspace=workspace).filter(
            Q(merged_into_id__in=ids) | Q(id__in=ids, merged_into__isnull=False)
        )
        more = {i for pair in linked.values_list("id", "merged_into_id") for i in pair} - ids
        if not more:
            return ids
        ids |= more


def _identifiers_of(workspace: Workspace, contact_ids: set[int]) -> set[Key]:
    keys = set(
        Identity.objects.filter(workspace=workspace, contact_id__in=contact_ids).values_list(
            "kind", "value"
        )
    )
    holders = Contact.objects.filter(workspace=workspace, id__in=contact_ids)
    for email, phone in holders.values_list("email", "phone"):
        for kind, raw in ((IdentityKind.EMAIL, email), (IdentityKind.PHONE, phone)):
            value = normalise(kind, raw)
            if value:
                keys.add((str(kind), value))
    return keys


def contact_keyed() -> list[tuple[type, str]]:
    """Every model with a foreign key to ``Contact`` (other than merges), and that key."""
    return [
        (relation.related_model, relation.field.name)
        for relation in Contact._meta.related_objects
        if relation.related_model is not Contact and not relation.many_to_many
    ]


def label(model) -> str:
    return model._meta.label_lower


CONTACTS = label(Contact)  # the key of the person's contacts in ``rows``


def rows(person: Person) -> dict[str, QuerySet]:
    """The person's rows per model (``"app.model"``), in the order an erasure deletes
    them (contacts last); audit entries, which an erasure redacts, come at the end."""
    workspace, ids = person.workspace, person.contact_ids
    found: dict[str, QuerySet] = {}
    # before the orders they belong to, so that an erasure counts them
    found[label(OrderLine)] = OrderLine.objects.filter(
        workspace=workspace, order__contact_id__in=ids
    ).order_by("pk")
    for rows_of in loaded("person_rows"):  # keyed through a domain's own rows
        found |= rows_of(workspace, ids)
    for model, key in contact_keyed():
        where = Q(**{f"{key}__in": ids})
        if model is Event:
            # also their events not resolved to a contact yet; an event resolved to
            # someone else (a shared device's anonymous id) is that person's
            where |= Q(contact__isnull=True) & (
                Q(user_id__in=person.values(IdentityKind.USER_ID))
                | Q(anonymous_id__in=person.values(IdentityKind.ANONYMOUS_ID))
            )
        found[label(model)] = model.objects.filter(where, workspace=workspace).order_by("pk")
    found[label(Exposure)] = Exposure.objects.filter(
        workspace=workspace, unit_id__in=person.unit_ids
    ).order_by("pk")
    found[label(Contact)] = Contact.objects.filter(workspace=workspace, id__in=ids).order_by("pk")
    found[label(AuditEntry)] = audit_entries(person)
    return found


def audit_entries(person: Person) -> QuerySet:
    return AuditEntry.objects.filter(
        workspace=person.workspace,
        object_type=AUDITED_AS,
        object_id__in=[str(i) for i in person.contact_ids],
    ).order_by("pk")


def erase_rows(person: Person) -> dict[str, int]:
    """Delete the person's rows and redact the audit entries about them; call inside a
    transaction. Returns the rows removed (or redacted) per model."""
    counts: dict[str, int] = {}
    querysets = rows(person)
    audit = querysets.pop(label(AuditEntry))
    for name, queryset in querysets.items():
        counts[name] = queryset.count()
        queryset.delete()
    counts[label(AuditEntry)] = audit.update(before=REDACTED, after=REDACTED)
    return counts
