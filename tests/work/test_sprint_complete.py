"""Completing a sprint (Jira's "Complete sprint"): it closes for good, its done cards are
its velocity, its unfinished cards go to the backlog or another open sprint (the user's
choice; over that sprint's capacity only with a reason); refused a second time, before it
begins or to a sprint that cannot take them, with nothing written."""

from datetime import UTC, date, datetime

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions, archive, sprint_report, sprints
from pacer.work.models import Card, Sprint
from tests.work.conftest import column

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, tzinfo=UTC)


@pytest.fixture
def two(board):
    """S1 (2-8 March, capacity 20): done (5, finished 3 March), doing (3), todo (4) and
    gone (2, archived 4 March); S2 (9-15 March, capacity 10), empty."""
    s1 = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=20)
    s2 = sprints.create_sprint(board, name="S2", start="2026-03-09", weeks=1, capacity=10)
    for title, points, where in (("done", 5, "Done"), ("doing", 3, "Doing"), ("todo", 4, None)):
        card = actions.create_card(board, title=title, estimate=points, now=_at(1))
        sprints.plan(card, s1, now=_at(1))
        if where:
            actions.move_card(card, column=column(board, where).pk, now=_at(3))
    gone = actions.create_card(board, title="gone", estimate=2, now=_at(1))
    sprints.plan(gone, s1, now=_at(1))
    archive.archive_card(gone, now=_at(4))
    return s1, s2


def _cards(board):
    return dict(Card.objects.filter(board=board).values_list("title", "sprint__name"))


def _state():
    return (
        sorted(Card.objects.values_list("title", "sprint_id")),
        sorted(Sprint.objects.values_list("name", "completed_at", "done_points", "carried_to_id")),
        AuditEntry.objects.count(),
    )


def test_completing_carries_the_unfinished_cards_to_the_next_sprint(board, two, admin):
    s1, s2 = two
    ids = {c.title: c.pk for c in board.cards.all()}

    closed = sprints.complete_sprint(s1, to=str(s2.pk), now=_at(6), actor=admin)

    assert (closed.completed_at, closed.done_points, closed.carried_to_id) == (_at(6), 5, s2.pk)
    assert closed.outcome == [
        [ids["done"], 5, "done"],
        [ids["doing"], 3, "carried"],
        [ids["todo"], 4, "carried"],
        [ids["gone"], 2, "archived"],
    ]
    assert _cards(board) == {"done": "S1", "doing": "S2", "todo": "S2", "gone": "S1"}
    assert sprints.planned_points(s2) == 7
    [(after,)] = AuditEntry.objects.filter(action="sprint.complete").values_list("after")
    assert after == {
        "done_points": 5,
        "done_cards": [ids["done"]],
        "carried": [ids["doing"], ids["todo"]],
        "carried_points": 7,
        "to": s2.pk,
    }


def test_completing_to_the_backlog(board, two):
    s1, _ = two
    sprints.complete_sprint(s1, to="backlog", now=_at(8))
    assert _cards(board) == {"done": "S1", "doing": None, "todo": None, "gone": "S1"}
    assert Sprint.objects.get(pk=s1.pk).carried_to_id is None


def test_a_completed_sprints_report_stops_on_its_day_and_its_velocity_is_what_it_did(board, two):
    s1, s2 = two
    sprints.complete_sprint(s1, to=s2.pk, now=_at(6))
    # after completion (10:00): a carried card is finished in S2 that afternoon, the done
    # one reopened and archived, the archived one restored
    actions.move_card(
        board.cards.get(title="doing"),
        column=column(board, "Done").pk,
        now=datetime(2026, 3, 6, 15, tzinfo=UTC),
    )
    actions.move_card(board.cards.get(title="done"), column=column(board, "Doing").pk, now=_at(7))
    archive.archive_card(board.cards.get(title="done"), now=_at(8))
    archive.restore_card(board.cards.get(title="gone"), now=_at(10))

    report = sprint_report.sprint_report(Sprint.objects.get(pk=s1.pk), today=date(2026, 3, 20))

    assert report.scope_by_day == [14.0, 14.0, 12.0, 12.0, 12.0, 12.0, 12.0]
    assert report.done == [0.0, 5.0, 5.0, 5.0, 5.0, None, None]
    assert report.remaining == [14.0, 9.0, 7.0, 7.0, 7.0, None, None]
    later = sprint_report.sprint_report(s2, today=date(2026, 3, 20))
    assert [(s.name, points) for s, points in later.past] == [("S1", 5.0)]
    # restored after its sprint was completed: back in the backlog
    assert _cards(board)["gone"] is None


