"""Exports and erasures of a person (GDPR articles 15, 17 and 20; CCPA's rights to know
and to delete).

An export gathers everything both stores hold about the person into one JSON-ready
document. An erasure, holding the warehouse's sync lock throughout so no sync copies
the person back meanwhile:

1. in one transaction: deletes their rows from the operational database, redacts the
   audit entries about them, records a suppression of every identifier they had (as
   keyed hashes), logs the request and audits it (no identifier in clear);
2. deletes their rows from every Delta table, rebuilds what is derived from the
   warehouse, and removes older files and log entries (``pacer.privacy.lake``).

If step 2 fails or the process dies, the request stays ``warehouse_pending`` with the
contact ids still to erase, and the worker's ``privacy-finish`` loop completes it.
"""

import json
import logging
from collections.abc import Mapping

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from pacer.core import audit, faults, feed
from pacer.core.models import Workspace
from pacer.privacy import lake
from pacer.privacy.holdings import Person, erase_rows, find_person, rows
from pacer.privacy.identifiers import digest, digests, key_id, parse
from pacer.privacy.models import PrivacyRequest, RequestKind, RequestStatus, Suppression
from pacer.warehouse.store import Store
from pacer.warehouse.sync import default_store, refresh_derived

EXPORT_FORMAT = "pacer.person-export.v1"
LOCK_WAIT_SECONDS = 60.0
logger = logging.getLogger(__name__)

WarehouseBusy = lake.WarehouseBusy


def _actor_label(actor) -> str:
    return actor.get_username() if getattr(actor, "is_authenticated", False) else "system"


def _request(workspace: Workspace, kind: str, status: str, keys, actor, **fields):
    now = timezone.now()
    return PrivacyRequest.objects.create(
        workspace=workspace,
        kind=kind,
        status=status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=_actor_label(actor),
        digests=digests(keys),
        requested_at=now,
        finished_at=now if status == RequestStatus.DONE else None,
        **fields,
    )


def export_person(
    workspace: Workspace, identifiers: Mapping, *, actor=None, store: Store | None = None
) -> dict:
    """Everything Pacer holds about the person named by ``identifiers`` (``{"email": ...,
    "phone": ..., "user_id": ..., "anonymous_id": ...}``, at least one), as a dict ready
    for ``as_json``. Raises ``ValidationFailed`` for bad identifiers, writing nothing."""
    keys = parse(identifiers)
    person = find_person(workspace, keys)
    operational = {name: list(queryset.values()) for name, queryset in rows(person).items()}
    warehouse = lake.read_person(store or default_store(), list(person.contact_ids))
    counts = {name: len(found) for name, found in operational.items()}
    counts |= {f"warehouse.{name}": len(found) for name, found in warehouse.items()}
    with transaction.atomic():
        request = _request(
            workspace, RequestKind.EXPORT, RequestStatus.DONE, keys, actor, counts=counts
        )
        audit.record(workspace, "person.export", request, actor=actor, after={"counts": counts})
    return {
        "format": EXPORT_FORMAT,
        "workspace": workspace.slug,
        "generated_at": request.requested_at,
        "request_id": request.pk,
        "identifiers": [{"kind": kind, "value": value} for kind, value in sorted(person.keys)],
        "contact_ids": list(person.contact_ids),
        "operational": operational,
        "warehouse": warehouse,
    }


def as_json(document: dict) -> bytes:
    """An export document as indented JSON (dates ISO 8601, amounts as strings)."""
    return json.dumps(document, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False).encode()


def erase_person(
    workspace: Workspace,
    identifiers: Mapping,
    *,
    actor=None,
    store: Store | None = None,
    wait_seconds: float = LOCK_WAIT_SECONDS,
) -> PrivacyRequest:
    """Erase the person named by ``identifiers`` from both stores and suppress their
    identifiers; returns the logged request (``status`` is ``done``, or
    ``warehouse_pending`` if the warehouse step failed and will be retried).

    Raises ``ValidationFailed`` for bad identifiers and ``WarehouseBusy`` when a sync
    holds the warehouse longer than ``wait_seconds``; either way nothing is changed.
    Erasing someone already erased finds nothing and changes nothing but the log.
    """
    keys = parse(identifiers)
    store = store or default_store()
    with lake.sync_lock(store, wait_seconds):
        with transaction.atomic():
            # the lock event processing and imports write a workspace's contacts under
            Workspace.objects.select_for_update().get(pk=workspace.pk)
            person = find_person(workspace, keys)
            counts = erase_rows(person)
            request = _request(
                workspace,
                RequestKind.ERASE,
                RequestStatus.WAREHOUSE_PENDING,
                keys,
                actor,
                counts=counts,
                pending_contact_ids=list(person.contact_ids),
            )
            suppressed = _suppress(person, request)
            feed.publish(workspace.pk, source="privacy.erase", contact_ids=person.contact_ids)
            audit.record(
                workspace,
                "person.erase",
                request,
                actor=actor,
                after={"counts": counts, "suppressed_identifiers": suppressed},
            )
        faults.point("privacy.erase.warehouse")
        try:
            _erase_from_warehouse(store, request)
        except Exception:
            logger.exception("privacy request %s: warehouse erasure failed; will retry", request.pk)
    return request


def _suppress(person: Person, request: PrivacyRequest) -> int:
    """Record every identifier of the person as suppressed; returns how many were new."""
    hashed = {digest(kind, value): kind for kind, value in person.keys}
    known = set(
        Suppression.objects.filter(workspace=person.workspace, digest__in=list(hashed)).values_list(
            "digest", flat=True
        )
    )
    current_key, now = key_id(), timezone.now()
    new = [
        Suppression(
            workspace=person.workspace,
            kind=kind,
            digest=value,
            key_id=current_key,
            request=request,
            created_at=now,
        )
        for value, kind in sorted(hashed.items())
        if value not in known
    ]
    Suppression.objects.bulk_create(new)
    return len(new)


def _erase_from_warehouse(store: Store, request: PrivacyRequest, *, retry: bool = False) -> None:
    """Step 2 of an erasure; call holding the sync lock. Safe to repeat: a ``retry`` always
    rebuilds the derived tables, since the attempt that failed may have deleted the
    person's rows and died before the rebuild (the retry then deletes nothing)."""
    deleted = lake.delete_person(store, request.pending_contact_ids)
    faults.point("privacy.erase.derived")
    if retry or any(deleted.values()):
        refresh_derived(store)
    for name in lake.tables(store):
        lake.forget_history(store, name)
    counts = dict(request.counts)
    for name, count in deleted.items():
        counts[f"warehouse.{name}"] = counts.get(f"warehouse.{name}", 0) + count
    request.counts, request.pending_contact_ids = counts, []
    request.status, request.finished_at = RequestStatus.DONE, timezone.now()
    request.save(update_fields=["counts", "pending_contact_ids", "status", "finished_at"])


def finish_erasures(store: Store | None = None) -> int:
    """Complete the warehouse step of erasures that did not finish (the worker's
    ``privacy-finish`` loop); returns how many it completed. Skips a turn while a sync
    holds the lock."""
    pending = PrivacyRequest.objects.filter(status=RequestStatus.WAREHOUSE_PENDING)
    if not pending.exists():
        return 0
    store = store or default_store()
    with store.lock() as acquired:
        if not acquired:
            return 0
        requests = list(pending.order_by("id"))  # read again: an erasure may have finished
        for request in requests:
            _erase_from_warehouse(store, request, retry=True)
    return len(requests)
