"""Contacts over the REST API."""

from datetime import datetime

from ninja import Router, Schema
from ninja.errors import HttpError

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
def list_contacts(request, search: str = "", stage: str = "", limit: int = 50, offset: int = 0):
    if not 1 <= limit <= 500:
        raise HttpError(422, "limit: must be between 1 and 500")
    rows = selectors.contacts(request.workspace, search=search, stage=stage)
    return list(rows[offset : offset + limit])


@router.get("/contacts/{contact_id}", response=ContactOut)
def get_contact(request, contact_id: int):
    found = selectors.contact(request.workspace, contact_id)
    if found is None:
        raise HttpError(404, "contact_id: no such contact in this workspace")
    return found
