"""Writes of the leads domain: capture, stage moves and the workspace's stage list.

Capture turns a submission into Segment messages (an ``identify`` with the person's
traits, a ``track "Lead Created"`` with where the lead came from, a ``"Consent Updated"``
per consent box) and accepts them through ingestion, so a lead from a form, the REST API,
a Segment SDK or a CSV row is resolved to a contact by the same identity rules and
attributed by the same channel classifier. The lead itself is made when processing has
resolved the event (``pacer.leads.feed``), once per event.
"""

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from django.db import transaction

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.ingest.actions import NOT_STORED, accept
from pacer.leads import followup, handover, touches
from pacer.leads.locating import Locator
from pacer.leads.models import SOURCES, Lead, LeadStage, StageChange, StageKind
from pacer.leads.stages import first_open_stage, stages
from pacer.people.selectors import contacts_by_ids, locations

LEAD_EVENT = "Lead Created"
TEXT_LIMITS = {
    "first_name": 100,
    "last_name": 100,
    "form": 100,
    "postal_code": 20,
    "product": 100,
}
UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SUBMISSION_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
MAX_CONSENTS = 10


@dataclass(frozen=True)
class Captured:
    submission_id: str
    status: str  # accepted | duplicate | suppressed


def _text(data: Mapping, field: str, limit: int, errors: dict) -> str:
    return check_text(errors, field, data.get(field), limit)


def _url(data: Mapping, field: str, errors: dict) -> str:
    value = _text(data, field, 2000, errors)
    if value and urlsplit(value).scheme not in ("http", "https"):
        errors[field] = "must be an http(s) URL"
    return value


def _consents(raw, errors: dict) -> list[dict]:
    if raw in (None, []):
        return []
    if not isinstance(raw, list) or len(raw) > MAX_CONSENTS:
        errors["consents"] = f"must be a list of at most {MAX_CONSENTS} consents"
        return []
    consents = []
    for index, item in enumerate(raw):
        where = f"consents[{index}]"
        if not isinstance(item, Mapping):
            errors[where] = "must be an object with purpose, channel, granted and wording"
            continue
        errors_at: dict[str, str] = {}
        consent = {
            key: _text(item, key, limit, errors_at)
            for key, limit in (("purpose", 60), ("channel", 20), ("wording", 2000))
        }
        errors.update({f"{where}.{k}": v for k, v in errors_at.items()})
        if not isinstance(item.get("granted"), bool):
            errors[f"{where}.granted"] = "must be true or false"
        for key in ("purpose", "channel"):
            if not consent[key]:
                errors.setdefault(f"{where}.{key}", "is required")
        if item.get("granted") is True and not consent["wording"]:
            errors.setdefault(f"{where}.wording", "is required: record what the person agreed to")
        consents.append({**consent, "granted": item.get("granted")})
    return consents


def capture(
    workspace: Workspace,
    data: Mapping,
    *,
    source: str,
    received_at: datetime,
) -> Captured:
    """Validate a lead submission and accept it through ingestion (see ``messages_for``),
    all or nothing: a message ingestion refuses (a rule of its own the checks here lack)
    refuses the submission, named at its consent where it is one, and stores none."""
    submission_id, messages = messages_for(workspace, data, source=source, received_at=received_at)
    results = accept(workspace, messages, received_at=received_at, all_or_nothing=True)
    errors = _ingestion_refusals(results)
    if errors:
        raise ValidationFailed(errors)
    return Captured(submission_id, results[1].status)


def _ingestion_refusals(results: list, prefix: str = "") -> dict[str, str]:
    """What ingestion refused of one submission's messages (identify, lead, then its
    consents), by field: a consent's as ``consents[i].field``, any other as
    ``submission``; the messages not stored because of it are left out."""
    errors: dict[str, str] = {}
    for position, result in enumerate(results):
        if result.status != "rejected" or result.error == NOT_STORED:
            continue
        field, _, reason = result.error.partition(": ")
        if position >= 2 and field.startswith("properties.") and reason:
            errors[f"{prefix}consents[{position - 2}].{field.removeprefix('properties.')}"] = reason
        else:
            errors.setdefault(f"{prefix}submission", result.error)
    return errors


