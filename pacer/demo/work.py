"""The demo's boards: one per team, with six weeks of cards flowing through their columns
(every step made through ``pacer.work.actions``, so the WIP limits hold and the flow
metrics have history), labels on about a quarter of the cards each, a few blocked cards,
two finished sprints and a running one.

Each card's path is drawn with a seeded generator; the steps of all cards are replayed in
time order, and a step refused by a WIP limit leaves its card where it is (as a team
respecting its limits would). Loading twice adds nothing.
"""

import secrets
from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth.models import User

from pacer.analytics.flow import card_flows
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.roles import Role
from pacer.work import actions, labels, selectors, sprints

TEAMS = {
    "brand": ("Brand", ["Brand refresh brief", "Spring campaign key visual", "Store poster set"]),
    "content": ("Content", ["Blog: five spring recipes", "Newsletter April", "Video script"]),
    "performance": ("Performance", ["Search ads rebuild", "Retargeting audiences", "Bid review"]),
}
PEOPLE = {"brand": ("mia", "noah"), "content": ("olivia", "liam"), "performance": ("emma", "lucas")}
COLUMNS = [
    {"name": "Backlog", "stage": "todo"},
    {"name": "Ready", "stage": "todo", "wip_limit": 6},
    {"name": "Doing", "stage": "doing", "wip_limit": 3},
    {"name": "Review", "stage": "doing", "wip_limit": 2},
    {"name": "Done", "stage": "done"},
]
CARDS_PER_BOARD = 30
WEEKS = 6
ESTIMATES = (1, 2, 3, 5, 8)
LABELS = [
    ("Spring launch", "green"),
    ("Print", "ochre"),
    ("Legal review", "red"),
    ("Quick win", "blue"),
]


def _member(workspace: Workspace, name: str) -> User:
    user = User.objects.filter(username=name).first()
    if user is None:  # demo colleagues: nobody signs in as them (a random password)
        user = core.create_user(workspace, name, secrets.token_urlsafe(24), Role.MARKETER)
    return user


def load_work(workspace: Workspace, *, now: datetime, seed: int = 7) -> dict:
    """Boards, cards with their history, and sprints for the demo workspace."""
    if selectors.boards(workspace).exists():
        return {"boards": 0, "cards": 0, "moves": 0}
    random = np.random.default_rng(seed)
    tagging = np.random.default_rng(seed + 1)  # its own draws: the cards' paths stay as they were
    start = now - timedelta(weeks=WEEKS)
    steps, counts = [], {"boards": 0, "cards": 0, "moves": 0}
    boards = []
    for team, (label, titles) in TEAMS.items():
        people = [_member(workspace, name) for name in PEOPLE[team]]
        board = actions.create_board(
            workspace,
            team=team,
            slug=f"{team}-board",
            name=f"{label} board",
            columns=COLUMNS,
            swimlanes=["Expedite", "Standard"],
            person_wip_limit=2,
        )
        boards.append(board)
        counts["boards"] += 1
        columns = list(board.columns.all())
        lanes = list(board.swimlanes.all())
        tags = [
            labels.create_label(board, name=name, colour=colour, now=start)
            for name, colour in LABELS
        ]
        for index in range(CARDS_PER_BOARD):
            created = start + timedelta(hours=float(random.uniform(0, WEEKS * 7 * 24 - 48)))
            card = actions.create_card(
                board,
                title=f"{titles[index % len(titles)]} #{index + 1}",
                column=columns[0].pk,
                swimlane=lanes[0 if random.random() < 0.2 else 1].pk,  # a fifth expedited
                assignee=people[index % len(people)].pk,
                estimate=int(random.choice(ESTIMATES)),
                due=(created + timedelta(days=int(random.integers(7, 28)))).date(),
                now=created,
            )
            counts["cards"] += 1
            chosen = [tag.pk for tag in tags if tagging.random() < 0.25]
            if chosen:
                labels.change_labels(card, add=chosen, now=created)
            moment = created
            stays = random.random() < 0.15  # never picked up: the backlog
            for column in columns[1:] if not stays else ():
                moment += timedelta(hours=float(random.gamma(2.0, 24.0)))
                if moment >= now:
                    break
                steps.append((moment, card.pk, column.pk))
    for moment, card_id, column_id in sorted(steps):
        card = selectors.card(workspace, card_id)
        try:
            actions.move_card(card, column=column_id, now=moment)
            counts["moves"] += 1
        except actions.WipLimitExceeded:
            pass
    _block_some(workspace, boards, now, random)
    _sprints(boards[0], now)
    return counts


def _block_some(workspace, boards, now, random) -> None:
    for board in boards:
        doing = list(selectors.cards(board).filter(column__stage="doing").order_by("pk"))
        for card in doing[:1]:
            actions.set_blocked(
                card,
                "Waiting on legal sign-off",
                now=now - timedelta(hours=float(random.uniform(4, 40))),
            )


def _sprints(board, now) -> None:
    """Two finished two-week sprints, each with the board's cards finished in its dates,
    and the running one with the unfinished cards; each within its capacity."""
    monday = now.date() - timedelta(days=now.date().weekday())
    flows = {f.card: f for f in card_flows(selectors.timelines(board), selectors.stages(board))}
    for number, weeks_back in enumerate((4, 2, 0), start=1):
        first = monday - timedelta(weeks=weeks_back)
        sprint = sprints.create_sprint(
            board,
            name=f"Sprint {number}",
            start=first,
            weeks=2,
            capacity=30,
            goal="Spring campaign live in every store" if weeks_back == 0 else "",
        )
        for card in selectors.cards(board).filter(sprint__isnull=True).order_by("created_at"):
            flow = flows.get(card.pk)
            finished = flow.finished.date() if flow and flow.finished else None
            in_dates = finished is not None and first <= finished <= sprint.end
            if in_dates or (weeks_back == 0 and finished is None):
                try:
                    sprints.plan(card, sprint)
                except ValidationFailed:
                    continue
