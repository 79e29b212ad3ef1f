"""Lead activity on a contact's timeline (``pacer.core.timeline``): each stage move
(capture included) and each call, email, SMS, meeting or note logged on its leads."""

from django.urls import reverse

from pacer.core.timeline import Bound, Entry, TimelineSource, keyset
from pacer.leads.models import Activity, StageChange
from pacer.web import formats


def stage_entries(
    workspace_id: int,
    contact_id: int,
    *,
    older_than: Bound | None = None,
    newer_than: Bound | None = None,
    limit: int,
) -> list[Entry]:
    rows = StageChange.objects.filter(
        workspace_id=workspace_id, lead__contact_id=contact_id
    ).select_related("actor")
    rows = keyset(rows, "at", older_than=older_than, newer_than=newer_than, limit=limit)
    return [
        Entry(
            at=row.at,
            kind="lead",
            id=row.pk,
            title="New lead" if not row.from_stage else f"Lead moved to {row.to_stage}",
            detail=" · ".join(
                part
                for part in (
                    f"from {row.from_stage}" if row.from_stage else "",
                    f"by {formats.person(row.actor)}" if row.actor else f"by {row.by}",
                    row.reason,
                )
                if part
            ),
            href=reverse("lead-detail", args=[row.lead_id]),
        )
        for row in rows
    ]


def activity_entries(
    workspace_id: int,
    contact_id: int,
    *,
    older_than: Bound | None = None,
    newer_than: Bound | None = None,
    limit: int,
) -> list[Entry]:
    rows = Activity.objects.filter(
        workspace_id=workspace_id, lead__contact_id=contact_id
    ).select_related("actor")
    rows = keyset(rows, "at", older_than=older_than, newer_than=newer_than, limit=limit)
    return [
        Entry(
            at=row.at,
            kind="lead-activity",
            id=row.pk,
            title=f"{row.get_kind_display()} logged",
            detail=" · ".join(
                part
                for part in (
                    row.outcome,
                    f"next: {row.next_step}" if row.next_step else "",
                    f"by {formats.person(row.actor)}" if row.actor else "",
                )
                if part
            ),
            href=reverse("lead-detail", args=[row.lead_id]),
        )
        for row in rows
    ]


STAGES = TimelineSource("lead", "Lead stages", stage_entries)
ACTIVITIES = TimelineSource("lead-activity", "Lead follow-up", activity_entries)