def capture_rows(
    workspace: Workspace, rows: list[Mapping], *, source: str, received_at: datetime
) -> list[Captured]:
    """Capture many leads all or nothing (a CSV file): every row is checked first, each
    refusal named ``rows[i].field``; a row without a ``submission_id`` gets one from its
    content, so importing the same file again makes no second lead."""
    errors, built = {}, []
    for index, row in enumerate(rows):
        given = dict(row)
        if not given.get("submission_id"):
            content = json.dumps(sorted(given.items()), default=str)
            given["submission_id"] = "csv:" + hashlib.sha256(content.encode()).hexdigest()[:40]
        try:
            built.append(messages_for(workspace, given, source=source, received_at=received_at))
        except ValidationFailed as error:
            errors.update({f"rows[{index}].{k}": v for k, v in error.errors.items()})
    if errors:
        raise ValidationFailed(errors)
    results = accept(
        workspace,
        [m for _, batch in built for m in batch],
        received_at=received_at,
        all_or_nothing=True,
    )
    start = 0
    for index, (_, batch) in enumerate(built):
        errors.update(_ingestion_refusals(results[start : start + len(batch)], f"rows[{index}]."))
        start += len(batch)
    if errors:
        raise ValidationFailed(errors)
    by_id = {r.message_id: r.status for r in results}
    return [Captured(sid, by_id[f"lead:{sid}:lead"]) for sid, _ in built]


def messages_for(
    workspace: Workspace,
    data: Mapping,
    *,
    source: str,
    received_at: datetime,
) -> tuple[str, list[dict]]:
    """The Segment messages of a lead submission, validated.

    ``data``: ``email`` and/or ``phone`` (one is required), ``first_name``, ``last_name``,
    ``postal_code``, ``location`` (a location code of the workspace), ``form``,
    ``consents`` (``purpose``, ``channel``, ``granted``, ``wording``), ``page_url``,
    ``referrer``, ``utm_*``, ``anonymous_id`` and ``submission_id`` (repeat it and the
    same lead is not made twice). Refuses with every bad field named; writes nothing then.
    """
    errors: dict[str, str] = {}
    if source not in SOURCES:
        raise ValidationFailed({"source": f"must be one of {', '.join(SOURCES)}"})
    email = _text(data, "email", 254, errors).lower()
    phone = _text(data, "phone", 40, errors)
    if email and not EMAIL.fullmatch(email):
        errors["email"] = "is not an email address"
    if phone and sum(ch.isdecimal() for ch in phone) < 6:
        errors["phone"] = "needs at least 6 digits"
    if not email and not phone and "email" not in errors and "phone" not in errors:
        errors["email"] = "give an email or a phone number"
    texts = {field: _text(data, field, limit, errors) for field, limit in TEXT_LIMITS.items()}
    utm = {field: _text(data, field, 200, errors) for field in UTM_FIELDS}
    page_url, referrer = _url(data, "page_url", errors), _url(data, "referrer", errors)
    location = _text(data, "location", 60, errors)
    if location and location not in {loc.code for loc in locations(workspace)}:
        errors["location"] = f"no location '{location[:60]}' in this workspace"
    anonymous_id = _text(data, "anonymous_id", 200, errors)
    submission_id = _text(data, "submission_id", 100, errors) or uuid.uuid4().hex
    if "submission_id" not in errors and not SUBMISSION_ID.fullmatch(submission_id):
        errors["submission_id"] = "must be 1-100 letters, digits or . _ : -"
    consents = _consents(data.get("consents"), errors)
    place = _coordinates(data, errors)
    if errors:
        raise ValidationFailed(errors)

    who = {"anonymousId": anonymous_id or f"lead-{submission_id}"}
    traits = {
        key: value
        for key, value in {
            "email": email,
            "phone": phone,
            "firstName": texts["first_name"],
            "lastName": texts["last_name"],
            "postalCode": texts["postal_code"],
        }.items()
        if value
    }
    context = {
        "page": {key: value for key, value in (("url", page_url), ("referrer", referrer)) if value},
        "campaign": {
            field.removeprefix("utm_").replace("campaign", "name"): value
            for field, value in utm.items()
            if value
        },
    }
    timestamp = received_at.isoformat()
    properties = {
        "form": texts["form"],
        "source": source,
        "location": location,
        "postal_code": texts["postal_code"],
        "product": texts["product"],
        **place,
    }
    messages = [
        {
            "type": "identify",
            "messageId": f"lead:{submission_id}:identify",
            "traits": traits,
            "timestamp": timestamp,
            "context": context,
            **who,
        },
        {
            "type": "track",
            "event": LEAD_EVENT,
            "messageId": f"lead:{submission_id}:lead",
            "properties": {
                key: value
                for key, value in properties.items()
                if value or (key in place and value is not None)  # 0 degrees is a place
            },
            "timestamp": timestamp,
            "context": context,
            **who,
        },
    ] + [
        {
            "type": "track",
            "event": "Consent Updated",
            "messageId": f"lead:{submission_id}:consent:{index}",
            "properties": {**consent, "source": texts["form"] or source},
            "timestamp": timestamp,
            **who,
        }
        for index, consent in enumerate(consents)
    ]
    return submission_id, messages


