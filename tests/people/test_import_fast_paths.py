"""The import's shortcuts for large files keep its results: above ``PROBE_FIRST_ABOVE``
identifiers of a kind the resolver first asks whether the workspace holds that kind at
all, and skips looking up each one when it does not; the identities of new contacts are
written with the batch's one timestamp adapted once."""

import pytest

from pacer.people import resolution
from pacer.people.imports import import_contacts
from pacer.people.models import Contact, Identity

pytestmark = pytest.mark.django_db


def _rows(count: int, start: int = 0) -> list[dict]:
    return [
        {"email": f"p{i}@x.com", "phone": f"+1555{i:07d}", "first_name": f"P{i}"}
        for i in range(start, start + count)
    ]


@pytest.fixture
def probe_first_above_2(monkeypatch):
    monkeypatch.setattr(resolution, "PROBE_FIRST_ABOVE", 2)


def test_a_large_import_into_an_empty_workspace_creates_everyone_once(
    workspace, probe_first_above_2
):
    report = import_contacts(workspace, _rows(20) + _rows(1, start=3))  # p3 twice
    assert (report.created, report.updated, report.skipped) == (20, 0, 1)
    assert Contact.objects.filter(workspace=workspace).count() == 20
    assert Identity.objects.filter(workspace=workspace).count() == 40


def test_a_large_import_finds_contacts_by_a_kind_the_workspace_holds(
    workspace, probe_first_above_2
):
    # the workspace holds emails only: phones are not looked up, emails are
    import_contacts(workspace, [{"email": "p5@x.com", "first_name": "Old"}])
    old = Contact.objects.get(workspace=workspace, email="p5@x.com")
    report = import_contacts(workspace, _rows(10), update_rule="always")
    assert (report.created, report.updated) == (9, 1)
    old.refresh_from_db()
    assert (old.first_name, old.phone) == ("P5", "+15550000005")
    assert Contact.objects.filter(workspace=workspace).count() == 10
    assert set(Identity.objects.filter(contact=old).values_list("kind", "value")) == {
        ("email", "p5@x.com"),
        ("phone", "+15550000005"),
    }


def test_a_large_import_finds_contacts_by_phone_alone(workspace, probe_first_above_2):
    import_contacts(workspace, [{"phone": "+1555 000 0007"}])
    old = Contact.objects.get(workspace=workspace, phone="+15550000007")
    report = import_contacts(workspace, _rows(10))
    assert (report.created, report.updated) == (9, 1)
    old.refresh_from_db()
    assert old.email == "p7@x.com"
    assert Contact.objects.filter(workspace=workspace).count() == 10


def test_new_identities_carry_the_import_time(workspace):
    import_contacts(workspace, _rows(3))
    contacts = Contact.objects.filter(workspace=workspace)
    times = {c.lead_at for c in contacts}
    assert len(times) == 1 and next(iter(times)).tzinfo is not None
    identities = Identity.objects.filter(workspace=workspace)
    assert {i.created_at for i in identities} == times
    assert sorted(identities.values_list("kind", flat=True)) == ["email"] * 3 + ["phone"] * 3
