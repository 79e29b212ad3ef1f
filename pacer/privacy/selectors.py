"""Reads for privacy: whether identifiers are suppressed (for ingestion), what a request
would find, and the request log."""

from collections.abc import Iterable
from dataclasses import dataclass

from pacer.core.models import Workspace
from pacer.people.kinds import IdentityKind
from pacer.people.resolution import normalise
from pacer.privacy import lake
from pacer.privacy.holdings import CONTACTS, Person, find_person, rows
from pacer.privacy.identifiers import Key, digest, key_id, parse
from pacer.privacy.models import PrivacyRequest, Suppression
from pacer.warehouse.store import Store

PER_QUERY = 5000  # digests per IN (...) list
# suppressions read whole and matched in memory (a workspace with more is asked by IN)
HELD_IN_MEMORY = 1000


def suppressed(workspace: Workspace, identifiers: Iterable[Key]) -> set[Key]:
    """Which of ``identifiers`` (``(kind, value)`` pairs as messages carry them; kinds
    ``email``, ``phone``, ``user_id``, ``anonymous_id``) belong to an erased person.

    No query when nothing is asked (no identifier with a value). Otherwise one query, on
    the unique (workspace, digest) index, reads the workspace's suppressions up to
    ``HELD_IN_MEMORY``; when it has none (it erased nobody) ``identifiers`` is read no
    further than its first value and nothing is hashed, and when it has few they are
    matched in memory. A workspace with more is asked again for up to 5,000 identifiers
    a query."""
    identifiers = iter(identifiers)
    first = next(((kind, value) for kind, value in identifiers if value), None)
    if first is None:
        return set()
    held = list(
        Suppression.objects.filter(workspace=workspace).values_list("digest", flat=True)[
            : HELD_IN_MEMORY + 1
        ]
    )
    if not held:
        return set()
    asked = [first, *((kind, value) for kind, value in identifiers if value)]
    by_digest: dict[str, list[Key]] = {}
    for kind, value in asked:
        by_digest.setdefault(digest(kind, normalise(kind, value)), []).append((kind, value))
    if len(held) <= HELD_IN_MEMORY:
        return {key for hit in held for key in by_digest.get(hit, ())}
    found: set[Key] = set()
    wanted = list(by_digest)
    for start in range(0, len(wanted), PER_QUERY):
        hits = Suppression.objects.filter(
            workspace=workspace, digest__in=wanted[start : start + PER_QUERY]
        ).values_list("digest", flat=True)
        for hit in hits:
            found.update(by_digest[hit])
    return found


def is_suppressed(workspace: Workspace, identifiers: Iterable[Key]) -> bool:
    """Whether any of ``identifiers`` belongs to an erased person (see ``suppressed``)."""
    return bool(suppressed(workspace, identifiers))


def message_identifiers(message) -> list[Key]:
    """The identifiers a Segment message carries, as identity resolution reads them: its
    user id and anonymous id, an identify call's ``email`` and ``phone`` traits, and an
    alias call's previous id (a user id or an anonymous id)."""
    keys = []
    if message.user_id:
        keys.append((IdentityKind.USER_ID.value, message.user_id))
    if message.anonymous_id:
        keys.append((IdentityKind.ANONYMOUS_ID.value, message.anonymous_id))
    if message.type == "identify":
        for kind in (IdentityKind.EMAIL.value, IdentityKind.PHONE.value):
            value = (message.traits or {}).get(kind)
            if isinstance(value, str) and value.strip():
                keys.append((kind, value))
    if message.type == "alias" and message.previous_id:
        keys.append((IdentityKind.USER_ID.value, message.previous_id))
        keys.append((IdentityKind.ANONYMOUS_ID.value, message.previous_id))
    return keys


def suppressed_messages(workspace: Workspace, messages: list) -> set[int]:
    """The positions in ``messages`` (validated ``pacer.ingest.spec.Message`` objects) of
    those carrying a suppressed identifier: one query for the whole batch."""
    keys = [message_identifiers(message) for message in messages]
    hits = suppressed(workspace, (key for found in keys for key in found))
    if not hits:
        return set()
    return {position for position, found in enumerate(keys) if hits.intersection(found)}


@dataclass(frozen=True)
class Preview:
    """What an export or erasure of a person would cover."""

    person: Person
    contacts: list  # the person's contacts, merged-away ones included
    counts: dict[str, int]  # rows per model, and per warehouse table


def preview(workspace: Workspace, identifiers, store: Store) -> Preview:
    """Find the person named by ``identifiers`` and count their rows in both stores.
    Raises ``ValidationFailed`` for bad identifiers."""
    person = find_person(workspace, parse(identifiers))
    found = rows(person)
    counts = {name: queryset.count() for name, queryset in found.items()}
    warehouse = lake.read_person(store, list(person.contact_ids))
    counts |= {f"warehouse.{name}": len(table) for name, table in warehouse.items()}
    return Preview(person, list(found[CONTACTS]), counts)


def requests(workspace: Workspace, *, limit: int = 50) -> list[PrivacyRequest]:
    """The workspace's latest privacy requests, newest first."""
    return list(PrivacyRequest.objects.filter(workspace=workspace).select_related("actor")[:limit])


def suppressions_under_other_keys() -> int:
    """Suppressions hashed with a key other than the current ``PRIVACY_HASH_KEY``: they
    no longer match anything (an operator changed the key)."""
    return Suppression.objects.exclude(key_id=key_id()).count()
