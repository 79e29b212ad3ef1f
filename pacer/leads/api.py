"""Leads over the REST API: capture, list, one lead with its history, stage moves, stages,
activities and calls logged."""

from datetime import datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile

from pacer.core import clock
from pacer.core.api_schema import BODY_ERRORS, ERRORS, MAX_OFFSET, NOT_FOUND, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.leads import actions, followup, lead_csv, selectors
from pacer.leads.models import ActivityKind, CallOutcome, Lead, StageKind
from pacer.leads.stages import stages

router = Router(tags=["leads"])


class ConsentIn(Schema):
    purpose: text(60, min_length=1, examples=["marketing"])
    channel: text(20, min_length=1, examples=["email"])
    granted: bool
    wording: text(2000) = Field("", description="what the person agreed to (required if granted)")


class LeadIn(Schema):
    email: text(254) = ""
    phone: text(40) = ""
    first_name: text(100) = ""
    last_name: text(100) = ""
    postal_code: text(20) = ""
    location: text(60) = Field("", description="a location code of the workspace")
    latitude: float | None = Field(None, ge=-90, le=90, description="for the nearest location")
    longitude: float | None = Field(None, ge=-180, le=180)
    product: text(100) = Field("", description="what the lead asks about (routing rules)")
    form: text(100) = ""
    page_url: text(2000) = ""
    referrer: text(2000) = ""
    utm_source: text(200) = ""
    utm_medium: text(200) = ""
    utm_campaign: text(200) = ""
    utm_content: text(200) = ""
    utm_term: text(200) = ""
    anonymous_id: text(200) = ""
    submission_id: text(100) = Field("", description="repeat it and no second lead is made")
    consents: list[ConsentIn] = Field([], max_length=actions.MAX_CONSENTS)


class CapturedOut(Schema):
    submission_id: str
    status: Literal["accepted", "duplicate", "suppressed"]


class ImportedOut(Schema):
    rows: int = Field(description="rows in the file")
    new: int = Field(description="leads made now")
    duplicates: int = Field(description="rows imported before (the same content or submission_id)")
    suppressed: int = Field(description="rows of people who asked to be forgotten: not stored")


class LeadOut(Schema):
    id: int
    contact_id: int
    created_at: datetime
    form: str
    source: str
    channel: str
    campaign: str
    location_id: int | None
    stage: str
    stage_changed_at: datetime
    reason: str
    owner_id: int | None


class StageChangeOut(Schema):
    from_stage: str
    to_stage: str
    at: datetime
    by: str
    actor_id: int | None
    reason: str


class ActivityOut(Schema):
    kind: ActivityKind
    outcome: str
    next_step: str
    at: datetime
    actor_id: int | None


class LeadDetailOut(LeadOut):
    respond_by: datetime | None
    first_response_at: datetime | None
    next_touch_by: datetime | None = Field(
        description="when the next response is due (its stage's next-touch time); null: none"
    )
    history: list[StageChangeOut]
    activities: list[ActivityOut]


class ActivityIn(Schema):
    kind: ActivityKind
    outcome: text(500) = ""
    next_step: text(500) = ""


class LeadCallIn(Schema):
    outcome: CallOutcome = Field(description="how the call went")
    note: text(followup.MAX_CALL_NOTE) = Field(
        "", description="optional; kept after the outcome's words ('Left a voicemail: back at 4')"
    )


class LeadQuery(Schema):
    stage: text(40) = ""
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class MoveIn(Schema):
    stage: text(40, min_length=1)
    reason: text(500) = ""


class StageIO(Schema):
    key: text(40, min_length=1, pattern=r"^[a-z0-9_-]+$")
    label: text(100, min_length=1)
    kind: StageKind = StageKind.OPEN


@router.post("", response={202: CapturedOut, **ERRORS, **BODY_ERRORS})
@endpoint("leads.capture")
def capture(request, payload: LeadIn):
    """Accept a lead; it is resolved to a contact and listed within seconds."""
    captured = actions.capture(
        request.workspace, payload.dict(), source="api", received_at=timezone.now()
    )
    return Status(202, {"submission_id": captured.submission_id, "status": captured.status})


