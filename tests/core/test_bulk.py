"""Append order: rows of cursor-synced tables become visible in id order."""

import threading
import time

import pytest
from django.db import connection, transaction

from pacer.core.bulk import lock_appends
from pacer.ingest.models import Event


@pytest.mark.django_db(transaction=True)
def test_an_append_waits_for_the_open_one_to_commit():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has a single writer: appends are already in commit order")
    events: dict[str, float] = {}
    holding = threading.Event()

    def first() -> None:
        with transaction.atomic():
            lock_appends(Event)
            holding.set()
            time.sleep(0.5)
            events["first_commits"] = time.monotonic()
        connection.close()

    def second() -> None:
        holding.wait()
        with transaction.atomic():
            lock_appends(Event)
            events["second_locks"] = time.monotonic()
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert events["second_locks"] >= events["first_commits"]


@pytest.mark.django_db
def test_insert_returning_ids_sets_keys_and_stores_every_field(workspace):
    from decimal import Decimal

    from pacer.core.bulk import db_datetime, db_json, fetch_rows, insert_returning_ids
    from pacer.people.models import Account, Contact

    account = Account.objects.create(workspace=workspace, group_id="g1", name="G")
    people = [
        Contact(workspace=workspace, email=f"p{i}@x.com", traits={"n": i}, revenue=Decimal("2.50"))
        for i in range(3)
    ]
    people[1].account = account
    insert_returning_ids(Contact, people)
    assert [p.pk for p in people] == sorted(p.pk for p in people) and people[0].pk is not None
    stored = {c.pk: c for c in Contact.objects.all()}
    assert [stored[p.pk].email for p in people] == ["p0@x.com", "p1@x.com", "p2@x.com"]
    assert stored[people[1].pk].account == account and stored[people[0].pk].account is None
    assert stored[people[2].pk].traits == {"n": 2} and stored[people[2].pk].revenue == Decimal(
        "2.5"
    )
    assert stored[people[0].pk].created_at is not None
    raw = fetch_rows(Contact.objects.filter(pk=people[0].pk).values_list("created_at", "traits"))
    created, traits = raw[0]
    assert db_datetime(created) == stored[people[0].pk].created_at
    assert db_json(traits) == {"n": 0}


@pytest.mark.django_db
def test_loaded_rows_read_like_the_orm_and_write_only_changed_columns(workspace):
    from datetime import UTC, datetime
    from decimal import Decimal

    from pacer.core.bulk import LoadedRows
    from pacer.people.models import Account, Contact

    seen = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    stored = Contact.objects.create(
        workspace=workspace,
        email="a@x.com",
        traits={"plan": "gold"},
        revenue=Decimal("12.30"),
        first_seen_at=seen,
    )
    loaded = LoadedRows(Contact, [stored.pk])
    ada = loaded.objects[stored.pk]
    for field in Contact._meta.concrete_fields:
        assert getattr(ada, field.attname) == getattr(stored, field.attname), field.name
    assert loaded.unchanged()

    ada.last_seen_at = seen
    ada.account = Account(workspace=workspace, group_id="g1")  # gets its id only later
    ada.account.save()
    # meanwhile another writer changes a column this batch did not touch
    Contact.objects.filter(pk=stored.pk).update(email="new@x.com")
    assert not loaded.unchanged()
    loaded.save([ada], ["email", "traits", "last_seen_at", "account", "revenue"])
    stored.refresh_from_db()
    assert stored.email == "new@x.com" and stored.last_seen_at == seen
    assert stored.account == ada.account and stored.revenue == Decimal("12.30")
