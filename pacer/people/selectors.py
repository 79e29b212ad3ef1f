"""Reads for contacts and their history."""

from django.db.models import Q, QuerySet

from pacer.core.models import Workspace
from pacer.people.models import Consent, Contact, Location


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
