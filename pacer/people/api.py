"""Contacts over the REST API."""

from datetime import datetime

from ninja import Router, Schema
from ninja.errors import HttpError

from pacer.core.permissions import endpoint
from pacer.ingest.selectors import events_of
from pacer.people import selectors

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


@router.get("/contacts", response=list[ContactOut])
@endpoint("contacts.view")
def list_contacts(request, search: str = "", stage: str = "", limit: int = 50, offset: int = 0):
    if not 1 <= limit <= 500:
        raise HttpError(422, "limit: must be between 1 and 500")
    rows = selectors.contacts(request.workspace, search=search, stage=stage)
    return list(rows[offset : offset + limit])


@router.get("/contacts/{contact_id}", response=ContactOut)
@endpoint("contacts.view")
def get_contact(request, contact_id: int):
    found = selectors.contact(request.workspace, contact_id)
    if found is None:
        raise HttpError(404, "contact_id: no such contact in this workspace")
    return found


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


@router.get("/contacts/{contact_id}/events", response=list[EventOut])
@endpoint("contacts.view")
def contact_events(request, contact_id: int, limit: int = 100):
    """The contact's events, newest first (merged-away ids lead to the survivor)."""
    if not 1 <= limit <= 1000:
        raise HttpError(422, "limit: must be between 1 and 1000")
    found = selectors.contact(request.workspace, contact_id)
    if found is None:
        raise HttpError(404, "contact_id: no such contact in this workspace")
    return events_of(request.workspace.pk, found.pk, limit=limit)


@router.get("/contacts/{contact_id}/consent")
@endpoint("contacts.view")
def contact_consent(request, contact_id: int):
    """The latest decision per channel and purpose."""
    found = selectors.contact(request.workspace, contact_id)
    if found is None:
        raise HttpError(404, "contact_id: no such contact in this workspace")
    latest = selectors.current_consent(request.workspace, found.pk)
    return [
        {"channel": channel, "purpose": purpose, "granted": granted}
        for (channel, purpose), granted in sorted(latest.items())
    ]
