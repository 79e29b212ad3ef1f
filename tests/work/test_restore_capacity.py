"""Restoring an archived card puts it back in its sprint's plan, so it is checked against
the sprint's capacity like a new estimate or carried cards: over it, refused at ``sprint``
with the points planned, the capacity and the card's points, nothing changed; with a
reason, made and the reason recorded. Its sprint completed meanwhile, it goes to the
backlog unchecked."""

from datetime import UTC, datetime

import pytest
from django.test import Client

from pacer.core import actions as core
from pacer.core.models import AuditEntry
from pacer.core.roles import Role
from pacer.work import actions, archive, sprints
from pacer.work.models import Card, CardEvent, SprintMembership

pytestmark = pytest.mark.django_db
OVER = (
    "'S1' has 9 of 10 points planned; this card's 6 would go over its capacity; "
    "give a reason to go over it"
)


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, tzinfo=UTC)


@pytest.fixture
def full(board):
    """S1 (capacity 10): a (4) planned, b (6) planned then archived, c (5) planned in its
    place: 9 points planned without b."""
    s1 = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=10)
    made = {}
    for title, points in (("a", 4), ("b", 6)):
        made[title] = actions.create_card(board, title=title, estimate=points, now=_at(1))
        sprints.plan(made[title], s1, now=_at(1))
    archive.archive_card(made["b"], now=_at(2))
    made["c"] = actions.create_card(board, title="c", estimate=5, now=_at(2))
    sprints.plan(made["c"], s1, now=_at(2))
    return s1, made["b"]


def _state():
    return (
        sorted(Card.objects.values_list("pk", "sprint_id", "archived_at")),
        CardEvent.objects.count(),
        AuditEntry.objects.count(),
        SprintMembership.objects.count(),
    )


def test_restoring_over_the_sprints_capacity_is_refused_with_nothing_changed(board, full):
    s1, b = full
    before = _state()

    with pytest.raises(sprints.CapacityExceeded) as refused:
        archive.restore_card(b, now=_at(3))

    assert refused.value.errors == {"sprint": OVER}
    assert _state() == before
    assert sprints.planned_points(s1) == 9


def test_restoring_over_the_capacity_with_a_reason_is_made_and_recorded(board, full, admin):
    s1, b = full

    archive.restore_card(b, now=_at(3), override_reason="launch needs it", actor=admin)

    b.refresh_from_db()
    assert (b.archived_at, b.sprint_id) == (None, s1.pk)
    assert sprints.planned_points(s1) == 15
    assert CardEvent.objects.filter(card=b).last().override_reason == "launch needs it"
    [after] = AuditEntry.objects.filter(action="card.restore").values_list("after", flat=True)
    assert after == {"column": "Backlog", "override_reason": "launch needs it", "capacity": OVER}


def test_restoring_within_the_capacity_needs_no_reason(board, full):
    s1, b = full
    sprints.plan(board.cards.get(title="c"), None, now=_at(3))  # 4 planned: b's 6 fits

    archive.restore_card(b, now=_at(3))

    assert sprints.planned_points(s1) == 10
    assert CardEvent.objects.filter(card=b).last().override_reason == ""


def test_restoring_into_a_completed_sprint_goes_to_the_backlog_unchecked(board, full):
    s1, b = full
    sprints.complete_sprint(s1, to="backlog", now=_at(6))

    archive.restore_card(b, now=_at(7))

    b.refresh_from_db()
    assert (b.archived_at, b.sprint_id) == (None, None)
    assert list(SprintMembership.objects.filter(card=b).values_list("joined_at", "left_at")) == [
        (_at(1), _at(7))
    ]


def test_the_page_and_the_api_refuse_it_at_sprint(board, full, workspace):
    _, b = full
    user = core.create_user(workspace, "mia", "long-password-1", Role.MARKETER)
    client = Client()
    client.login(username="mia", password="long-password-1")
    _, token = core.issue_api_key(workspace, "personal", "t", user=user)
    before = _state()

    page = client.post(f"/work/cards/{b.pk}/restore/")
    body = page.content.decode()
    assert page.status_code == 422
    assert "Sprint: &#x27;S1&#x27; has 9 of 10 points planned" in body
    assert 'href="#restore-reason"' in body and "Reason to go over a limit" in body
    answer = client.post(
        f"/api/work/cards/{b.pk}/restore",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answer.status_code == 422
    assert answer.json()["errors"] == {"sprint": OVER}
    assert _state() == before

    made = client.post(f"/work/cards/{b.pk}/restore/", {"override_reason": "launch"})
    assert made.status_code == 302
    assert Card.objects.get(pk=b.pk).archived_at is None
