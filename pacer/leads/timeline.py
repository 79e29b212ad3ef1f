"""Lead activity on a contact's timeline (``pacer.core.timeline``): each stage move
(capture included), each call, email, SMS, meeting or note logged on its leads, and each
message the leads domain sent the person (the auto-reply, a reply from the lead page);
and the newest entries of every domain's sources, for the lead page."""

from django.urls import reverse

from pacer.core.domains import loaded
from pacer.core.timeline import Bound, Entry, TimelineSource, keyset
from pacer.leads.models import Activity, Notice, StageChange
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


def message_entries(
    workspace_id: int,
    contact_id: int,
    *,
    older_than: Bound | None = None,
    newer_than: Bound | None = None,
    limit: int,
) -> list[Entry]:
    """The emails and texts sent to the person about their leads (not staff notices)."""
    rows = Notice.objects.filter(
        workspace_id=workspace_id,
        lead__contact_id=contact_id,
        to_user__isnull=True,
        sent_at__isnull=False,
    ).exclude(to_email="", to_phone="")
    rows = keyset(rows, "sent_at", older_than=older_than, newer_than=newer_than, limit=limit)
    return [
        Entry(
            at=row.sent_at,
            kind="lead-message",
            id=row.pk,
            title=f"{'Text' if row.to_phone and not row.to_email else 'Email'} sent: {row.subject}",
            detail=" · ".join(
                (
                    "auto-reply" if row.key == "auto-reply" else "from the lead page",
                    f"to {row.to_email or row.to_phone}",
                )
            ),
            href=reverse("lead-detail", args=[row.lead_id]),
        )
        for row in rows
    ]


STAGES = TimelineSource("lead", "Lead stages", stage_entries)
ACTIVITIES = TimelineSource("lead-activity", "Lead follow-up", activity_entries)
MESSAGES = TimelineSource("lead-message", "Lead messages", message_entries)


def latest(workspace_id: int, contact_id: int, limit: int) -> list[tuple[str, Entry]]:
    """The contact's newest ``limit`` timeline entries of every domain (events, orders,
    consents, merges, lead stages, follow-up and messages), newest first, each with its
    source's label."""
    found: list[tuple[str, Entry]] = []
    for source in loaded("timeline_sources"):
        found += [(source.label, e) for e in source.entries(workspace_id, contact_id, limit=limit)]
    found.sort(key=lambda pair: (pair[1].at, pair[1].kind, pair[1].id), reverse=True)
    return found[:limit]
