"""Leads for the speed-report tests, captured as any lead is and answered, won or
disqualified at chosen minutes after they arrived."""

from datetime import datetime, timedelta

from pacer.core import feed
from pacer.ingest.processing import process_pending
from pacer.leads import actions
from pacer.leads.followup import log_activity
from pacer.leads.models import Lead


def make_leads(workspace, plan: list[tuple], start: datetime) -> list[Lead]:
    """One lead per ``(location code, minutes to the first call or None, converted,
    minutes to disqualified or None)``, an hour apart from ``start``, each with a
    15-minute deadline; a converted lead moves to "customer" a day after arriving."""
    for n, (code, *_) in enumerate(plan):
        actions.capture(
            workspace,
            {"email": f"p{n}@x.test", "location": code, "submission_id": f"s{n}"},
            source="api",
            received_at=start + timedelta(hours=n),
        )
    process_pending(workspace)
    while feed.deliver_all():
        pass
    made = []
    for n, (_, minutes, converted, disqualified) in enumerate(plan):
        lead = Lead.objects.get(workspace=workspace, contact__email=f"p{n}@x.test")
        Lead.objects.filter(pk=lead.pk).update(respond_by=lead.created_at + timedelta(minutes=15))
        if minutes is not None:
            log_activity(
                workspace, lead.pk, "call", at=lead.created_at + timedelta(minutes=minutes)
            )
        if converted:
            actions.move_stage(
                workspace, lead.pk, "customer", at=lead.created_at + timedelta(days=1)
            )
        if disqualified is not None:
            at = lead.created_at + timedelta(minutes=disqualified)
            actions.move_stage(workspace, lead.pk, "disqualified", at=at, reason="spam")
        made.append(lead)
    return made