def _coordinates(data: Mapping, errors: dict) -> dict:
    """``latitude`` and ``longitude`` (degrees, both or neither), for the nearest location."""
    given = {key: data.get(key) for key in ("latitude", "longitude") if data.get(key) is not None}
    if not given:
        return {}
    limits = {"latitude": 90, "longitude": 180}
    for key in limits:
        value = given.get(key)
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                value = None
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors[key] = "must be a number of degrees (give latitude and longitude together)"
        elif not -limits[key] <= value <= limits[key]:
            errors[key] = f"must be between -{limits[key]} and {limits[key]} degrees"
        else:
            given[key] = float(value)
    return given


@transaction.atomic
def move_stage(
    workspace: Workspace,
    lead_id: int,
    to_stage: str,
    *,
    at: datetime,
    actor=None,
    by: str = "user",
    reason: str = "",
) -> Lead:
    """Move a lead to ``to_stage``, recording who or what moved it, when and why.

    A stage of kind "lost" needs a reason; moving to the stage it is in is refused. A
    move to a won or lost stage stops the lead's follow-up timers (``followup.stop_timers``);
    a move from one back to an open stage starts them again (``handover.restart_timers``);
    a move between open stages of an unanswered lead brings its deadline forward when the
    new stage's SLA ends sooner (``handover.restage_timers``), and an answered lead's next
    touch forward when the new stage's comes sooner (``touches.restage``).
    """
    lead = Lead.objects.select_for_update().filter(workspace=workspace, pk=lead_id).first()
    if lead is None:
        raise ValidationFailed({"lead_id": "no such lead in this workspace"})
    listed = {stage.key: stage for stage in stages(workspace)}
    stage = listed.get(to_stage)
    reason = (reason or "").strip()
    if stage is None:
        raise ValidationFailed({"stage": f"must be one of {', '.join(listed)}"})
    if to_stage == lead.stage:
        raise ValidationFailed({"stage": f"the lead is already in '{to_stage}'"})
    if stage.kind == StageKind.LOST and not reason:
        raise ValidationFailed({"reason": f"is required to move a lead to '{to_stage}'"})
    if len(reason) > 500:
        raise ValidationFailed({"reason": "must be at most 500 characters"})
    was_closed = listed[lead.stage].kind != StageKind.OPEN if lead.stage in listed else False
    StageChange.objects.create(
        workspace=workspace,
        lead=lead,
        from_stage=lead.stage,
        to_stage=to_stage,
        at=at,
        actor=actor,
        by=by,
        reason=reason,
    )
    lead.stage, lead.stage_changed_at = to_stage, at
    lead.reason = reason if stage.kind == StageKind.LOST else ""
    lead.save(update_fields=["stage", "stage_changed_at", "reason"])
    if stage.kind != StageKind.OPEN:  # won or lost: no reminder, escalation or re-assignment
        followup.stop_timers(lead, at, why=f"closed: {to_stage}", actor=actor)
        touches.stop(lead, at, actor=actor)
        return lead
    if was_closed:  # reopened: the follow-up clock starts again
        handover.restart_timers(lead, at, why=f"reopened: {to_stage}", actor=actor)
    else:  # open to open: a shorter SLA of the new stage brings the deadline forward
        handover.restage_timers(lead, at, why=f"stage: {to_stage}", actor=actor)
    touches.restage(lead, at, why=f"stage: {to_stage}", actor=actor)  # the next touch too
    return lead


