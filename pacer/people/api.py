"""Contacts over the REST API."""

from datetime import datetime
from typing import Literal

from ninja import Field, Query, Router, Schema

from pacer.core.api_schema import BODY_ERRORS, ERRORS, MAX_OFFSET, NOT_FOUND, Id, text
from pacer.core.errors import NotFound
from pacer.core.permissions import endpoint
from pacer.ingest.selectors import events_of
from pacer.people import actions, selectors
from pacer.people.models import Contact, LifecycleStage

router = Router(tags=["people"])


class ContactOut(Schema):
    id: int
    email: str
    phone: str
    first_name: str
    last_name: str
    lifecycle_stage: str
    traits: dict
    location_id: int | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    order_count: int
    revenue: float
    last_order_at: datetime | None
    acquisition_channel: str
    acquisition_campaign: str


class ContactQuery(Schema):
    search: text(254) = Field("", description="part of an email, name or phone")
    stage: Literal[("", *LifecycleStage.values)] = ""
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


@router.get("/contacts", response={200: list[ContactOut], **ERRORS})
@endpoint("contacts.view")
def list_contacts(request, query: Query[ContactQuery]):
    rows = selectors.contacts(request.workspace, search=query.search, stage=query.stage)
    return list(rows[query.offset : query.offset + query.limit])


def _contact(request, contact_id: int) -> Contact:
    found = selectors.contact(request.workspace, contact_id)
    if found is None:
        raise NotFound("contact_id", "no such contact in this workspace")
    return found


@router.get("/contacts/{contact_id}", response={200: ContactOut, **ERRORS, **NOT_FOUND})
@endpoint("contacts.view")
def get_contact(request, contact_id: Id):
    return _contact(request, contact_id)


class EventOut(Schema):
    message_id: str
    type: str
    event: str
    name: str
    timestamp: datetime
    channel: str
    utm_source: str
    utm_medium: str
    utm_campaign: str
    properties: dict


class EventQuery(Schema):
    limit: int = Field(100, ge=1, le=1000)


@router.get("/contacts/{contact_id}/events", response={200: list[EventOut], **ERRORS, **NOT_FOUND})
@endpoint("contacts.view")
def contact_events(request, contact_id: Id, query: Query[EventQuery]):
    """The contact's events, newest first (merged-away ids lead to the survivor)."""
    found = _contact(request, contact_id)
    return events_of(request.workspace.pk, found.pk, limit=query.limit)


class ConsentOut(Schema):
    channel: str
    purpose: str
    granted: bool


@router.get(
    "/contacts/{contact_id}/consent", response={200: list[ConsentOut], **ERRORS, **NOT_FOUND}
)
@endpoint("contacts.view")
def contact_consent(request, contact_id: Id):
    """The latest decision per channel and purpose."""
    latest = selectors.current_consent(request.workspace, _contact(request, contact_id).pk)
    return [
        {"channel": channel, "purpose": purpose, "granted": granted}
        for (channel, purpose), granted in sorted(latest.items())
    ]


class LocationOut(Schema):
    id: int
    code: str
    name: str
    city: str
    time_zone: str = Field(description="an IANA zone; empty: the workspace's zone")


class LocationIn(Schema):
    code: text(40, min_length=1)
    name: text(200, min_length=1)
    city: text(100) = ""
    time_zone: text(60) = Field(
        "", description="an IANA zone such as Asia/Tokyo; empty: the workspace's zone"
    )


@router.get("/locations", response={200: list[LocationOut], **ERRORS})
@endpoint("contacts.view")
def list_locations(request):
    """The workspace's locations, by name."""
    return selectors.locations(request.workspace)


@router.put("/locations", response={200: LocationOut, **ERRORS, **BODY_ERRORS})
@endpoint("locations.manage")
def put_location(request, payload: LocationIn):
    """Create the location with this code, or change its name, city and time zone."""
    return actions.save_location(request.workspace, **payload.dict(), actor=request.user)
