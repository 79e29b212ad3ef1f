"""Leads follow the change feed: every processed "Lead Created" event becomes a lead."""

from pacer.core import faults
from pacer.core.feed import Subscriber
from pacer.core.models import ChangeBatch
from pacer.ingest.selectors import events_named
from pacer.leads.actions import LEAD_EVENT, record_leads
from pacer.leads.scoring import rescore_contacts


def handle(batches: list[ChangeBatch]) -> None:
    for batch in batches:
        if batch.first_event_id is not None:
            events = events_named(
                batch.workspace_id, LEAD_EVENT, batch.first_event_id, batch.last_event_id
            )
            record_leads(batch.workspace_id, events)
            faults.point("leads.feed.recorded")  # this batch's leads made, later ones not
        if batch.contact_ids:
            rescore_contacts(batch.workspace_id, batch.contact_ids)


SUBSCRIBER = Subscriber("leads", handle)
