"""Searching leads by their person (a card's link picker): a full name with a space ("Ana
Ruiz") matches the first and last name together, as well as each name, the email or the
phone on its own; only the workspace's own leads, newest first."""

from datetime import UTC, datetime, timedelta

import pytest

from pacer.core import actions as core
from pacer.leads.models import Lead
from pacer.leads.selectors import lead_search
from pacer.people.models import Contact

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)


def _lead(workspace, first: str, last: str, email: str, minutes: int = 0) -> Lead:
    person = Contact.objects.create(
        workspace=workspace, first_name=first, last_name=last, email=email
    )
    when = AT + timedelta(minutes=minutes)
    return Lead.objects.create(
        workspace=workspace,
        contact=person,
        event_id=minutes + 1,
        created_at=when,
        source="form",
        stage="lead",
        stage_changed_at=when,
    )


@pytest.fixture
def people(workspace):
    """Ana Ruiz, then Ana Ruizova (newer), Bea Ruiz and Ana Lopez; an Ana Ruiz elsewhere."""
    elsewhere = core.create_workspace("Other", slug="other")
    _lead(elsewhere, "Ana", "Ruiz", "ana@other.test", 9)
    return {
        "ana": _lead(workspace, "Ana", "Ruiz", "ana@x.test", 1),
        "ruizova": _lead(workspace, "Ana", "Ruizova", "ar@x.test", 2),
        "bea": _lead(workspace, "Bea", "Ruiz", "bea@x.test", 3),
        "lopez": _lead(workspace, "Ana", "Lopez", "lopez@x.test", 4),
    }


def test_a_full_name_matches_first_and_last_name_together(workspace, people):
    ana, ruizova = people["ana"], people["ruizova"]
    expected = [(ruizova.pk, "Ana Ruizova"), (ana.pk, "Ana Ruiz")]  # newest first
    assert lead_search(workspace, "Ana Ruiz", 10) == expected
    assert lead_search(workspace, "  ana   RUIZ ", 10) == expected  # case and spaces
    # the end of the first name and the start of the last: "Bea Ruiz" holds it too
    assert lead_search(workspace, "a ruiz", 10) == [(people["bea"].pk, "Bea Ruiz"), *expected]
    assert lead_search(workspace, "Ruiz Ana", 10) == []  # the other way round: none
    assert lead_search(workspace, "Ana Ruiz", 1) == expected[:1]


def test_single_words_email_and_scope_as_before(workspace, people):
    found = lead_search(workspace, "ruiz", 10)
    assert [name for _, name in found] == ["Bea Ruiz", "Ana Ruizova", "Ana Ruiz"]
    assert lead_search(workspace, "lopez@x", 10) == [(people["lopez"].pk, "Ana Lopez")]
    assert all(pk in {lead.pk for lead in people.values()} for pk, _ in found)
