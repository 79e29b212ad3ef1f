"""A partner's login is a member of the workspace but sees only the partner portal: it
is never given a card (refused at ``assignee`` on the actions, the bulk edit and the REST
API, with nothing written), never offered as an assignee on the pages, and never told of
a comment that mentions it (an outside organisation would read the team's comments)."""

import pytest
from django.contrib.auth.models import User

from pacer.core.errors import ValidationFailed
from pacer.work import actions, bulk, comments, selectors
from pacer.work.models import Card, Notification
from tests.api_client import ApiClient
from tests.partner_login import partner_login
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db
REFUSED = "'agency-pat' may not work cards (role: Partner)"


@pytest.fixture
def outsider(workspace) -> User:
    return partner_login(workspace)


def test_a_partners_login_is_given_no_card(workspace, board, admin, bob, outsider):
    backlog = column(board, "Backlog").pk
    with pytest.raises(ValidationFailed) as refused:
        actions.create_card(board, title="Brief", column=backlog, assignee=outsider.pk, now=NOW)
    assert refused.value.errors == {"assignee": REFUSED}
    assert not Card.objects.exists()
    card = actions.create_card(board, title="Brief", column=backlog, assignee=bob.pk, now=NOW)
    with pytest.raises(ValidationFailed) as refused:
        actions.update_card(card, assignee=outsider.pk, now=NOW, actor=admin)
    assert refused.value.errors == {"assignee": REFUSED}
    answer = ApiClient(workspace, admin).patch(f"work/cards/{card.pk}", {"assignee": outsider.pk})
    assert answer.status_code == 422 and answer.json()["errors"] == {"assignee": REFUSED}
    with pytest.raises(ValidationFailed) as refused:
        bulk.bulk_edit(board, [card.pk], {"assignee": outsider.pk}, now=NOW, actor=admin)
    assert "assignee" in refused.value.errors
    card.refresh_from_db()
    assert card.assignee == bob


def test_a_partners_login_is_not_offered_nor_told_of_a_mention(
    workspace, board, admin, bob, outsider
):
    assert [user.username for user in selectors.members(workspace)] == ["ada", "bob"]
    card = actions.create_card(board, title="Brief", column=column(board, "Backlog").pk, now=NOW)
    comments.add_comment(card, "@agency-pat @bob have a look", now=NOW, actor=admin)
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["bob"]
