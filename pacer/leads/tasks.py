"""Background work for leads: the hand-over of an away member's leads."""

from django.conf import settings
from django_tasks import task

from pacer.core import clock, faults


@task()
def hand_over_leads(handover_id: int) -> dict:
    """One batch (``LEAD_HANDOVER_BATCH`` leads) of a recorded hand-over
    (``handover.continue_handover``), then the next batch queued while leads are left.
    Safe to run twice (a batch resumes where the last stopped; a finished hand-over is
    left alone); a killed run, whose next batch is never queued, is finished by the
    ``lead-away`` loop."""
    from pacer.leads.handover import continue_handover

    progress = continue_handover(handover_id, clock.now(), limit=settings.LEAD_HANDOVER_BATCH)
    faults.point("leads.handover.batch_done")  # a kill here queues no next batch
    if not progress.finished:
        hand_over_leads.enqueue(handover_id)
    return {"done": progress.done, "total": progress.total, "moved": progress.moved}
