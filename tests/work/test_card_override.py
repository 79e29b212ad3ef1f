"""The card page's reason to go over the board's limit per person, for a card in no
sprint: a new assignee over the limit is refused naming them, the form keeps what was
asked, and with a reason the change is made and the audit log records it."""

import html

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.work import actions
from pacer.work.models import Card
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
OVER = "bob already has 2 cards in progress, the limit per person is 2; give a reason to go over"


@pytest.fixture
def crowded(board, bob):
    """Bob holds two in-progress cards (the limit); 'launch' is in Doing, in no sprint."""
    for title in ("x", "y"):
        actions.create_card(
            board, title=title, column=column(board, "Review").pk, assignee=bob.pk, now=NOW
        )
    return actions.create_card(board, title="launch", column=column(board, "Doing").pk, now=NOW)


def _page(client, card) -> str:
    return client.get(f"/work/cards/{card.pk}/").content.decode()


def test_a_card_in_no_sprint_offers_the_reason_and_an_override_is_audited(crowded, admin, bob):
    client = Client()
    client.force_login(admin)
    assert crowded.sprint_id is None
    shown = _page(client, crowded)
    assert 'id="override-reason"' in shown
    assert "Reason to go over the limit per person" in shown
    assert "a new assignee would hold more than 2 cards in progress" in shown
    form = {"op": "edit", "title": "launch v2", "assignee": str(bob.pk), "estimate": "3"}
    refused = client.post(f"/work/cards/{crowded.pk}/", form)
    assert refused.status_code == 422
    page = html.unescape(refused.content.decode())
    assert OVER in page
    assert f'<option value="{bob.pk}" selected>' in page  # the choice kept, to confirm
    assert 'value="launch v2"' in page and 'value="3"' in page
    after = Card.objects.get(pk=crowded.pk)
    assert (after.title, after.assignee_id, after.estimate) == ("launch", None, None)
    assert not AuditEntry.objects.filter(action__in=["card.update", "card.wip_override"]).exists()
    made = client.post(f"/work/cards/{crowded.pk}/", {**form, "override_reason": "launch day"})
    assert made.status_code == 302
    after = Card.objects.get(pk=crowded.pk)
    assert (after.title, after.assignee_id, after.estimate) == ("launch v2", bob.pk, 3)
    entry = AuditEntry.objects.get(action="card.wip_override")
    assert entry.actor_id == admin.pk and entry.after["override_reason"] == "launch day"
    assert entry.after["limits"] == {"assignee": OVER}
    assert entry.before["assignee"] is None and entry.after["assignee"] == bob.pk


def test_no_reason_is_offered_where_no_limit_can_apply(workspace, admin):
    board = actions.create_board(
        workspace,
        team="content",
        slug="web-board",
        name="Web",
        columns=[{"name": "To do", "stage": "todo"}, {"name": "Done", "stage": "done"}],
        actor=admin,
    )
    card = actions.create_card(board, title="free", now=NOW)
    client = Client()
    client.force_login(admin)
    assert 'name="override_reason"' not in _page(client, card)
