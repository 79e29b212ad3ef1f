"""A contact's timeline: every domain's entries (``pacer.core.timeline``), newest first,
paged by keyset; and the entries the people domain adds (orders, consent decisions,
merges)."""

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from pacer.core.domains import loaded
from pacer.core.models import AuditEntry
from pacer.core.timeline import Bound, Entry, TimelineSource, Wording, query_source
from pacer.people.models import Consent, Contact, Order
from pacer.web.formats import format_value

MERGE_ACTION = "contact.merge"  # the audit entry pacer.people.resolution writes
LAST_ID = 2**62  # above every id: a bound that keeps all rows at its time


@dataclass(frozen=True)
class Position:
    """Where a page starts or ends in the timeline's order ``(at, kind, id)``."""

    at: datetime
    kind: str
    id: int

    def token(self) -> str:
        data = json.dumps([self.at.isoformat(), self.kind, self.id], separators=(",", ":"))
        return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")

    @classmethod
    def read(cls, token: str) -> "Position | None":
        """The position in a URL token, or None for anything else (the newest page)."""
        if not token or len(token) > 300:
            return None
        try:
            at, kind, id_ = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            if not isinstance(kind, str) or not isinstance(id_, int) or isinstance(id_, bool):
                return None
            when = datetime.fromisoformat(at)
        except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
            return None
        return cls(when, kind, id_) if when.tzinfo is not None else None

    @classmethod
    def of(cls, entry: Entry) -> "Position":
        return cls(entry.at, entry.kind, entry.id)

    def bound(self, kind: str) -> Bound:
        """This position as a bound in the ``(at, id)`` order of a source of ``kind``:
        kinds sorting before this one come after it at the same time, and so on."""
        if kind == self.kind:
            return (self.at, self.id)
        return (self.at, LAST_ID if kind < self.kind else 0)


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    older: Position | None  # where the next older page starts (None: this is the last)
    newer: Position | None  # where the previous newer page ends (None: this is the newest)

    @property
    def signature(self) -> str:
        """A short digest of what the page shows (the newest page is polled with it)."""
        keys = ",".join(f"{e.kind}:{e.id}:{e.at.isoformat()}" for e in self.entries)
        return hashlib.sha256(keys.encode()).hexdigest()[:16]


def sources() -> list[TimelineSource]:
    """Every domain's timeline sources, in domain order."""
    return loaded("timeline_sources")


def timeline(
    workspace_id: int,
    contact_id: int,
    *,
    kind: str = "",
    before: Position | None = None,
    after: Position | None = None,
    per_page: int = 25,
) -> TimelinePage:
    """A page of the contact's timeline: the newest, or the one just ``before`` (older
    than) or just ``after`` (newer than) a position; ``kind`` keeps one source's."""
    chosen = [s for s in sources() if not kind or s.kind == kind]

    def gather(position: Position | None, older: bool) -> list[Entry]:
        found: list[Entry] = []
        for source in chosen:
            bound = position.bound(source.kind) if position else None
            found += source.entries(
                workspace_id,
                contact_id,
                older_than=bound if older else None,
                newer_than=None if older else bound,
                limit=per_page + 1,
            )
        found.sort(key=lambda e: (e.at, e.kind, e.id), reverse=older)
        return found

    if after is not None and before is None:
        found = gather(after, older=False)
        if len(found) > per_page:
            entries = found[:per_page][::-1]
            return TimelinePage(entries, Position.of(entries[-1]), Position.of(entries[0]))
        # back at the newest: show the newest page as it is now
    found = gather(before, older=True)
    entries = found[:per_page]
    older = Position.of(entries[-1]) if len(found) > per_page else None
    newer = Position.of(entries[0]) if before is not None and entries else None
    if before is not None and not entries:
        newer = before
    return TimelinePage(entries, older, newer)


# -- what the people domain adds -----------------------------------------------------------
def _orders(workspace_id: int, contact_id: int):
    return Order.objects.filter(workspace_id=workspace_id, contact_id=contact_id).select_related(
        "location"
    )


def _order(order: Order, contact_id: int) -> Wording:
    money = format_value(order.total, "money", currency=order.currency)
    detail = [order.location.name] if order.location else []
    if order.discount:
        detail.append(f"discount {format_value(order.discount, 'money', currency=order.currency)}")
    return Wording(title=f"Order {order.external_id}: {money}", detail=" · ".join(detail))


def consent_text(consent: Consent) -> str:
    """ "Email marketing: given" and the like."""
    decision = "given" if consent.granted else "withdrawn"
    return f"{consent.channel.replace('_', ' ').capitalize()} {consent.purpose}: {decision}"


def _consents(workspace_id: int, contact_id: int):
    return Consent.objects.filter(workspace_id=workspace_id, contact_id=contact_id)


def _consent(consent: Consent, contact_id: int) -> Wording:
    detail = [f"source {consent.source}"] if consent.source else []
    if consent.wording:
        detail.append(f"“{consent.wording[:160]}”")
    return Wording(title=f"Consent — {consent_text(consent)}", detail=" · ".join(detail))


def merged_ids(workspace_id: int, contact_id: int) -> list[int]:
    """The contacts merged into this one, directly or through another (a merge
    re-points the merged-away ``merged_into`` at the survivor)."""
    return list(
        Contact.objects.filter(workspace_id=workspace_id, merged_into_id=contact_id)
        .order_by("id")
        .values_list("id", flat=True)
    )


def merge_audit(workspace_id: int, contact_id: int):
    """The audit entries of merges into this contact or into one later merged into it."""
    targets = [str(i) for i in [contact_id, *merged_ids(workspace_id, contact_id)]]
    return AuditEntry.objects.filter(
        workspace_id=workspace_id,
        object_type="Contact",
        object_id__in=targets,
        action=MERGE_ACTION,
    )


def _merge(row: AuditEntry, contact_id: int) -> Wording:
    merged = (row.before or {}).get("merged_contact")
    into = "this contact" if row.object_id == str(contact_id) else f"#{row.object_id}"
    return Wording(
        title=f"Contact #{merged} merged into {into}", detail=f"by {row.actor_label or 'system'}"
    )


ORDERS = query_source("order", "Orders", _orders, "placed_at", _order)
CONSENTS = query_source("consent", "Consent changes", _consents, "recorded_at", _consent)
MERGES = query_source("merge", "Merges", merge_audit, "at", _merge)
