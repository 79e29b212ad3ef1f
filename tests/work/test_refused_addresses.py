"""The card page's refused reason to go over a limit (issue 11): the error box links to
the field as it is (id ``override-reason``), not to a #field-override_reason that is not
on the page; the other reasons keep their links; nothing is written."""

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.work import actions
from pacer.work.models import Card
from tests.web.error_links import broken_error_links, error_links
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowded(board, bob):
    """Bob holds two in-progress cards (the limit); 'launch' is in Doing."""
    for title in ("x", "y"):
        actions.create_card(
            board, title=title, column=column(board, "Review").pk, assignee=bob.pk, now=NOW
        )
    return actions.create_card(board, title="launch", column=column(board, "Doing").pk, now=NOW)


def test_a_refused_override_links_to_its_field(crowded, admin, bob):
    client = Client()
    client.force_login(admin)
    audits = AuditEntry.objects.count()
    form = {"op": "edit", "title": "launch v2", "assignee": str(bob.pk), "estimate": "3"}
    form["override_reason"] = "x" * 301  # longer than its 300 characters
    response = client.post(f"/work/cards/{crowded.pk}/", form)
    assert response.status_code == 422
    page = response.content.decode()
    assert broken_error_links(page) == []
    assert "override-reason" in error_links(page)
    assert 'id="override-reason"' in page
    after = Card.objects.get(pk=crowded.pk)
    assert (after.title, after.assignee_id) == ("launch", None)
    assert 'value="launch v2"' in page
    assert AuditEntry.objects.count() == audits
