"""Survey answers and asks follow a contact merge (the change feed's merges, which people
and ingestion publish as ``(merged-away id, survivor id)``), so the survivor is one
person to the ask-again window, to "already answered" and to the survey's figures.

- Answers move to the survivor; where both answered the same survey the earlier answer
  is kept (the later one is deleted): one person still has one answer per survey.
- Asks move to the survivor; where both have an ask for the same survey and order (or
  both were sent the survey by hand, no order and no visit) one is kept: a sent one before a skipped
  one before a waiting one (a sent ask is what its email's answer link is checked
  against, and a waiting one would ask the person again), then the one asked first.

Handling a merge again finds nothing left to move."""

from pacer.core.feed import Subscriber
from pacer.core.models import ChangeBatch
from pacer.teams.models import AskStatus, SurveyAsk, SurveyResponse

# which of two colliding asks is kept: the lowest rank
_RANK = {AskStatus.SENT: 0, AskStatus.SENDING: 1, AskStatus.SKIPPED: 2, AskStatus.WAITING: 3}


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


def _kept_first(ask: SurveyAsk) -> tuple:
    asked = ask.asked_at.timestamp() if ask.asked_at else float("inf")
    return (_RANK[ask.status], asked, ask.pk)


def move_asks(workspace_id: int, merged_id: int, survivor_id: int) -> int:
    """Move ``merged_id``'s survey asks to ``survivor_id``, one kept per (survey, order,
    visit) where both had one; returns how many moved."""
    rows = SurveyAsk.objects.filter(workspace_id=workspace_id)
    theirs = list(rows.filter(contact_id=merged_id))
    if not theirs:
        return 0
    ours = {
        (a.survey_id, a.order_id, a.event_id): a
        for a in rows.filter(contact_id=survivor_id, survey_id__in={a.survey_id for a in theirs})
    }
    drop, move = [], []
    for ask in theirs:
        kept = ours.get((ask.survey_id, ask.order_id, ask.event_id))
        if kept is None:
            move.append(ask.pk)
        elif _kept_first(ask) < _kept_first(kept):
            drop.append(kept.pk)
            move.append(ask.pk)
        else:
            drop.append(ask.pk)
    SurveyAsk.objects.filter(pk__in=drop).delete()  # first: the unique key
    return SurveyAsk.objects.filter(pk__in=move).update(contact_id=survivor_id)


def handle(batches: list[ChangeBatch]) -> None:
    for batch in batches:  # in order: a survivor merged away later moves on again
        for merged_id, survivor_id in batch.merges:
            move_answers(batch.workspace_id, merged_id, survivor_id)
            move_asks(batch.workspace_id, merged_id, survivor_id)


SUBSCRIBER = Subscriber("teams-survey-answers", handle)