def test_completing_twice_is_refused_with_nothing_written(board, two):
    s1, s2 = two
    sprints.complete_sprint(s1, to="backlog", now=_at(6))
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        sprints.complete_sprint(s1, to=s2.pk, now=_at(7))
    assert refused.value.errors == {
        "sprint": "'S1' was completed on 2026-03-06; a sprint is completed once"
    }
    assert _state() == before


@pytest.mark.parametrize(
    ("to", "now", "errors"),
    [
        ("S2", _at(6), {"to": "must be 'backlog' or another open sprint of this board"}),
        ("self", _at(6), {"to": "must be 'backlog' or another open sprint of this board"}),
        ("backlog", _at(1), {"sprint": "'S1' has not begun: it starts on 2026-03-02"}),
    ],
)
def test_a_refused_completion_writes_nothing(board, two, to, now, errors):
    s1, _ = two
    before = _state()
    with pytest.raises(ValidationFailed) as refused:
        sprints.complete_sprint(s1, to=s1.pk if to == "self" else to, now=now)
    assert refused.value.errors == errors
    assert _state() == before


def test_carrying_over_the_next_sprints_capacity_needs_a_reason(board, two, admin):
    s1, s2 = two
    extra = actions.create_card(board, title="extra", estimate=5, now=_at(1))
    sprints.plan(extra, s2)
    before = _state()
    with pytest.raises(sprints.CapacityExceeded) as refused:
        sprints.complete_sprint(s1, to=s2.pk, now=_at(6))
    reason = (
        "'S2' has 5 of 10 points planned; the 7 unfinished would go over its capacity; "
        "give a reason to go over"
    )
    assert refused.value.errors == {"to": reason}
    assert _state() == before

    sprints.complete_sprint(s1, to=s2.pk, now=_at(6), override_reason="launch", actor=admin)
    assert sprints.planned_points(s2) == 12
    [(after,)] = AuditEntry.objects.filter(action="sprint.complete").values_list("after")
    assert (after["override_reason"], after["capacity"]) == ("launch", reason)


def test_a_completed_sprint_takes_no_card_and_lets_none_go(board, two):
    s1, _ = two
    sprints.complete_sprint(s1, to="backlog", now=_at(6))
    before = _state()
    closed = "'S1' was completed on 2026-03-06"
    with pytest.raises(ValidationFailed) as refused:
        sprints.plan(board.cards.get(title="done"), None)
    assert refused.value.errors == {"sprint": closed}
    with pytest.raises(ValidationFailed) as refused:
        sprints.plan(board.cards.get(title="todo"), Sprint.objects.get(pk=s1.pk))
    assert refused.value.errors == {"sprint": closed}
    with pytest.raises(ValidationFailed) as refused:
        sprints.update_sprint(s1, name="renamed")
    assert refused.value.errors == {"sprint": closed}
    assert _state() == before


def test_complete_over_the_api_and_again_refused(api, board, two):
    s1, s2 = two
    answer = api("post", f"/sprints/{s1.pk}/complete", {"to": str(s2.pk)})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["done_points"], body["carried_to"], body["planned"]) == (5, s2.pk, 5)
    assert body["carried"] == sorted(
        board.cards.filter(title__in=["doing", "todo"]).values_list("pk", flat=True)
    )
    before = _state()
    again = api("post", f"/sprints/{s1.pk}/complete", {"to": "backlog"})
    assert again.status_code == 422
    assert list(again.json()["errors"]) == ["sprint"]
    assert _state() == before


def test_complete_on_the_sprint_page(ada, board, two):
    s1, s2 = two
    page = ada.get(f"/work/sprints/{s1.pk}/").text
    assert 'id="complete-form"' in page and f'<option value="{s2.pk}">S2' in page
    done = ada.post(f"/work/sprints/{s1.pk}/", {"op": "complete", "to": "backlog"})
    assert done.status_code == 302
    page = ada.get(f"/work/sprints/{s1.pk}/").text
    assert "Completed on" in page and 'id="complete-form"' not in page
    assert 'id="backlog"' not in page and 'name="into"' not in page
    before = _state()
    again = ada.post(f"/work/sprints/{s1.pk}/", {"op": "complete", "to": "backlog"})
    assert again.status_code == 422 and "a sprint is completed once" in again.text
    assert _state() == before


def test_a_refused_completion_on_the_page_shows_the_reason_at_its_field(ada, board, two):
    s1, s2 = two
    extra = actions.create_card(board, title="extra", estimate=5, now=_at(1))
    sprints.plan(extra, s2)
    refused = ada.post(f"/work/sprints/{s1.pk}/", {"op": "complete", "to": str(s2.pk)})
    assert refused.status_code == 422
    assert 'href="#complete-to"' in refused.text
    assert "the 7 unfinished would go over its capacity" in refused.text
    assert f'<option value="{s2.pk}" selected>' in refused.text
    assert Sprint.objects.get(pk=s1.pk).completed_at is None
