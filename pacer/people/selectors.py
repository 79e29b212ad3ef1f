"""Reads for contacts and their history."""

from datetime import datetime
from decimal import Decimal

from django.db.models import Q, QuerySet

from pacer.core.models import Workspace
from pacer.people.models import Consent, Contact, Identity, IdentityKind, Location, Order

CHUNK = 5000  # ids per IN (...) list, well under the databases' parameter limits


def contacts(workspace: Workspace, *, search: str = "", stage: str = "") -> QuerySet[Contact]:
    """Live (not merged-away) contacts of a workspace, newest first."""
    rows = Contact.objects.filter(workspace=workspace, merged_into__isnull=True)
    if search:
        rows = rows.filter(
            Q(email__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(phone__icontains=search)
        )
    if stage:
        rows = rows.filter(lifecycle_stage=stage)
    return rows.select_related("location").order_by("-id")


def contact(workspace: Workspace, contact_id: int) -> Contact | None:
    """A contact by id; a merged-away id leads to the contact it was merged into."""
    found = Contact.objects.filter(workspace=workspace, pk=contact_id).first()
    while found is not None and found.merged_into_id:
        found = Contact.objects.filter(workspace=workspace, pk=found.merged_into_id).first()
    return found


def current_consent(workspace: Workspace, contact_id: int) -> dict[tuple[str, str], bool]:
    """The latest decision per (channel, purpose)."""
    latest: dict[tuple[str, str], bool] = {}
    for row in Consent.objects.filter(workspace=workspace, contact_id=contact_id).order_by(
        "recorded_at", "id"
    ):
        latest[(row.channel, row.purpose)] = row.granted
    return latest


def locations(workspace: Workspace) -> list[Location]:
    return list(Location.objects.filter(workspace=workspace).order_by("name"))


def contacts_for_units(workspace: Workspace, unit_ids: list[str]) -> dict[str, int]:
    """The live contact id of each unit id that is a known user id or anonymous id
    (a user id wins when a value is both)."""
    found: dict[str, int] = {}
    for start in range(0, len(unit_ids), CHUNK):
        rows = Identity.objects.filter(
            workspace=workspace,
            kind__in=(IdentityKind.USER_ID, IdentityKind.ANONYMOUS_ID),
            value__in=unit_ids[start : start + CHUNK],
        ).values_list("value", "kind", "contact_id", "contact__merged_into_id")
        for value, kind, contact_id, merged_into in rows:
            if value not in found or kind == IdentityKind.USER_ID:
                found[value] = merged_into or contact_id
    return found


def order_totals(
    workspace: Workspace, contact_ids: list[int], since: datetime
) -> list[tuple[int, datetime, Decimal]]:
    """``(contact id, placed at, total)`` of the contacts' orders placed at or after
    ``since``."""
    rows: list[tuple[int, datetime, Decimal]] = []
    for start in range(0, len(contact_ids), CHUNK):
        rows += Order.objects.filter(
            workspace=workspace,
            contact_id__in=contact_ids[start : start + CHUNK],
            placed_at__gte=since,
        ).values_list("contact_id", "placed_at", "total")
    return rows


def locations_by_code(workspace: Workspace, codes: set[str] | list[str]) -> dict[str, Location]:
    """The workspace's locations with these codes, by code (unknown codes are absent)."""
    wanted = sorted({code for code in codes if code})
    found: dict[str, Location] = {}
    for start in range(0, len(wanted), CHUNK):
        for location in Location.objects.filter(
            workspace=workspace, code__in=wanted[start : start + CHUNK]
        ):
            found[location.code] = location
    return found
