"""The hourly rebuild evaluates each segment before its transaction: on SQLite a
transaction holds the one write lock from its ``BEGIN IMMEDIATE``, and the demo's first
rebuild read its 20,000 contacts under it for 7 s at load 12 while every loop and sign-in
waited. Only the changes are written in the transaction; a segment redefined between its
evaluation and its transaction keeps what its redefinition made."""

import pytest
from django.db import connection

from pacer.core import faults
from pacer.people.models import Contact
from pacer.segments import actions
from pacer.segments.models import MembershipChange, Segment
from tests.segments.test_compiled import group, members, stage

pytestmark = pytest.mark.django_db(transaction=True)
CONTACTS = Contact._meta.db_table


@pytest.fixture
def people(workspace):
    return [
        Contact.objects.create(workspace=workspace, email=f"p{n}@x.io", lifecycle_stage=stage_)
        for n, stage_ in enumerate(["lead", "customer", "lead", "lead", "customer"])
    ]


def statements(run) -> tuple[list[str], list[str]]:
    """The SQL ``run`` sent inside a transaction, and outside one."""
    inside: list[str] = []
    outside: list[str] = []

    def watch(execute, sql, params, many, context):
        (inside if connection.in_atomic_block else outside).append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        run()
    return inside, outside


def test_the_hourly_rebuild_reads_its_contacts_before_its_transaction(workspace, people):
    leads = actions.create_segment(workspace, name="Leads", definition=group(stage("lead")))
    buyers = actions.create_segment(workspace, name="Buyers", definition=group(stage("customer")))
    Contact.objects.filter(pk=people[0].pk).update(lifecycle_stage="customer")  # not on the feed
    changed = []

    inside, outside = statements(lambda: changed.append(actions.rebuild_all()))

    assert changed == [2]  # p0 left Leads and entered Buyers
    assert members(leads) == {people[2].pk, people[3].pk}
    assert members(buyers) == {people[0].pk, people[1].pk, people[4].pk}
    assert any(CONTACTS in sql for sql in outside)  # the evaluation, outside
    assert inside and not [sql for sql in inside if CONTACTS in sql]


def test_a_segment_redefined_after_its_evaluation_keeps_its_new_members(workspace, people):
    leads = actions.create_segment(workspace, name="Leads", definition=group(stage("lead")))
    Contact.objects.filter(pk=people[1].pk).update(lifecycle_stage="lead")  # not on the feed
    redefined = []

    def redefine():  # the marketer saves a new definition while the loop evaluated the old
        if not redefined:
            segment = Segment.objects.get(pk=leads.pk)
            actions.update_segment(
                workspace, segment, name="Leads", definition=group(stage("customer"))
            )
            redefined.append(True)

    with faults.hooked("segments.rebuild.evaluated", redefine):
        assert actions.rebuild_all() == 0

    assert members(leads) == {people[4].pk}  # the customers, as the update made it
    # made when it was created (3 leads), then by the redefinition (they left, p4 came)
    assert MembershipChange.objects.filter(segment=leads).count() == 3 + 3 + 1
    leads.refresh_from_db()
    assert leads.definition["children"][0]["value"] == "customer"
    assert actions.rebuild_all() == 0  # nothing left to change


def test_a_contact_changed_on_the_feed_after_the_evaluation_is_not_put_back(workspace, people):
    from django.db import transaction

    from pacer.core import feed

    leads = actions.create_segment(workspace, name="Leads", definition=group(stage("lead")))
    assert members(leads) == {people[0].pk, people[2].pk, people[3].pk}
    moved = []

    def becomes_a_customer():  # while the loop evaluated, p0 bought: the feed saw it
        if not moved:
            with transaction.atomic():
                Contact.objects.filter(pk=people[0].pk).update(lifecycle_stage="customer")
                feed.publish(workspace.pk, source="test", contact_ids=[people[0].pk])
            while feed.deliver_all():
                pass
            moved.append(True)

    with faults.hooked("segments.rebuild.evaluated", becomes_a_customer):
        assert actions.rebuild_all() == 0  # the evaluation's stale "p0 is a lead" not applied

    assert members(leads) == {people[2].pk, people[3].pk}
    history = list(
        MembershipChange.objects.filter(segment=leads, contact=people[0])
        .order_by("id")
        .values_list("change", "source")
    )
    assert history == [("entered", "full"), ("exited", "feed")]
