"""Deleting a spend line dated in a closed month: refused at its day, on its edit page
(422). It answered 500 (the refusal was not caught), whatever the form held; found by a
hostile-input walk of the demo's forms, whose spend reaches closed months."""

import pytest

from pacer.core.models import AuditEntry
from pacer.planning.close_actions import close_month
from pacer.planning.models import SpendEntry
from tests.planning.test_spend_pages import LINE, client, ledger  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_a_spend_line_in_a_closed_month_is_not_deleted_and_says_why(client, workspace):  # noqa: F811
    client.post("/spend/new/", LINE)
    line = SpendEntry.objects.get()
    close_month(workspace, "2026-03")
    before, audited = ledger(), AuditEntry.objects.count()
    response = client.post(f"/spend/{line.pk}/edit/", {"delete": "1"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="field-day-error"><p>2026-03 is closed: an admin must reopen it' in page
    assert 'value="2026-03-02"' in page and 'value="1250.40"' in page
    assert (ledger(), AuditEntry.objects.count()) == (before, audited)
