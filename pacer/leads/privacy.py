"""A person's rows held through their leads, for the privacy export and erasure: the
stage history, what staff logged, the notices sent about them (their auto-reply and
replies, staff reminders naming the lead), the follow-up tasks and the timers."""

from django.db.models import QuerySet

from pacer.core.models import Workspace
from pacer.leads.models import Activity, FollowUpTask, Notice, StageChange, Timer


def person_rows(workspace: Workspace, contact_ids) -> dict[str, QuerySet]:
    """``{"app.model": rows}`` of the leads of these contacts (the leads themselves are
    found by their contact foreign key)."""
    return {
        model._meta.label_lower: model.objects.filter(
            workspace=workspace, lead__contact_id__in=list(contact_ids)
        ).order_by("pk")
        for model in (StageChange, Activity, Notice, FollowUpTask, Timer)
    }
