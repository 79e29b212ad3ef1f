"""Ingestion over the REST API (admins): quarantined events and allowed browser origins."""

from datetime import datetime

from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import HttpError

from pacer.core.api_schema import BODY_ERRORS, ERRORS, MAX_ID, MAX_OFFSET, NOT_FOUND, text
from pacer.core.permissions import endpoint
from pacer.ingest import actions, selectors
from pacer.ingest.actions import MAX_ORIGINS

router = Router(tags=["ingest"])
EventId = Path(..., ge=1, le=MAX_ID)


class QuarantinedOut(Schema):
    id: int
    message_id: str
    type: str
    event: str
    name: str
    user_id: str
    anonymous_id: str
    timestamp: datetime
    received_at: datetime
    quarantined_at: datetime
    reason: str = Field(..., alias="quarantine_reason", description="field: why it failed")
    properties: dict


class ReprocessedOut(Schema):
    id: int = Field(..., description="the event's new id: it is pending again, at the end")
    message_id: str
    pending: bool


class Origins(Schema):
    origins: list[text(200, min_length=1)] = Field(
        ...,
        max_length=MAX_ORIGINS,
        description="scheme and host (and port) browsers may send events from; empty: any",
    )


def _found(request, event_id: int):
    event = selectors.quarantined_event(request.workspace.pk, event_id)
    if event is None:
        raise HttpError(404, "event_id: no quarantined event with this id in this workspace")
    return event


@router.get("/quarantine", response={200: list[QuarantinedOut], **ERRORS})
@endpoint("ingest.manage")
def list_quarantined(
    request,
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=MAX_OFFSET),
):
    """Events processing set aside, newest first, with the reason each failed."""
    return list(selectors.quarantined(request.workspace.pk)[offset : offset + limit])


@router.post(
    "/quarantine/{event_id}/reprocess", response={200: ReprocessedOut, **ERRORS, **NOT_FOUND}
)
@endpoint("ingest.manage")
def reprocess(request, event_id: int = EventId):
    """Queue the event again (under a new id, after every other); the worker processes it."""
    _found(request, event_id)
    return actions.reprocess(request.workspace, event_id, actor=request.user)


@router.post("/quarantine/{event_id}/discard", response={204: None, **ERRORS, **NOT_FOUND})
@endpoint("ingest.manage")
def discard(request, event_id: int = EventId):
    """Delete the event for good."""
    _found(request, event_id)
    actions.discard(request.workspace, event_id, actor=request.user)
    return Status(204, None)


@router.get("/origins", response={200: Origins, **ERRORS})
@endpoint("ingest.manage")
def get_origins(request):
    """The origins browsers may send this workspace's events from (empty: any)."""
    return {"origins": selectors.allowed_origins(request.workspace.pk)}


@router.put("/origins", response={200: Origins, **ERRORS, **BODY_ERRORS})
@endpoint("ingest.manage")
def put_origins(request, payload: Origins):
    origins = actions.set_allowed_origins(request.workspace, payload.origins, actor=request.user)
    return {"origins": origins}
