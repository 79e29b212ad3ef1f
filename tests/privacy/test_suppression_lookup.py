"""The suppression check reads the identifiers it is given only as far as it needs: a
workspace that erased nobody costs one query and the first identifier (an import of a
million rows builds nothing for it), and one that erased somebody still finds every
erased identifier, the first one included."""

import pytest

from pacer.ingest.csv_io import import_contacts
from pacer.people.models import Contact, Identity
from pacer.privacy.actions import erase_person
from pacer.privacy.selectors import suppressed

pytestmark = pytest.mark.django_db
MAPPING = {"email": "email", "phone": "phone"}


def _counted(keys: list, taken: list):
    for key in keys:
        taken.append(key)
        yield key


def test_nobody_erased_reads_no_identifier_past_the_first_value(
    workspace, django_assert_num_queries
):
    taken: list = []
    keys = [("email", ""), ("email", "a@x.com"), *[("phone", f"+1555{i:07d}") for i in range(50)]]
    with django_assert_num_queries(1):
        assert suppressed(workspace, _counted(keys, taken)) == set()
    assert taken == keys[:2]


def test_no_value_asked_is_answered_without_a_query(workspace, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert suppressed(workspace, iter([("email", ""), ("phone", "")])) == set()


def test_the_first_identifier_asked_is_checked_too(workspace):
    erase_person(workspace, {"email": "gone@example.org"})
    keys = [("email", ""), ("email", "Gone@Example.org"), ("phone", "+15550100"), ("user_id", "u")]
    assert suppressed(workspace, iter(keys)) == {("email", "Gone@Example.org")}


@pytest.mark.parametrize("row", [2, 40])
def test_an_import_drops_an_erased_address_wherever_its_row_is(workspace, row):
    erase_person(workspace, {"email": "gone@example.org"})
    lines = [f"p{i}@x.com,+1555{i:07d}" for i in range(60)]
    lines[row - 2] = "GONE@example.org,"
    report = import_contacts(workspace, "email,phone\n" + "\n".join(lines) + "\n", MAPPING)
    assert (report.created, report.suppressed, report.rejected) == (59, 1, [])
    assert not Contact.objects.filter(workspace=workspace, email="gone@example.org").exists()
    assert not Identity.objects.filter(workspace=workspace, value="gone@example.org").exists()
    assert Identity.objects.filter(workspace=workspace).count() == 59 * 2
