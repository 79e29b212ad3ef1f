"""The fast paths of ``pacer.core.bulk``: ids given by the database in list order, new
instances equal to the ORM's, long IN lists, and the paused cyclic collector."""

import gc
from decimal import Decimal

import pytest
from django.db import connection

from pacer.core.bulk import (
    NewInstances,
    cycle_collection_paused,
    fetch_in,
    insert_returning_ids,
)
from pacer.people.models import Contact, Location


@pytest.mark.django_db(transaction=True)
def test_ids_follow_the_list_outside_a_transaction_and_after_deleted_rows(workspace):
    # rows deleted at the end of the table: SQLite (AUTOINCREMENT) and PostgreSQL
    # (sequence) never hand out their ids again
    first = [Contact(workspace=workspace, email=f"old{i}@x.com") for i in range(5)]
    insert_returning_ids(Contact, first)
    Contact.objects.filter(pk__in=[c.pk for c in first[2:]]).delete()
    new = NewInstances(Contact)
    people = [new(workspace=workspace, email=f"p{i}@x.com", order_count=i) for i in range(2500)]
    insert_returning_ids(Contact, people)
    ids = [p.pk for p in people]
    assert ids == sorted(ids) and len(set(ids)) == 2500 and ids[0] > first[-1].pk
    stored = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "email"))
    assert [stored[p.pk] for p in people] == [f"p{i}@x.com" for i in range(2500)]
    counts = dict(Contact.objects.filter(pk__in=ids).values_list("pk", "order_count"))
    assert [counts[p.pk] for p in people] == list(range(2500))
    assert all(not p._state.adding and p._state.db == connection.alias for p in people)


@pytest.mark.django_db
def test_a_related_object_saved_after_it_was_assigned_is_stored_by_its_id(workspace):
    store = Location(workspace=workspace, code="N1", name="North")
    person = NewInstances(Contact)(workspace=workspace, email="a@x.com", location=store)
    store.save()  # its id exists only now
    insert_returning_ids(Contact, [person])
    assert Contact.objects.get(pk=person.pk).location_id == store.pk


@pytest.mark.django_db
def test_new_instances_equal_the_orms(workspace):
    store = Location.objects.create(workspace=workspace, code="N1", name="North")
    values = dict(workspace=workspace, email="a@x.com", location=store, revenue=Decimal("3"))
    made, orm = NewInstances(Contact)(**values), Contact(**values)
    for field in Contact._meta.concrete_fields:
        assert getattr(made, field.attname) == getattr(orm, field.attname), field.name
    assert made.workspace is workspace and made.location is store
    assert made._state.adding and made._state.db is None
    other = NewInstances(Contact)(workspace=workspace)
    other.traits["tier"] = "gold"  # each instance has its own mutable default
    assert made.traits == {} and orm.traits == {}


@pytest.mark.django_db
def test_fetch_in_reads_every_value_across_queries(workspace):
    people = [Contact(workspace=workspace, email=f"p{i}@x.com") for i in range(120)]
    insert_returning_ids(Contact, people)
    wanted = [p.pk for p in people[::2]] + [10**9]
    columns, where = ["id", "email"], {"workspace": workspace.pk}
    rows = fetch_in(Contact, columns, where, "id", wanted, per_query=7)
    assert sorted(rows) == sorted((p.pk, p.email) for p in people[::2])
    assert fetch_in(Contact, ["id"], {"workspace": workspace.pk + 1}, "id", wanted) == []


def test_the_collector_is_paused_inside_and_restored_after():
    assert gc.isenabled()
    with cycle_collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collection_paused():
        raise RuntimeError("a failed import")
    assert gc.isenabled()
    gc.disable()
    try:
        with cycle_collection_paused():
            pass
        assert not gc.isenabled()  # it was off before: left off
    finally:
        gc.enable()
