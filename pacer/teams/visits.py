"""Surveys after a visit: the change feed's processed events, read for each enabled
trigger naming a ``visit_event`` in the batch's workspace, become asks
(``triggers.ask_about_visits``; one per survey and event by a unique key, so a batch
delivered again asks nobody twice). The feed's cursor moves with the asks written."""

from pacer.core.feed import Subscriber
from pacer.core.models import ChangeBatch
from pacer.ingest.selectors import events_named
from pacer.teams import triggers
from pacer.teams.models import SurveyTrigger


def handle(batches: list[ChangeBatch]) -> None:
    listening: dict[int, list[SurveyTrigger]] = {}
    for batch in batches:
        if batch.first_event_id is None:
            continue
        if batch.workspace_id not in listening:
            listening[batch.workspace_id] = list(
                SurveyTrigger.objects.filter(workspace_id=batch.workspace_id, enabled=True)
                .exclude(visit_event="")
                .select_related("workspace")
                .order_by("id")
            )
        for trigger in listening[batch.workspace_id]:
            events = events_named(
                batch.workspace_id, trigger.visit_event, batch.first_event_id, batch.last_event_id
            )
            triggers.ask_about_visits(trigger, events)


SUBSCRIBER = Subscriber("teams-survey-visits", handle)
