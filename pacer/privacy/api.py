"""Privacy over the REST API: export a person, erase a person (admins)."""

from datetime import datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from pacer.core.api_schema import BODY_ERRORS, ERRORS, ErrorOut, text
from pacer.core.permissions import endpoint
from pacer.privacy import actions

router = Router(tags=["privacy"])


class IdentifiersIn(Schema):
    """At least one identifier of the person."""

    email: text(254) = ""
    phone: text(40) = ""
    user_id: text(200) = ""
    anonymous_id: text(200) = ""


class ErasureOut(Schema):
    request_id: int
    status: str = Field(description="done, or warehouse_pending (the worker will finish)")
    counts: dict[str, int] = Field(description="rows removed per table (audit: redacted)")
    requested_at: datetime


@router.get(
    "/export",
    response={200: dict, **ERRORS},
    description="Everything both stores hold about the person, as one JSON document.",
)
@endpoint("privacy.export")
def export(request, query: Query[IdentifiersIn]):
    document = actions.export_person(request.workspace, query.dict(), actor=request.user)
    return HttpResponse(actions.as_json(document), content_type="application/json")


@router.post("/erase", response={200: ErasureOut, **ERRORS, **BODY_ERRORS, 503: ErrorOut})
@endpoint("privacy.erase")
def erase(request, payload: IdentifiersIn):
    try:
        done = actions.erase_person(request.workspace, payload.dict(), actor=request.user)
    except actions.WarehouseBusy as error:
        raise HttpError(503, str(error)) from None
    return {
        "request_id": done.pk,
        "status": done.status,
        "counts": done.counts,
        "requested_at": done.requested_at,
    }
