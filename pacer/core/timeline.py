"""A contact's timeline, assembled from every domain that has something to say.

A domain lists ``TimelineSource`` objects (by dotted path) in its
``DomainConfig.timeline_sources``: ingestion its events, people its orders, consent
decisions and merges, and later messaging its messages and leads their activity. The
contact page (``pacer.people.timeline``) asks each source for the entries next to a
bound, merges them newest first and pages by keyset, so a page costs the same at any
depth and a source never knows about the others.

A source's ``entries(workspace_id, contact_id, older_than=..., newer_than=..., limit=...)``
returns at most ``limit`` ``Entry`` objects of the surviving contact ``contact_id`` (rows
follow a merge to the survivor, see ``contact_rows``): with ``older_than=(at, id)`` those
just before it in ``(at, id)`` order, newest first; with ``newer_than=(at, id)`` those
just after it, oldest first; with neither, the newest. ``keyset`` does this for a
QuerySet, and ``query_source`` makes a whole source of a query and a way to word a row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

Bound = tuple[datetime, int]  # (when, id): a position in one source's order


@dataclass(frozen=True)
class Entry:
    """One thing that happened to a contact. ``id`` is unique within its ``kind``."""

    at: datetime
    kind: str
    id: int
    title: str
    detail: str = ""
    href: str | None = None


@dataclass(frozen=True)
class TimelineSource:
    """Entries of one ``kind`` (also the filter's value), ``label`` naming them
    ("Events"); ``entries`` as the module docstring says."""

    kind: str
    label: str
    entries: Callable[..., list[Entry]]


def keyset(
    rows: QuerySet,
    time_field: str,
    *,
    older_than: Bound | None = None,
    newer_than: Bound | None = None,
    limit: int,
) -> QuerySet:
    """``rows`` next to the bound in ``(time_field, pk)`` order (see the module
    docstring), at most ``limit``."""
    if older_than is not None:
        at, pk = older_than
        rows = rows.filter(Q(**{f"{time_field}__lt": at}) | Q(**{time_field: at, "pk__lt": pk}))
    elif newer_than is not None:
        at, pk = newer_than
        rows = rows.filter(Q(**{f"{time_field}__gt": at}) | Q(**{time_field: at, "pk__gt": pk}))
    if newer_than is not None and older_than is None:
        return rows.order_by(time_field, "pk")[:limit]
    return rows.order_by(f"-{time_field}", "-pk")[:limit]


@dataclass(frozen=True)
class Wording:
    """What an entry says about its row (``Entry`` less its time, kind and id)."""

    title: str
    detail: str = ""
    href: str | None = None


def query_source(
    kind: str,
    label: str,
    rows: Callable[[int, int], QuerySet],
    time_field: str,
    word: Callable[[Any, int], Wording],
) -> TimelineSource:
    """A source whose entries are rows of one query: ``rows(workspace_id, contact_id)``
    the contact's rows, read by ``keyset`` on ``time_field``, each worded by
    ``word(row, contact_id)``."""

    def entries(
        workspace_id: int,
        contact_id: int,
        *,
        older_than: Bound | None = None,
        newer_than: Bound | None = None,
        limit: int,
    ) -> list[Entry]:
        found = keyset(
            rows(workspace_id, contact_id),
            time_field,
            older_than=older_than,
            newer_than=newer_than,
            limit=limit,
        )
        return [
            Entry(at=getattr(row, time_field), kind=kind, id=row.pk, **vars(word(row, contact_id)))
            for row in found
        ]

    return TimelineSource(kind, label, entries)