@router.post(
    "/import",
    response={201: ImportedOut, **ERRORS, **BODY_ERRORS},
    openapi_extra={
        "requestBody": {
            "content": {
                "multipart/form-data": {
                    "schema": {"properties": {"file": {"maxLength": lead_csv.MAX_BYTES}}}
                }
            }
        }
    },
)
@endpoint("leads.configure")
def import_file(request, file: File[UploadedFile]):
    """Leads from a CSV file (multipart, field ``file``; UTF-8, a header row, at most
    5,000 rows and 2 MB; columns as on the import page), all or nothing: any refusal is
    a 422 naming ``file`` or ``rows[i].field`` and nothing is written. Importing the same
    file again makes no second lead (``duplicates``)."""
    if file.size > lead_csv.MAX_BYTES:
        raise lead_csv.too_big(file.size)
    rows = lead_csv.read_rows(file.read())
    captured = actions.capture_rows(request.workspace, rows, source="csv", received_at=clock.now())
    counts = {
        status: sum(c.status == status for c in captured)
        for status in ("accepted", "duplicate", "suppressed")
    }
    return Status(
        201,
        {
            "rows": len(captured),
            "new": counts["accepted"],
            "duplicates": counts["duplicate"],
            "suppressed": counts["suppressed"],
        },
    )


@router.get("", response={200: list[LeadOut], **ERRORS})
@endpoint("leads.view")
def list_leads(request, query: Query[LeadQuery]):
    rows = selectors.leads(request.workspace, stage=query.stage)
    return list(rows[query.offset : query.offset + query.limit])


def _lead(request, lead_id: int) -> Lead:
    found = selectors.lead(request.workspace, lead_id)
    if found is None:
        raise NotFound("lead_id", "no such lead in this workspace")
    return found


def _detail(request, found: Lead) -> dict:
    return {
        **LeadOut.from_orm(found).dict(),
        "respond_by": found.respond_by,
        "first_response_at": found.first_response_at,
        "next_touch_by": found.next_touch_by,
        "history": selectors.history(request.workspace, found.pk),
        "activities": selectors.activities(request.workspace, found.pk),
    }


@router.get("/stages", response={200: list[StageIO], **ERRORS})
@endpoint("leads.view")
def list_stages(request):
    return stages(request.workspace)


class StagesIn(Schema):
    stages: list[StageIO] = Field(min_length=1, max_length=30, description="in order")


@router.put("/stages", response={200: list[StageIO], **ERRORS, **BODY_ERRORS})
@endpoint("leads.configure")
def put_stages(request, payload: StagesIn):
    """Replace the stage list (a stage that leads are in cannot be dropped)."""
    actions.set_stages(request.workspace, [s.dict() for s in payload.stages], actor=request.user)
    return stages(request.workspace)


@router.get("/{lead_id}", response={200: LeadDetailOut, **ERRORS, **NOT_FOUND})
@endpoint("leads.view")
def get_lead(request, lead_id: Id):
    return _detail(request, _lead(request, lead_id))


@router.post(
    "/{lead_id}/stage", response={200: LeadDetailOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND}
)
@endpoint("leads.work")
def move(request, lead_id: Id, payload: MoveIn):
    """Move the lead to another stage (a lost stage needs a reason)."""
    moved = actions.move_stage(
        request.workspace,
        _lead(request, lead_id).pk,
        payload.stage,
        at=timezone.now(),
        actor=request.user,
        reason=payload.reason,
    )
    return _detail(request, moved)


@router.post(
    "/{lead_id}/activities",
    response={200: LeadDetailOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("leads.work")
def log(request, lead_id: Id, payload: ActivityIn):
    """Log a call, email, SMS, meeting (each a response: the first stops the clock) or note."""
    found = _lead(request, lead_id)
    followup.log_activity(
        request.workspace,
        found.pk,
        payload.kind,
        at=timezone.now(),
        actor=request.user,
        outcome=payload.outcome,
        next_step=payload.next_step,
    )
    found.refresh_from_db()
    return _detail(request, found)


@router.post(
    "/{lead_id}/calls",
    response={200: LeadDetailOut, **ERRORS, **BODY_ERRORS, **NOT_FOUND},
)
@endpoint("leads.work")
def log_call(request, lead_id: Id, payload: LeadCallIn):
    """Log a call with how it went (the staff inbox's action): the first response stops
    the clock; each call to an open lead sets when its next touch is due."""
    found = _lead(request, lead_id)
    followup.log_call(
        request.workspace,
        found.pk,
        payload.outcome,
        payload.note,
        at=clock.now(),
        actor=request.user,
    )
    found.refresh_from_db()
    return _detail(request, found)
