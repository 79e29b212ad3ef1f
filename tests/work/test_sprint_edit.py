"""Editing a sprint (name, dates, goal, capacity) on its page and over the API, under the
rules of a new one: 1 to 4 whole weeks, no overlap with another sprint of the board, and
a capacity not below the points planned; all or nothing, audited."""

import pytest

from pacer.core.errors import ValidationFailed
from pacer.core.models import AuditEntry
from pacer.work import actions, sprints
from pacer.work.models import Sprint
from tests.work.conftest import NOW

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(board):
    """S1 (2-8 March) and S2 (16-22 March, capacity 10, with a card of 6 points)."""
    s1 = sprints.create_sprint(board, name="S1", start="2026-03-02", weeks=1, capacity=20)
    s2 = sprints.create_sprint(board, name="S2", start="2026-03-16", weeks=1, capacity=10)
    card = actions.create_card(board, title="six", estimate=6, now=NOW)
    sprints.plan(card, s2)
    return s1, s2


def _rows():
    return (
        sorted(Sprint.objects.values_list("name", "goal", "start", "end", "capacity")),
        AuditEntry.objects.count(),
    )


def test_a_sprint_is_moved_lengthened_and_renamed(two, admin):
    _, s2 = two
    changed = sprints.update_sprint(
        s2, name="S2 launch", start="2026-03-09", weeks="2", capacity="12", goal="Ship", actor=admin
    )
    assert (changed.name, str(changed.start), str(changed.end), changed.capacity, changed.goal) == (
        "S2 launch",
        "2026-03-09",
        "2026-03-22",
        12,
        "Ship",
    )
    [(before, after)] = AuditEntry.objects.filter(action="sprint.update").values_list(
        "before", "after"
    )
    # the last day stays the 22nd: only what changed is recorded
    assert before == {"name": "S2", "goal": "", "start": "2026-03-16", "capacity": 10}
    assert after == {"name": "S2 launch", "goal": "Ship", "start": "2026-03-09", "capacity": 12}


def test_a_new_start_keeps_the_length_and_weeks_alone_keep_the_start(two):
    _, s2 = two
    sprints.update_sprint(s2, weeks=3)
    assert (str(s2.start), str(Sprint.objects.get(pk=s2.pk).end)) == ("2026-03-16", "2026-04-05")
    moved = sprints.update_sprint(s2, start="2026-04-06")
    assert (str(moved.start), str(moved.end)) == ("2026-04-06", "2026-04-26")


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"start": "2026-03-05"}, {"start": "overlaps sprint 'S1' (2026-03-02 to 2026-03-08)"}),
        ({"weeks": 5}, {"weeks": "a sprint lasts 1, 2, 3 or 4 weeks"}),
        (
            {"capacity": 5},
            {
                "capacity": "6 points are planned in 'S2'; take cards out before "
                "lowering its capacity below that"
            },
        ),
        ({"capacity": "many"}, {"capacity": "must be a whole number of points from 1 to 100000"}),
        ({"name": " "}, {"name": "must not be empty"}),
        ({"start": "soon"}, {"start": "'soon' is not a date (YYYY-MM-DD)"}),
        ({"board": 2}, {"board": "cannot be changed here"}),
    ],
)
def test_a_refused_edit_writes_nothing(two, changes, errors):
    _, s2 = two
    before = _rows()
    with pytest.raises(ValidationFailed) as refused:
        sprints.update_sprint(s2, **({"goal": "kept out"} | changes))
    assert refused.value.errors == errors
    assert _rows() == before


def test_edit_over_the_api(api, two):
    _, s2 = two
    answer = api("patch", f"/sprints/{s2.pk}", {"capacity": 15, "goal": "Ship it"})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["capacity"], body["goal"], body["planned"], body["end"]) == (
        15,
        "Ship it",
        6,
        "2026-03-22",
    )
    before = _rows()
    refused = api("patch", f"/sprints/{s2.pk}", {"start": "2026-03-08", "name": "x"})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"start": "overlaps sprint 'S1' (2026-03-02 to 2026-03-08)"}
    nulled = api("patch", f"/sprints/{s2.pk}", {"capacity": None})
    assert (nulled.status_code, nulled.json()["errors"]) == (422, {"capacity": "cannot be emptied"})
    assert _rows() == before


def test_edit_on_the_sprint_page_refused_at_its_field_then_saved(ada, two):
    _, s2 = two
    form = {"op": "edit", "name": "S2", "start": "2026-03-07", "weeks": "1", "capacity": "10"}
    before = _rows()
    refused = ada.post(f"/work/sprints/{s2.pk}/", {**form, "goal": "typed"})
    assert refused.status_code == 422
    page = refused.text
    assert 'href="#sprint-start"' in page and "overlaps sprint &#x27;S1&#x27;" in page
    assert 'value="typed"' in page and 'value="2026-03-07"' in page
    assert _rows() == before
    saved = ada.post(f"/work/sprints/{s2.pk}/", {**form, "start": "2026-03-09", "goal": "Go"})
    assert saved.status_code == 302
    assert Sprint.objects.filter(pk=s2.pk).values_list("start", "goal").get() == (
        s2.start.replace(day=9),
        "Go",
    )


def test_a_member_without_work_manage_cannot_edit_or_complete(two, workspace):
    from django.test import Client

    from pacer.core import actions as core
    from pacer.core.roles import Role

    core.create_user(workspace, "vic", "correct-horse-9", Role.STAFF)
    client = Client()
    client.login(username="vic", password="correct-horse-9")
    _, s2 = two
    before = _rows()
    for form in ({"op": "edit", "name": "x"}, {"op": "complete", "to": "backlog"}):
        assert client.post(f"/work/sprints/{s2.pk}/", form).status_code == 403
    assert _rows() == before
