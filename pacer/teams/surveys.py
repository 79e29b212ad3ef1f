"""Writes for customer-experience signals: NPS and CSAT surveys answered on a hosted page
reached by a signed link (one answer per person and survey), and review ratings imported
from CSV (idempotent: a review already imported is updated, not counted twice)."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse

from pacer.core import audit, clock
from pacer.core.errors import FIRST_DAY, LAST_DAY, ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging import actions as messaging
from pacer.messaging import selectors as messages
from pacer.people import selectors as people
from pacer.teams.models import (
    AskStatus,
    ReviewRating,
    Survey,
    SurveyAsk,
    SurveyKind,
    SurveyResponse,
)

TOKEN_SALT = "pacer.teams.survey"
SCALES = {SurveyKind.NPS: (0, 10), SurveyKind.CSAT: (1, 5)}
QUESTIONS = {
    SurveyKind.NPS: "How likely are you to recommend us to a friend or colleague?",
    SurveyKind.CSAT: "How satisfied were you with your visit?",
}
MAX_RATING_ROWS = 50_000
RATING_COLUMNS = ("location", "source", "external_id", "rating", "date")


@transaction.atomic
def create_survey(
    workspace: Workspace, *, name: str, kind: str, question: str = "", actor=None
) -> Survey:
    errors: dict[str, str] = {}
    name, question = (name or "").strip(), (question or "").strip()
    if not name:
        errors["name"] = "must not be empty"
    elif len(name) > 200:
        errors["name"] = "must be at most 200 characters"
    if kind not in SurveyKind.values:
        errors["kind"] = f"must be one of {', '.join(SurveyKind.values)}"
    if len(question) > 300:
        errors["question"] = "must be at most 300 characters"
    if errors:
        raise ValidationFailed(errors)
    survey = Survey.objects.create(
        workspace=workspace, name=name, kind=kind, question=question or QUESTIONS[kind]
    )
    audit.record(workspace, "survey.create", survey, actor=actor, after=audit.snapshot(survey))
    return survey


def answer_token(survey: Survey, contact_id: int) -> str:
    """The signed token of one person's link to one survey."""
    return signing.dumps([survey.workspace_id, survey.pk, int(contact_id)], salt=TOKEN_SALT)


