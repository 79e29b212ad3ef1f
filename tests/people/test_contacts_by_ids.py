"""Many contacts in one read: keyed by the id asked for, merges followed, other
workspaces' contacts absent, a fixed number of queries whatever the number of ids."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacer.core import actions as core_actions
from pacer.people.models import Contact
from pacer.people.selectors import contact, contacts_by_ids

pytestmark = pytest.mark.django_db


def test_contacts_by_ids_follows_merges_and_stays_in_the_workspace(workspace):
    ann = Contact.objects.create(workspace=workspace, email="ann@x.test")
    bea = Contact.objects.create(workspace=workspace, email="bea@x.test", merged_into=ann)
    cy = Contact.objects.create(workspace=workspace, email="cy@x.test", merged_into=bea)
    other = core_actions.create_workspace("Other", slug="other")
    stranger = Contact.objects.create(workspace=other, email="s@x.test")
    found = contacts_by_ids(workspace, [ann.pk, bea.pk, cy.pk, stranger.pk, 10**9])
    assert {k: v.pk for k, v in found.items()} == {ann.pk: ann.pk, bea.pk: ann.pk, cy.pk: ann.pk}
    assert all(found[pk] == contact(workspace, pk) for pk in found)


def test_contacts_by_ids_costs_the_same_queries_for_two_or_forty_ids(workspace):
    rows = [Contact.objects.create(workspace=workspace, email=f"p{i}@x.test") for i in range(40)]
    counts = []
    for size in (2, 40):
        with CaptureQueriesContext(connection) as queries:
            found = contacts_by_ids(workspace, [row.pk for row in rows[:size]])
        assert len(found) == size
        counts.append(len(queries))
    assert counts == [1, 1]
