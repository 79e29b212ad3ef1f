"""On a card's page a link and a checklist item can be taken off again (issue 15 audit:
a link made by mistake stayed for good, and linking the right thing again was refused as
a duplicate only when it was the same thing). Another card's link or item, or none, is
refused at the field with nothing written; a partner's login cannot."""

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions
from pacer.work.models import CardLink, ChecklistItem
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fixed_now(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)


@pytest.fixture
def linked(board):
    """'Launch' links to journeys 7 and 8 (journeys are not checked); 'Other' to 7."""
    card = actions.create_card(board, title="Launch", now=NOW)
    other = actions.create_card(board, title="Other", now=NOW)
    for target in ("7", "8"):
        actions.add_link(card, "journey", target)
    actions.add_link(other, "journey", "7")
    return card, other


def _links():
    return sorted(CardLink.objects.values_list("card__title", "kind", "target_id"))


def test_a_link_is_removed_from_the_cards_page(ada, linked, admin):
    card, _ = linked
    page = ada.get(f"/work/cards/{card.pk}/").content.decode()
    seven = card.links.get(target_id="7")
    assert (
        f'<input type="hidden" name="link" value="{seven.pk}"><button type="submit" '
        'class="small" aria-label="Remove the link to Journey 7">×</button>'
    ) in page
    answer = ada.post(f"/work/cards/{card.pk}/", {"op": "link_remove", "link": seven.pk})
    assert (answer.status_code, answer["Location"]) == (302, f"/work/cards/{card.pk}/")
    assert _links() == [("Launch", "journey", "8"), ("Other", "journey", "7")]
    entry = AuditEntry.objects.get(action="card.unlink")
    assert (entry.actor, entry.before, entry.after) == (admin, {"journey": "7"}, None)
    again = ada.post(f"/work/cards/{card.pk}/", {"op": "link", "kind": "journey", "target_id": "7"})
    assert again.status_code == 302  # it may be linked again
    assert ("Launch", "journey", "7") in _links()


@pytest.mark.parametrize("which", ["other", "none", "huge"])
def test_removing_a_link_the_card_does_not_have_is_refused(ada, linked, which):
    card, other = linked
    value = {"other": other.links.get().pk, "none": "", "huge": "1" * 23}[which]
    before, audits = _links(), AuditEntry.objects.count()
    answer = ada.post(f"/work/cards/{card.pk}/", {"op": "link_remove", "link": value})
    assert answer.status_code == 422
    assert "Link: is not a link of this card" in answer.content.decode()
    assert (_links(), AuditEntry.objects.count()) == (before, audits)


def test_a_checklist_item_is_removed_from_the_cards_page(ada, board):
    card = actions.create_card(board, title="Launch", now=NOW)
    other = actions.create_card(board, title="Other", now=NOW)
    first, second, third = (
        actions.add_checklist_item(card, t) for t in ("Brief", "Draft", "Proof")
    )
    kept = actions.add_checklist_item(other, "Elsewhere")
    page = ada.get(f"/work/cards/{card.pk}/").content.decode()
    assert 'aria-label="Remove Draft from the checklist">×</button>' in page
    answer = ada.post(f"/work/cards/{card.pk}/", {"op": "checklist_remove", "item": second.pk})
    assert (answer.status_code, answer["Location"]) == (302, f"/work/cards/{card.pk}/")
    assert list(card.checklist.values_list("text", flat=True)) == ["Brief", "Proof"]
    added = ada.post(f"/work/cards/{card.pk}/", {"op": "checklist", "text": "Print"})
    assert added.status_code == 302
    assert list(card.checklist.values_list("text", flat=True)) == ["Brief", "Proof", "Print"]
    refused = ada.post(f"/work/cards/{card.pk}/", {"op": "checklist_remove", "item": kept.pk})
    assert refused.status_code == 422
    assert "Item: is not on this card&#x27;s checklist" in refused.content.decode()
    assert ChecklistItem.objects.filter(pk=kept.pk).exists()
    assert {first.pk, third.pk} < set(card.checklist.values_list("pk", flat=True))


def test_a_partners_login_cannot_remove(linked, workspace, board):
    """Every member may edit cards (``work.edit``); a partner's login may not."""
    card, _ = linked
    item = actions.add_checklist_item(card, "Brief")
    core.create_user(workspace, "pat", "correct-horse-9", Role.PARTNER)
    pat = Client()
    pat.login(username="pat", password="correct-horse-9")
    url = f"/work/cards/{card.pk}/"
    link = card.links.first()
    assert pat.post(url, {"op": "link_remove", "link": link.pk}).status_code == 403
    assert pat.post(url, {"op": "checklist_remove", "item": item.pk}).status_code == 403
    assert (card.links.count(), card.checklist.count()) == (2, 1)
