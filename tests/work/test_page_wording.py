"""Figures and hints read as meant: the sprint page's velocity without needless decimals
("25", "12.5", "12.3" for a third); the stand-up's people in the order of the full names
its panels show; the link picker's hint says a campaign's key works only for a campaign."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model

from pacer.core import actions as core
from pacer.core import clock
from pacer.core.roles import Role
from pacer.work import actions, selectors, sprints
from tests.work.conftest import NOW, column

pytestmark = pytest.mark.django_db


def _at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, tzinfo=UTC)


def _velocity_shown(ada, sprint) -> tuple[str, str]:
    page = ada.get(f"/work/sprints/{sprint.pk}/").content.decode()
    found = re.search(r'id="kpi-velocity">.*?data-value="([^"]*)">([^<]*)</b>', page, re.S)
    return found.group(1), found.group(2)


@pytest.mark.parametrize(
    ("finished", "shown"),
    [([25], "25"), ([12, 13], "12.5"), ([12, 12, 13], "12.3"), ([10, 11, 9], "10")],
)
def test_velocity_shows_no_needless_decimals(ada, board, monkeypatch, finished, shown):
    monkeypatch.setattr(clock, "now", lambda: _at(30))
    earlier = []
    for week, points in enumerate(finished):
        start = f"2026-03-{2 + 7 * week:02d}"
        sprint = sprints.create_sprint(board, name=f"S{week}", start=start, weeks=1, capacity=40)
        card = actions.create_card(board, title=f"c{week}", estimate=points, now=_at(1))
        sprints.plan(card, sprint, now=_at(1))
        actions.move_card(card, column=column(board, "Done").pk, now=_at(3 + 7 * week))
        earlier.append(sprint)
    current = sprints.create_sprint(board, name="Now", start="2026-03-30", weeks=1, capacity=40)

    assert _velocity_shown(ada, current)[1] == shown
    assert _velocity_shown(ada, earlier[0])[1] == "—"  # no earlier sprint: no velocity


def test_the_standup_lists_people_by_the_full_names_it_shows(ada, board, admin, workspace):
    people = get_user_model().objects
    for username, first, last in [("zed", "Ana", "Ruiz"), ("amy", "Zoe", "Baker")]:
        person = core.create_user(workspace, username, "correct-horse-2", Role.MARKETER)
        people.filter(pk=person.pk).update(first_name=first, last_name=last)
    for username, where in (("amy", "Doing"), ("zed", "Doing"), ("ada", "Review")):
        holder = people.get(username=username)
        actions.create_card(
            board,
            title=f"{username}'s",
            column=column(board, where).pk,
            assignee=holder.pk,
            now=NOW,
        )

    page = ada.get("/work/boards/brand-board/standup/").content.decode()

    # ada has no name: her username, "ada", goes before "Ana Ruiz"
    assert re.findall(r'<h2 id="standup-\d+">([^<]*)</h2>', page) == [
        "ada",
        "Ana Ruiz",
        "Zoe Baker",
    ]


def test_the_link_hint_says_a_key_works_only_for_a_campaign(ada, board):
    card = actions.create_card(board, title="Flyer", now=NOW)
    page = ada.get(f"/work/cards/{card.pk}/").content.decode()
    hint = re.search(r'<p class="hint" id="field-target_id-hint">([^<]*)</p>', page).group(1)
    assert hint == "Matches are listed as you type; when linking to a campaign, its key also works"
    assert "a campaign&#x27;s key also works" not in page


def test_who_works_on_what_lists_people_by_the_full_names_it_shows(board, workspace):
    people = get_user_model().objects
    for username, first, last in [("zed", "Ana", "Ruiz"), ("amy", "Zoe", "Baker")]:
        person = core.create_user(workspace, username, "correct-horse-2", Role.MARKETER)
        people.filter(pk=person.pk).update(first_name=first, last_name=last)
    for username in ("amy", "zed", "ada", None):
        holder = people.get(username=username) if username else None
        actions.create_card(
            board,
            title=f"{username}'s",
            column=column(board, "Review").pk,  # in progress, no limit
            assignee=holder.pk if holder else None,
            now=NOW,
        )

    order = [
        person.username if person else None for person, _ in selectors.who_works_on_what(workspace)
    ]

    assert order == ["ada", "zed", "amy", None]  # ada, Ana Ruiz, Zoe Baker, then nobody
