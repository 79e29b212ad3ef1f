"""Lead activity on a contact's timeline (``pacer.core.timeline``): each stage move
(capture included), each call, email, SMS, meeting or note logged on its leads, and each
message the leads domain sent the person (the auto-reply, a reply from the lead page);
and the newest entries of every domain's sources, for the lead page."""

from django.urls import reverse

from pacer.core.domains import loaded
from pacer.core.timeline import Entry, Wording, query_source
from pacer.leads.models import Activity, Notice, StageChange
from pacer.web import formats


def _stage_changes(workspace_id: int, contact_id: int):
    return StageChange.objects.filter(
        workspace_id=workspace_id, lead__contact_id=contact_id
    ).select_related("actor")


def _stage_change(row: StageChange, contact_id: int) -> Wording:
    return Wording(
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


def _activities(workspace_id: int, contact_id: int):
    return Activity.objects.filter(
        workspace_id=workspace_id, lead__contact_id=contact_id
    ).select_related("actor")


def _activity(row: Activity, contact_id: int) -> Wording:
    return Wording(
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


def _messages(workspace_id: int, contact_id: int):
    """The emails and texts sent to the person about their leads (not staff notices)."""
    return Notice.objects.filter(
        workspace_id=workspace_id,
        lead__contact_id=contact_id,
        to_user__isnull=True,
        sent_at__isnull=False,
    ).exclude(to_email="", to_phone="")


def _message(row: Notice, contact_id: int) -> Wording:
    return Wording(
        title=f"{'Text' if row.to_phone and not row.to_email else 'Email'} sent: {row.subject}",
        detail=" · ".join(
            (
                "auto-reply" if row.key == "auto-reply" else "from the lead page",
                f"to {row.to_email or row.to_phone}",
            )
        ),
        href=reverse("lead-detail", args=[row.lead_id]),
    )


STAGES = query_source("lead", "Lead stages", _stage_changes, "at", _stage_change)
ACTIVITIES = query_source("lead-activity", "Lead follow-up", _activities, "at", _activity)
MESSAGES = query_source("lead-message", "Lead messages", _messages, "sent_at", _message)


def latest(workspace_id: int, contact_id: int, limit: int) -> list[tuple[str, Entry]]:
    """The contact's newest ``limit`` timeline entries of every domain (events, orders,
    consents, merges, lead stages, follow-up and messages), newest first, each with its
    source's label."""
    found: list[tuple[str, Entry]] = []
    for source in loaded("timeline_sources"):
        found += [(source.label, e) for e in source.entries(workspace_id, contact_id, limit=limit)]
    found.sort(key=lambda pair: (pair[1].at, pair[1].kind, pair[1].id), reverse=True)
    return found[:limit]
