"""The contact import writes a row whose identifiers nobody holds (and no other row of
the file carries) straight from its values (``imports._create_alone``); what it writes
must be exactly what resolving the row would have written. Also: the indexes the
contacts list's search needs are there after the migrations."""

from decimal import Decimal

import pytest
from django.db import connection

from pacer.core import actions
from pacer.people.imports import import_contacts
from pacer.people.models import Contact, Identity, Location

ROW = {
    "email": "Ann@Example.com",
    "phone": "+1 (555) 010-0199",
    "first_name": "Ann",
    "last_name": "Lee",
    "user_id": "u-1",
    "location": "L1",
    "trait:plan": "gold",
}
COMPARED = [
    f.attname
    for f in Contact._meta.concrete_fields
    if f.attname not in ("id", "workspace_id", "location_id", "created_at", "lead_at")
]


def _state(workspace, email):
    contact = Contact.objects.get(workspace=workspace, email=email)
    identities = sorted(
        Identity.objects.filter(contact=contact).values_list("workspace_id", "kind", "value")
    )
    location = Location.objects.get(pk=contact.location_id).code if contact.location_id else None
    fields = {name: getattr(contact, name) for name in COMPARED}
    return contact, fields, location, [(kind, value) for _, kind, value in identities]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "row",
    [
        ROW,
        {"phone": "+44 20 7946 0958", "lifecycle_stage": "customer"},  # no email: no lead
        {"email": "bo@example.com", "lifecycle_stage": "mql"},
        {"user_id": "u-9", "trait:a": "1", "trait:b": "2"},
    ],
)
def test_a_new_person_is_written_as_resolving_her_row_would(row):
    alone = actions.create_workspace("Alone", slug="alone")
    resolved = actions.create_workspace("Resolved", slug="resolved")
    for workspace in (alone, resolved):
        Location.objects.create(workspace=workspace, code="L1", name="Store 1")
    # the same row twice makes both rows go through the resolver: the first creates the
    # contact, the second changes nothing
    report = import_contacts(alone, [row])
    twice = import_contacts(resolved, [row, dict(row)])
    assert (report.created, report.updated, report.skipped) == (1, 0, 0)
    assert (twice.created, twice.updated, twice.skipped) == (1, 0, 1)
    email = (row.get("email") or "").lower()
    a_contact, a_fields, a_location, a_ids = _state(alone, email)
    r_contact, r_fields, r_location, r_ids = _state(resolved, email)
    assert a_fields == r_fields
    assert a_location == r_location == ("L1" if "location" in row else None)
    assert a_ids == r_ids and a_ids
    assert (a_contact.lead_at is None) == (r_contact.lead_at is None) == (not email)
    assert a_contact.revenue == Decimal("0") and a_contact.order_count == 0


@pytest.mark.django_db
def test_rows_sharing_an_identifier_are_one_person_and_others_are_written_alone(workspace):
    rows = [
        {"email": "a@example.com", "first_name": "A"},
        {"email": "b@example.com", "phone": "+15550100001"},
        {"phone": "+15550100001", "last_name": "Bee"},  # shares b's phone: the same person
        {"email": "c@example.com"},
    ]
    report = import_contacts(workspace, rows)
    assert (report.created, report.updated, report.skipped) == (3, 0, 1)
    b = Contact.objects.get(workspace=workspace, email="b@example.com")
    assert (b.phone, b.last_name) == ("+15550100001", "Bee")
    assert sorted(Identity.objects.filter(workspace=workspace).values_list("kind", "value")) == [
        ("email", "a@example.com"),
        ("email", "b@example.com"),
        ("email", "c@example.com"),
        ("phone", "+15550100001"),
    ]
    again = import_contacts(workspace, rows)
    assert (again.created, again.updated, again.skipped) == (0, 0, 4)
    assert Contact.objects.filter(workspace=workspace).count() == 3


@pytest.mark.django_db
def test_the_contacts_search_indexes_exist_after_the_migrations():
    with connection.cursor() as cursor:
        names = {
            index for index in connection.introspection.get_constraints(cursor, "people_contact")
        }
    assert {f"contact_search_{c}" for c in ("email", "first_name", "last_name", "phone")} <= names
