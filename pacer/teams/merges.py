"""Survey answers follow a contact merge (the change feed's merges, which people and
ingestion publish as ``(merged-away id, survivor id)``): the merged contact's answers move
to the survivor, and where both answered the same survey the earlier answer is kept (the
later one is deleted), so one person still has one answer per survey. Handling a merge
again finds nothing left to move."""

from pacer.core.feed import Subscriber
from pacer.core.models import ChangeBatch
from pacer.teams.models import SurveyResponse


def move_answers(workspace_id: int, merged_id: int, survivor_id: int) -> int:
    """Move ``merged_id``'s answers to ``survivor_id``; returns how many moved."""
    rows = SurveyResponse.objects.filter(workspace_id=workspace_id)
    theirs = {r.survey_id: r for r in rows.filter(contact_id=merged_id)}
    if not theirs:
        return 0
    ours = {r.survey_id: r for r in rows.filter(contact_id=survivor_id, survey_id__in=theirs)}
    drop, move = [], []
    for survey_id, answer in theirs.items():
        kept = ours.get(survey_id)
        if kept is None:
            move.append(answer.pk)
        elif (answer.answered_at, answer.pk) < (kept.answered_at, kept.pk):
            drop.append(kept.pk)
            move.append(answer.pk)
        else:
            drop.append(answer.pk)
    SurveyResponse.objects.filter(pk__in=drop).delete()  # first: one answer per survey
    return SurveyResponse.objects.filter(pk__in=move).update(contact_id=survivor_id)


def handle(batches: list[ChangeBatch]) -> None:
    for batch in batches:  # in order: a survivor merged away later moves on again
        for merged_id, survivor_id in batch.merges:
            move_answers(batch.workspace_id, merged_id, survivor_id)


SUBSCRIBER = Subscriber("teams-survey-answers", handle)
