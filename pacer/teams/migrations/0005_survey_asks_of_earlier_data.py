"""Survey data made before teams 0004 and the merge-following asks, repaired from the
rows that exist (idempotent: a second run finds nothing to do).

1. Asks and answers still on a merged-away contact (its merge was handled before asks
   followed merges, or before answers did) move to the contact it was merged into, by the
   rule of ``pacer.teams.merges``: where both have an ask for the same survey and order
   (or both a by-hand one) the sent one is kept before a skipped one before a waiting
   one, then the one asked first; where both answered a survey, the earlier answer.
2. A survey sent by hand before its sends were recorded as asks (``Survey.broadcast_id``
   set): each person its broadcast was queued for (messaging's messages, not those it
   skipped or that failed) gets a sent ask without an order, asked when the broadcast was
   queued, unless they have one already.

The rules are copied here, not imported: a migration must not run live code that may
read tables or fields added later.
"""

from django.db import migrations

CHUNK = 500
SENT, SKIPPED, WAITING = "sent", "skipped", "waiting"
RANK = {SENT: 0, SKIPPED: 1, WAITING: 2}


def _chunks(values: list) -> list[list]:
    return [values[start : start + CHUNK] for start in range(0, len(values), CHUNK)]


def _survivors(Contact, contact_ids) -> dict[int, int]:
    """The contact each merged-away one of ``contact_ids`` now is (a chain followed)."""
    merged: dict[int, int] = {}
    pending = sorted(set(contact_ids))
    while pending:
        found = {}
        for chunk in _chunks(pending):
            found.update(
                Contact.objects.filter(pk__in=chunk, merged_into__isnull=False).values_list(
                    "pk", "merged_into_id"
                )
            )
        merged.update(found)
        pending = sorted(set(found.values()) - set(merged))
    result = {}
    for contact_id in merged:
        survivor, steps = merged[contact_id], 0
        while survivor in merged and steps < 1000:  # a cycle would be a broken database
            survivor, steps = merged[survivor], steps + 1
        result[contact_id] = survivor
    return result


def _kept_first(ask) -> tuple:
    asked = ask.asked_at.timestamp() if ask.asked_at else float("inf")
    return (RANK.get(ask.status, 3), asked, ask.pk)


def _move_asks(SurveyAsk, merged_id: int, survivor_id: int) -> None:
    theirs = list(SurveyAsk.objects.filter(contact_id=merged_id))
    ours = {
        (a.survey_id, a.order_id): a
        for a in SurveyAsk.objects.filter(
            contact_id=survivor_id, survey_id__in={a.survey_id for a in theirs}
        )
    }
    drop, move = [], []
    for ask in theirs:
        kept = ours.get((ask.survey_id, ask.order_id))
        if kept is None:
            move.append(ask.pk)
            ours[(ask.survey_id, ask.order_id)] = ask
        elif _kept_first(ask) < _kept_first(kept):
            drop.append(kept.pk)
            move.append(ask.pk)
            ours[(ask.survey_id, ask.order_id)] = ask
        else:
            drop.append(ask.pk)
    SurveyAsk.objects.filter(pk__in=drop).delete()  # first: the unique key
    SurveyAsk.objects.filter(pk__in=move).update(contact_id=survivor_id)


def _move_answers(SurveyResponse, merged_id: int, survivor_id: int) -> None:
    theirs = {r.survey_id: r for r in SurveyResponse.objects.filter(contact_id=merged_id)}
    ours = {
        r.survey_id: r
        for r in SurveyResponse.objects.filter(contact_id=survivor_id, survey_id__in=theirs)
    }
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
    SurveyResponse.objects.filter(pk__in=move).update(contact_id=survivor_id)


def follow_merges(apps, schema_editor) -> None:
    Contact = apps.get_model("people", "Contact")
    SurveyAsk = apps.get_model("teams", "SurveyAsk")
    SurveyResponse = apps.get_model("teams", "SurveyResponse")
    merged = Contact.objects.filter(merged_into__isnull=False)
    held = set(
        merged.filter(pk__in=SurveyAsk.objects.values("contact_id")).values_list("pk", flat=True)
    )
    held |= set(
        merged.filter(pk__in=SurveyResponse.objects.values("contact_id")).values_list(
            "pk", flat=True
        )
    )
    for merged_id, survivor_id in sorted(_survivors(Contact, held).items()):
        _move_asks(SurveyAsk, merged_id, survivor_id)
        _move_answers(SurveyResponse, merged_id, survivor_id)


def record_sends_by_hand(apps, schema_editor) -> None:
    Contact = apps.get_model("people", "Contact")
    Broadcast = apps.get_model("messaging", "Broadcast")
    Message = apps.get_model("messaging", "Message")
    Survey = apps.get_model("teams", "Survey")
    SurveyAsk = apps.get_model("teams", "SurveyAsk")
    for survey in Survey.objects.filter(broadcast_id__isnull=False).order_by("pk"):
        broadcast = Broadcast.objects.filter(
            pk=survey.broadcast_id, workspace_id=survey.workspace_id
        ).first()
        if broadcast is None:  # deleted since: nothing tells who was sent it
            continue
        queued = set(
            Message.objects.filter(broadcast_id=broadcast.pk)
            .exclude(status__in=["skipped", "failed"])
            .values_list("contact_id", flat=True)
        )
        survivors = _survivors(Contact, queued)
        people = {survivors.get(contact_id, contact_id) for contact_id in queued}
        people -= set(
            SurveyAsk.objects.filter(survey_id=survey.pk, order_id__isnull=True).values_list(
                "contact_id", flat=True
            )
        )
        asked_at = broadcast.queued_at or broadcast.created_at
        for chunk in _chunks(sorted(people)):
            SurveyAsk.objects.bulk_create(
                SurveyAsk(
                    workspace_id=survey.workspace_id,
                    survey_id=survey.pk,
                    contact_id=contact_id,
                    order_id=None,
                    due_at=asked_at,
                    status=SENT,
                    broadcast_id=broadcast.pk,
                    asked_at=asked_at,
                )
                for contact_id in chunk
            )


def repair(apps, schema_editor) -> None:
    follow_merges(apps, schema_editor)  # first: the sends by hand are then the survivors'
    record_sends_by_hand(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("teams", "0004_survey_ask_by_hand"),
        ("people", "0007_location_time_zone"),
        ("messaging", "0014_sms_deliverability_thresholds"),
    ]

    operations = [migrations.RunPython(repair, migrations.RunPython.noop)]
