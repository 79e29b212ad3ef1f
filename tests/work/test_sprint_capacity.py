"""A new estimate re-checks the capacity of the card's sprint: over it is refused naming
the estimate, or made with a reason the audit log records (as a WIP-limit override); a
sprint already over may shrink; on the card page, in bulk edit and over the REST API."""

import pytest
from django.test import Client

from pacer.core.models import AuditEntry
from pacer.work import actions, bulk, sprints
from pacer.work.models import Card
from tests.api_client import ApiClient
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db
OVER = "'Sprint 1' would have {} of its 10 points planned; give a reason to go over its capacity"


@pytest.fixture
def planned(board, admin):
    """Sprint 1 (capacity 10) holds a (5 points) and b (4); c (3) is in the backlog."""
    sprint = sprints.create_sprint(board, name="Sprint 1", start="2026-03-02", weeks=2, capacity=10)
    cards = {}
    for title, points in (("a", 5), ("b", 4), ("c", 3)):
        cards[title] = actions.create_card(board, title=title, estimate=points, now=NOW)
    for title in ("a", "b"):
        sprints.plan(cards[title], sprint)
    return cards


def _estimates() -> dict:
    return dict(Card.objects.values_list("title", "estimate"))


def _audit(action: str) -> list:
    return list(
        AuditEntry.objects.filter(action=action).order_by("pk").values_list("after", flat=True)
    )


def test_an_estimate_over_the_sprints_capacity_is_refused_or_made_with_a_reason(planned, admin):
    with pytest.raises(sprints.CapacityExceeded) as refused:
        actions.update_card(planned["a"], estimate=7, now=NOW, actor=admin)
    assert refused.value.errors == {"estimate": OVER.format(11)}
    assert _estimates() == {"a": 5, "b": 4, "c": 3} and _audit("card.update") == []

    actions.update_card(planned["a"], estimate=6, now=NOW, actor=admin)  # exactly full
    actions.update_card(planned["c"], estimate=40, now=NOW, actor=admin)  # in no sprint
    actions.update_card(
        planned["a"], estimate=8, override_reason="the launch needs it", now=NOW, actor=admin
    )
    assert _estimates() == {"a": 8, "b": 4, "c": 40}
    assert _audit("card.capacity_override") == [
        {"estimate": 8, "override_reason": "the launch needs it", "capacity": OVER.format(12)}
    ]
    actions.update_card(planned["b"], estimate=3, now=NOW, actor=admin)  # over, but shrinking
    actions.update_card(planned["b"], title="b2", now=NOW, actor=admin)  # no estimate change
    assert _estimates() == {"a": 8, "b2": 3, "c": 40}
    with pytest.raises(sprints.CapacityExceeded):
        actions.update_card(planned["b"], estimate=4, now=NOW, actor=admin)


def test_a_bulk_estimate_over_capacity_is_refused_per_card_or_made_with_a_reason(
    board, planned, admin
):
    ids = [planned[t].pk for t in ("a", "b", "c")]
    with pytest.raises(bulk.BulkRefused) as refused:
        bulk.bulk_edit(board, ids, {"estimate": 6}, now=NOW, actor=admin)
    assert refused.value.per_card == {
        planned["a"].pk: {"estimate": OVER.format(12)},
        planned["b"].pk: {"estimate": OVER.format(12)},
    }
    assert _estimates() == {"a": 5, "b": 4, "c": 3}
    bulk.bulk_edit(board, ids, {"estimate": 5}, now=NOW, actor=admin)  # exactly full
    bulk.bulk_edit(board, ids, {"estimate": 6}, override_reason="agreed", now=NOW, actor=admin)
    assert _estimates() == {"a": 6, "b": 6, "c": 6}
    overrides = _audit("card.capacity_override")
    assert [(e["estimate"], e["override_reason"]) for e in overrides] == [(6, "agreed")] * 2
    assert _audit("card.wip_override") == []


def test_the_card_page_asks_for_a_reason_and_keeps_the_estimate(planned, admin):
    client = Client()
    client.force_login(admin)
    url = f"/work/cards/{planned['a'].pk}/"
    form = {"op": "edit", "title": "a", "estimate": "9", "assignee": "", "due": ""}
    refused = client.post(url, form)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert OVER.format(13).replace("'", "&#x27;") in html
    assert 'name="estimate"' in html and 'value="9"' in html
    assert 'id="override-reason"' in html and _estimates()["a"] == 5
    assert client.post(url, {**form, "override_reason": "worth it"}).status_code == 302
    assert _estimates()["a"] == 9
    assert _audit("card.capacity_override")[0]["override_reason"] == "worth it"


def test_the_rest_bulk_edit_refuses_an_estimate_over_capacity(board, planned, admin, workspace):
    api = ApiClient(workspace, admin)
    path = f"work/boards/{board.slug}/bulk"
    answer = api.post(path, {"cards": [planned["a"].pk], "estimate": 9})
    assert answer.status_code == 422, answer.content
    assert answer.json()["errors"] == {f"cards.{planned['a'].pk}.estimate": OVER.format(13)}
    assert _estimates()["a"] == 5
    answer = api.post(path, {"cards": [planned["a"].pk], "estimate": 9, "override_reason": "ok"})
    assert answer.status_code == 200 and _estimates()["a"] == 9