@transaction.atomic
def set_stages(workspace: Workspace, rows: list[Mapping], *, actor=None) -> None:
    """Replace the workspace's stage list (in order). Needs at least one open stage; a
    stage that leads are in cannot be dropped."""
    errors: dict[str, str] = {}
    seen = set()
    for index, row in enumerate(rows):
        key, label = str(row.get("key") or ""), str(row.get("label") or "").strip()
        if not re.fullmatch(r"[a-z0-9_-]{1,40}", key):
            errors[f"stages[{index}].key"] = "must be 1-40 lower-case letters, digits, - or _"
        elif key in seen:
            errors[f"stages[{index}].key"] = f"'{key}' is listed twice"
        seen.add(key)
        if not label or len(label) > 100:
            errors[f"stages[{index}].label"] = "must be 1-100 characters"
        if row.get("kind", StageKind.OPEN) not in StageKind.values:
            errors[f"stages[{index}].kind"] = f"must be one of {', '.join(StageKind.values)}"
    if not any(row.get("kind", StageKind.OPEN) == StageKind.OPEN for row in rows):
        errors.setdefault("stages", "needs at least one open stage")
    in_use = set(
        Lead.objects.filter(workspace=workspace).values_list("stage", flat=True).distinct()
    )
    dropped = sorted(in_use - seen)
    if dropped:
        errors.setdefault("stages", f"leads are in {', '.join(dropped)}: move them first")
    if errors:
        raise ValidationFailed(errors)
    before = [stage.key for stage in stages(workspace)]
    LeadStage.objects.filter(workspace=workspace).delete()
    LeadStage.objects.bulk_create(
        LeadStage(
            workspace=workspace,
            key=row["key"],
            label=row["label"].strip(),
            position=position,
            kind=row.get("kind", StageKind.OPEN),
        )
        for position, row in enumerate(rows)
    )
    audit.record(
        workspace,
        "leads.stages",
        workspace,
        actor=actor,
        before={"stages": before},
        after={"stages": [row["key"] for row in rows]},
    )


def record_leads(workspace_id: int, events: list[dict]) -> int:
    """Make the leads of resolved "Lead Created" events (once per event); returns how many
    were new. Called by the change-feed subscriber inside its delivery transaction."""
    if not events:
        return 0
    workspace = Workspace.objects.get(pk=workspace_id)
    start = first_open_stage(workspace)
    people = contacts_by_ids(workspace, [e["contact_id"] for e in events if e["contact_id"]])
    locator = Locator(
        workspace,
        [e["properties"].get("postal_code") or "" for e in events]
        + [(p.traits or {}).get("postalCode") or "" for p in people.values()],
    )
    known = set(
        Lead.objects.filter(
            workspace_id=workspace_id, event_id__in=[e["id"] for e in events]
        ).values_list("event_id", flat=True)
    )
    made = []
    for event in events:
        if event["id"] in known or event["contact_id"] is None:
            continue
        properties = event["properties"]
        located = locator.locate(properties, people.get(event["contact_id"]))
        made.append(
            Lead(
                workspace=workspace,
                contact_id=event["contact_id"],
                event_id=event["id"],
                created_at=event["timestamp"],
                form=str(properties.get("form") or "")[:100],
                source=str(properties.get("source") or "segment")[:40],
                channel=event["channel"],
                campaign=event["utm_campaign"],
                location_id=located.location_id,
                located_by=located.by,
                product=str(properties.get("product") or "")[:100],
                stage=start,
                stage_changed_at=event["timestamp"],
            )
        )
    Lead.objects.bulk_create(made)  # sets their ids (RETURNING, on SQLite and PostgreSQL)
    StageChange.objects.bulk_create(
        StageChange(
            workspace_id=workspace_id, lead=lead, to_stage=start, at=lead.created_at, by="capture"
        )
        for lead in made
    )
    if made:
        # scored before routing, so that rules on the score see it; the predicted chance
        # from the latest stored model, so a new lead has it from the start
        from pacer.leads.predictive import score_arrivals
        from pacer.leads.scoring import score_leads  # scoring moves stages through here

        score_arrivals(workspace, [lead.pk for lead in made])
        now = clock.now()
        if score_leads(workspace, made, now):
            made = list(Lead.objects.filter(pk__in=[lead.pk for lead in made]).order_by("pk"))
            for lead in made:
                lead.workspace = workspace
        followup.start(made, now, people=people)
    return len(made)
