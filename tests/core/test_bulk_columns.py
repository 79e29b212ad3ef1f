"""``pacer.core.bulk.insert_columns`` (rows given column by column, what a large import
writes) and the bulk writers' SQLite path straight to the driver: the same rows as the
ORM's, refusals before anything is written, the driver's errors as Django's."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from pacer.core.bulk import insert_columns, insert_rows
from pacer.people.models import Contact, Identity, Location

pytestmark = pytest.mark.django_db
WHEN = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
SKIP = {"id", "created_at", "updated_at"}  # the id, and what is stamped at the moment


def _stored(contact_id: int) -> dict:
    row = Contact.objects.filter(pk=contact_id).values().get()
    return {name: value for name, value in row.items() if name not in SKIP}


def test_rows_given_by_column_are_stored_as_the_orm_stores_them(workspace):
    store = Location.objects.create(workspace=workspace, code="N1", name="North")
    columns = {
        "workspace_id": [workspace.pk, workspace.pk],
        "email": ["a@x.com", ""],
        "location_id": [store.pk, None],
        "traits": [{"tier": "gold", "n": 2}, {}],
        "lead_at": [WHEN, None],
        "revenue": [Decimal("12.50"), Decimal("0")],
    }
    ids = insert_columns(Contact, columns)
    assert list(ids) == sorted(ids) and len(ids) == 2
    orm = [
        Contact.objects.create(
            workspace=workspace,
            email="a@x.com",
            location=store,
            traits={"tier": "gold", "n": 2},
            lead_at=WHEN,
            revenue=Decimal("12.50"),
        ),
        Contact.objects.create(workspace=workspace),
    ]
    for made, expected in zip(ids, orm, strict=True):
        assert _stored(made) == _stored(expected.pk)
    assert _stored(ids[0])["traits"] == {"tier": "gold", "n": 2}
    assert _stored(ids[0])["lead_at"] == WHEN and _stored(ids[1])["lead_at"] is None
    assert insert_columns(Contact, {"email": []}) == []


def test_columns_of_different_lengths_or_an_unknown_field_write_nothing(workspace):
    with pytest.raises(ValueError, match="columns: must all have the same length"):
        insert_columns(Contact, {"workspace_id": [workspace.pk] * 2, "email": ["a@x.com"]})
    with pytest.raises(ValueError, match="columns: Contact has no field nickname"):
        insert_columns(Contact, {"workspace_id": [workspace.pk], "nickname": ["Al"]})
    assert not Contact.objects.exists()


def test_a_driver_error_is_djangos_and_the_transaction_writes_nothing(workspace):
    (contact_id,) = insert_columns(Contact, {"workspace_id": [workspace.pk]})
    row = (workspace.pk, contact_id, "email", "a@x.com", WHEN)
    fields = ["workspace", "contact", "kind", "value", "created_at"]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Identity, fields, [row, (workspace.pk, contact_id, "phone", "+1555", WHEN)])
        insert_rows(Identity, fields, [row])  # (workspace, kind, value) is unique
    assert not Identity.objects.exists()
    insert_rows(Identity, fields, [row])
    assert list(Identity.objects.values_list("kind", "value", "created_at")) == [
        ("email", "a@x.com", WHEN)
    ]