def read_token(token: str) -> tuple[Survey, int] | None:
    """The survey and contact id a token was made for (None for a forged or broken one)."""
    try:
        workspace_id, survey_id, contact_id = signing.loads(token, salt=TOKEN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    survey = Survey.objects.filter(workspace_id=workspace_id, pk=survey_id).first()
    return (survey, contact_id) if survey is not None else None


def answer(
    survey: Survey, contact_id: int, *, score, comment: str = "", location_id: int | None = None
) -> SurveyResponse:
    """Record one person's answer; a second answer from the same person is refused. The
    answer counts for ``location_id`` (the order's location, when a trigger asked about an
    order), else the person's own location."""
    low, high = SCALES[survey.kind]
    errors: dict[str, str] = {}
    try:
        value = int(str(score).strip())
        if not low <= value <= high:
            raise ValueError
    except ValueError:
        errors["score"] = f"choose a whole number from {low} to {high}"
    comment = (comment or "").strip()
    if len(comment) > 2000 or "\x00" in comment:
        errors["comment"] = "must be at most 2000 characters of text"
    contact = people.contact(survey.workspace, contact_id)
    if contact is None:
        errors["token"] = "this link's person is no longer on record"
    if errors:
        raise ValidationFailed(errors)
    try:
        with transaction.atomic():
            return SurveyResponse.objects.create(
                workspace=survey.workspace,
                survey=survey,
                contact_id=contact.pk,
                location_id=location_id or contact.location_id,
                score=value,
                comment=comment,
                answered_at=clock.now(),
            )
    except IntegrityError:
        raise ValidationFailed({"token": "you have already answered this survey"}) from None


def has_answered(survey: Survey, contact_id: int) -> bool:
    """Whether the person (a merged-away id: the contact it was merged into) has
    answered ``survey``."""
    contact = people.contact(survey.workspace, contact_id)
    return (
        contact is not None
        and SurveyResponse.objects.filter(survey=survey, contact_id=contact.pk).exists()
    )


EMAIL_SALT = "pacer.teams.survey-email"
ASKS_PER_INSERT = 2000


def email_link(survey: Survey) -> str:
    """The survey's link in an email: a signed survey token, with the recipient's own
    unsubscribe link (signed per message by messaging) added by the template, so the
    answer page knows who answers without a token per person in the template."""
    token = signing.dumps([survey.workspace_id, survey.pk], salt=EMAIL_SALT)
    return settings.BASE_URL + reverse("survey-email", args=[token])


def read_email_link(token: str, unsubscribe_url: str) -> tuple[Survey, int, int | None] | None:
    """The survey, the contact and the location the answer counts for (the order's, when
    the survey's trigger sent it; else None) of an email link (None unless both
    signatures hold and the message was sent for this survey)."""
    try:
        workspace_id, survey_id = signing.loads(token, salt=EMAIL_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    parts = [p for p in (unsubscribe_url or "").split("?")[0].split("/") if p]
    recipient = messages.recipient_of(parts[-1]) if parts else None
    survey = Survey.objects.filter(workspace_id=workspace_id, pk=survey_id).first()
    if survey is None or recipient is None:
        return None
    message_workspace, contact_id, broadcast_id = recipient
    if message_workspace != workspace_id or broadcast_id is None:
        return None
    if broadcast_id == survey.broadcast_id:
        return survey, contact_id, None
    # a trigger's message: the answer counts for the order's location. Its ask moved to
    # the survivor if the recipient has been merged since (pacer.teams.merges).
    person = people.contact(survey.workspace, contact_id)
    ask = (
        SurveyAsk.objects.filter(
            survey=survey,
            contact_id__in={contact_id, person.pk if person else contact_id},
            broadcast_id=broadcast_id,
        )
        .values_list("location_id")
        .first()
    )
    if ask is None:
        return None
    return survey, contact_id, ask[0]


def send_survey(
    survey: Survey,
    *,
    contact_ids: list[int],
    sender_id: int,
    purpose: str = "marketing",
    actor=None,
) -> dict[str, int]:
    """Email the survey to the contacts through messaging (a template and a broadcast of
    their own, queued once; consent and suppression apply as to any broadcast), and record
    a sent ask (without an order) for each person it was queued for, which the triggers'
    ask-again window counts. Returns messaging's counts (queued, skipped, not found)."""
    workspace = survey.workspace
    if survey.broadcast_id is not None:
        raise ValidationFailed({"survey": "already sent"})
    if not isinstance(contact_ids, list) or not 1 <= len(contact_ids) <= 1_000_000:
        raise ValidationFailed({"contact_ids": "must list 1 to 1000000 contact ids"})
    link = email_link(survey) + "?r={{ unsubscribe_url|urlencode }}"
    with transaction.atomic():
        template = messaging.save_template(
            workspace,
            name=f"Survey: {survey.name}"[:200],
            subject=survey.question,
            html=f'<p>{survey.question}</p><p><a href="{link}">Answer in one click</a></p>',
            text=f"{survey.question}\n\nAnswer here: {link}",
        )
        broadcast = messaging.create_broadcast(
            workspace,
            name=f"Survey: {survey.name}"[:200],
            template_id=template.pk,
            sender_id=sender_id,
            audience={"contacts": contact_ids},
            purpose=purpose,
        )
        Survey.objects.filter(pk=survey.pk).update(broadcast_id=broadcast.pk)
        survey.broadcast_id = broadcast.pk
        audit.record(
            workspace, "survey.send", survey, actor=actor, after={"broadcast": broadcast.pk}
        )
    with transaction.atomic():
        counts = messaging.queue_broadcast(workspace, broadcast.pk, actor=actor)
        record_sent_by_hand(survey)
    return counts


def record_sent_by_hand(survey: Survey) -> int:
    """A sent ask, without an order, for each person the survey's own broadcast was
    queued for (not those messaging skipped); returns how many were recorded."""
    now = clock.now()
    queued = (
        messages.messages_of(survey.workspace, survey.broadcast_id)
        .exclude(status__in=["skipped", "failed"])
        .order_by("contact_id")
        .values_list("contact_id", flat=True)
    )
    recorded, batch = 0, []
    for contact_id in queued.iterator(chunk_size=ASKS_PER_INSERT):
        batch.append(
            SurveyAsk(
                workspace=survey.workspace,
                survey=survey,
                contact_id=contact_id,
                order_id=None,
                due_at=now,
                status=AskStatus.SENT,
                broadcast_id=survey.broadcast_id,
                asked_at=now,
            )
        )
        if len(batch) == ASKS_PER_INSERT:  # a million recipients never sit in memory
            recorded += len(SurveyAsk.objects.bulk_create(batch))
            batch = []
    return recorded + len(SurveyAsk.objects.bulk_create(batch))


def _rating_row(index: int, row: dict, codes: dict, errors: dict) -> dict | None:
    prefix = f"rows[{index}]"
    found = {}
    location = codes.get((row.get("location") or "").strip())
    if location is None:
        errors[f"{prefix}.location"] = f"no location with code '{row.get('location') or ''}'"
    source = (row.get("source") or "").strip()
    if not source or len(source) > 40:
        errors[f"{prefix}.source"] = "must be 1-40 characters"
    external_id = (row.get("external_id") or "").strip()
    if not external_id or len(external_id) > 200:
        errors[f"{prefix}.external_id"] = "must be 1-200 characters"
    try:
        rating = Decimal((row.get("rating") or "").strip())
        if not rating.is_finite() or not 1 <= rating <= 5:
            raise InvalidOperation
        found["rating"] = rating.quantize(Decimal("0.01"))
    except InvalidOperation:
        errors[f"{prefix}.rating"] = "must be a number from 1 to 5"
    try:
        day = date.fromisoformat((row.get("date") or "").strip())
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValueError
        found["reviewed_on"] = day
    except ValueError:
        errors[f"{prefix}.date"] = "must be a day as YYYY-MM-DD"
    if location is None or len(found) < 2:
        return None
    return {**found, "location_id": location.pk, "source": source, "external_id": external_id}


@transaction.atomic
def import_ratings(workspace: Workspace, content: bytes, *, actor=None) -> dict[str, int]:
    """Review ratings from CSV (columns: location (its code), source, external_id, rating
    1-5, date); every row is checked before any is written. Returns the counts created
    and updated."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed({"file": "must be UTF-8 text"}) from None
    if "\x00" in text:
        raise ValidationFailed({"file": "must be text (it holds NUL characters)"})
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in RATING_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationFailed({"file": f"missing columns: {', '.join(missing)}"})
    return record_ratings(workspace, list(reader), actor=actor, field="file")


@transaction.atomic
def record_ratings(
    workspace: Workspace, rows: list[dict], *, actor=None, field: str = "rows"
) -> dict[str, int]:
    """Review ratings as rows of text (keys: location (its code), source, external_id,
    rating 1-5, date), from a CSV file or the REST API; a review already imported (its
    source and external_id) is updated, not counted twice. Every row is checked before
    any is written; errors name the row and field (``field`` names the whole)."""
    if not rows:
        raise ValidationFailed({field: "has no rows"})
    if len(rows) > MAX_RATING_ROWS:
        raise ValidationFailed({field: f"has more than {MAX_RATING_ROWS} rows"})
    codes = {location.code: location for location in people.locations(workspace)}
    errors: dict[str, str] = {}
    parsed = [_rating_row(index, row, codes, errors) for index, row in enumerate(rows)]
    keys = [(p["source"], p["external_id"]) for p in parsed if p]
    if len(set(keys)) != len(keys):
        errors[field] = "a review (source, external_id) appears twice"
    if errors:
        raise ValidationFailed(dict(list(errors.items())[:50]))
    existing = {
        (r.source, r.external_id): r
        for r in ReviewRating.objects.filter(
            workspace=workspace, external_id__in=[k[1] for k in keys]
        )
    }
    created = updated = 0
    for row in parsed:
        found = existing.get((row["source"], row["external_id"]))
        if found is None:
            ReviewRating.objects.create(workspace=workspace, **row)
            created += 1
        else:
            for name in ("location_id", "rating", "reviewed_on"):
                setattr(found, name, row[name])
            found.save(update_fields=["location_id", "rating", "reviewed_on"])
            updated += 1
    counts = {"created": created, "updated": updated}
    audit.record(workspace, "cx.ratings_import", workspace, actor=actor, after=counts)
    return counts


def record_answers(
    survey: Survey,
    answers: list[tuple[int, int, datetime]],
    *,
    location_of: dict[int, int | None] | None = None,
) -> int:
    """Answers given elsewhere (``(contact id, score, answered at)``), as the demo loads
    its simulated ones: each checked like a page's answer, people already answered or
    unknown skipped. An answer counts for ``location_of[contact id]`` where given (the
    order's location of the ask that asked them), else the person's own location.
    Returns how many were recorded."""
    low, high = SCALES[survey.kind]
    for index, (_, score, _) in enumerate(answers):
        if not isinstance(score, int) or not low <= score <= high:
            raise ValidationFailed({f"answers[{index}].score": f"must be {low} to {high}"})
    known = people.contacts_by_ids(survey.workspace, [c for c, _, _ in answers])
    rows = [
        SurveyResponse(
            workspace=survey.workspace,
            survey=survey,
            contact_id=known[contact_id].pk,  # a merged-away id: its survivor
            location_id=(location_of or {}).get(contact_id, known[contact_id].location_id),
            score=score,
            answered_at=at,
        )
        for contact_id, score, at in answers
        if contact_id in known
    ]
    before = survey.responses.count()
    SurveyResponse.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return survey.responses.count() - before


def person_rows(workspace: Workspace, contact_ids) -> dict[str, QuerySet]:
    """A person's survey answers and the asks sent to them, for the privacy export and
    erasure."""
    ids = list(contact_ids)
    rows = SurveyResponse.objects.filter(workspace=workspace, contact_id__in=ids)
    asks = SurveyAsk.objects.filter(workspace=workspace, contact_id__in=ids)
    return {
        SurveyResponse._meta.label_lower: rows.order_by("pk"),
        SurveyAsk._meta.label_lower: asks.order_by("pk"),
    }
