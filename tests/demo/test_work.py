"""The demo's boards: one per team, cards with history that respects the WIP limits,
labels on some cards, blocked cards, and a running sprint within its capacity; loading
twice adds nothing."""

import re
from datetime import UTC, datetime

import pytest
from django.db.models import Count, Sum

from pacer.demo.work import CARDS_PER_BOARD, LABELS, TEAMS, load_work
from pacer.work import selectors
from pacer.work.models import Card, CardEvent

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 4, 10, tzinfo=UTC)


def test_the_demo_has_a_board_per_team_with_flow_and_a_running_sprint(workspace):
    counts = load_work(workspace, now=NOW)
    assert counts["boards"] == len(TEAMS) and counts["cards"] == len(TEAMS) * CARDS_PER_BOARD
    assert counts["moves"] == CardEvent.objects.filter(kind="moved").count() > 0
    assert sorted(selectors.boards(workspace).values_list("team", flat=True)) == sorted(TEAMS)
    for board in selectors.boards(workspace):
        for column in board.columns.exclude(wip_limit=None):
            assert board.cards.filter(column=column).count() <= column.wip_limit, column.name
        held = (
            Card.objects.filter(board=board, column__stage="doing")
            .values("assignee")
            .annotate(n=Count("id"))
        )
        assert all(row["n"] <= board.person_wip_limit for row in held)
        assert board.cards.filter(column__stage="done").exists()
        assert board.cards.exclude(blocked_reason="").count() == 1
        assert not CardEvent.objects.filter(card__board=board).exclude(override_reason="").exists()
        assert sorted(board.labels.values_list("name", flat=True)) == sorted(n for n, _ in LABELS)
        labelled = board.cards.filter(labels__isnull=False).distinct().count()
        assert 0 < labelled < CARDS_PER_BOARD
    brand = selectors.board(workspace, "brand-board")
    running = selectors.current_sprint(brand, NOW.date())
    assert running is not None and running.name == "Sprint 3"
    planned = running.cards.aggregate(total=Sum("estimate"))["total"]
    assert 0 < planned <= running.capacity
    report = selectors.flow_report(brand, now=NOW)
    assert report.lead.count > 0 and report.cycle.p85 >= report.cycle.median
    assert load_work(workspace, now=NOW) == {"boards": 0, "cards": 0, "moves": 0}
    assert Card.objects.count() == len(TEAMS) * CARDS_PER_BOARD


def test_the_demo_cards_read_like_a_real_teams_work_done_by_named_people(workspace):
    """Card titles were a handful of phrases numbered "Search ads rebuild #10"; the
    colleagues had only a username ("mia")."""
    load_work(workspace, now=NOW)
    for board in selectors.boards(workspace):
        titles = list(board.cards.values_list("title", flat=True))
        assert len(set(titles)) == len(titles) == CARDS_PER_BOARD, board.slug
        assert not [t for t in titles if re.search(r"#\d", t)]
        names = {
            (c.assignee.get_full_name(), c.assignee.username)
            for c in board.cards.select_related("assignee")
        }
        assert len(names) == 2 and all(full and full != user for full, user in names)
    assert ("Mia Schneider", "mia") in {
        (c.assignee.get_full_name(), c.assignee.username)
        for c in Card.objects.select_related("assignee")
    }
