"""The demo's boards: one per team, with six weeks of cards flowing through their columns
(every step made through ``pacer.work.actions``, so the WIP limits hold and the flow
metrics have history), labels on about a quarter of the cards each, a few blocked cards,
two finished sprints and a running one.

Each card's path is drawn with a seeded generator; the steps of all cards are replayed in
time order, and a step refused by a WIP limit leaves its card where it is (as a team
respecting its limits would). Loading twice adds nothing.
"""

import secrets
from datetime import UTC, datetime, time, timedelta

import numpy as np
from django.contrib.auth.models import User

from pacer.analytics.flow import card_flows
from pacer.core import actions as core
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.core.roles import Role
from pacer.work import actions, labels, selectors, sprints

# what each team works on, in its own words: one card a title, as a real board has
TEAMS = {
    "brand": (
        "Brand",
        [
            "Refresh the brand guidelines",
            "Store window posters for the new menu of services",
            "Photo shoot: staff at work in three locations",
            "Logo lock-ups for the partner co-branding",
            "Tone-of-voice cheat sheet for location managers",
            "Redesign the gift card",
            "Uniform badge artwork",
            "Storefront signage for the Denver opening",
            "Brand video: 60-second cut",
            "Update the email header and footer",
            "Social profile images for every location",
            "Trade show booth artwork",
            "Print ad for the local paper",
            "Refer-a-friend flyer",
            "Care plan brochure",
            "Review the franchise welcome pack",
            "Icon set for the booking page",
            "Loyalty card design",
            "Brand audit of the location pages",
            "Van wrap proof",
            "Thank-you card for first-time customers",
            "Price board template",
            "Holiday window display guide",
            "Naming for the deluxe package",
            "Approve the agency's radio script",
            "Presentation template for the quarterly review",
            "Sponsorship banner for the charity run",
            "Business card reorder",
            "Customer story photography brief",
            "Retire the old logo everywhere",
        ],
    ),
    "content": (
        "Content",
        [
            "Blog: how to choose the right service plan",
            "Monthly newsletter",
            "Video: a day at the Boston location",
            "FAQ page rewrite",
            "Customer story: a care plan member of five years",
            "Blog: five signs it is time to book",
            "Welcome email series, email 2",
            "Landing page copy for the deluxe package",
            "Instagram carousel: before and after",
            "Podcast guest pitch",
            "Blog: what the premium service includes",
            "Win-back email for lapsed customers",
            "Location page copy for the new openings",
            "Glossary for the booking page",
            "Short video: booking in 30 seconds",
            "Guide: getting the most from your care plan",
            "Review reply templates for managers",
            "Blog: meet the team in Chicago",
            "Gift card campaign copy",
            "SMS reminder wording",
            "Seasonal checklist download",
            "Comparison page: basic vs premium",
            "Refer-a-friend email",
            "Case study for the partner page",
            "Update the about-us page",
            "Newsletter sign-up pop-up copy",
            "Blog: answers to our top ten questions",
            "Subtitles for the brand video",
            "Survey follow-up email to detractors",
            "Content calendar for next quarter",
        ],
    ),
    "performance": (
        "Performance",
        [
            "Rebuild the search campaigns by location",
            "Retargeting audiences from the booking page",
            "Weekly bid review",
            "Negative keyword clean-up",
            "Landing page A/B test: shorter form",
            "Set up offline conversion import",
            "Social lookalike audiences from repeat customers",
            "Budget pacing alert for paid social",
            "Fix the broken UTM tags in the newsletter",
            "Local service ads for three locations",
            "Display frequency cap review",
            "Call tracking numbers per location",
            "Affiliate offer terms for next quarter",
            "Audit the conversion tags",
            "Shift budget from display to search",
            "Video pre-roll test with two cuts",
            "Competitor brand terms review",
            "Ad copy refresh for the premium service",
            "Attribution check against the mix model",
            "Exclude existing customers from prospecting",
            "Dashboard for the location managers",
            "Test the new bidding strategy",
            "Direct mail response tracking codes",
            "Landing page speed fixes",
            "Sitelinks for every campaign",
            "Monthly spend reconciliation with the agency",
            "Remarketing list for abandoned bookings",
            "Promote the care plan to recent customers",
            "Radio flight post-campaign report",
            "Geo-targeting review for the weak locations",
        ],
    ),
}
# the demo's colleagues: username, first name, last name
PEOPLE = {
    "brand": (("mia", "Mia", "Schneider"), ("noah", "Noah", "Bennett")),
    "content": (("olivia", "Olivia", "Park"), ("liam", "Liam", "O'Connor")),
    "performance": (("emma", "Emma", "Rossi"), ("lucas", "Lucas", "Fernandes")),
}
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


def _member(workspace: Workspace, username: str, first: str, last: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:  # demo colleagues: nobody signs in as them (a random password)
        user = core.create_user(workspace, username, secrets.token_urlsafe(24), Role.MARKETER)
        User.objects.filter(pk=user.pk).update(first_name=first, last_name=last)
        user.refresh_from_db()
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
        people = [_member(workspace, *person) for person in PEOPLE[team]]
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
                title=titles[index % len(titles)],
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
    """Two finished two-week sprints, each with the board's cards finished in its dates and
    completed at the end of its last day, and the running one with the unfinished cards;
    each within its capacity, its cards planned at the start of its first day."""
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
            goal="New brand look live in every location" if weeks_back == 0 else "",
        )
        for card in selectors.cards(board).filter(sprint__isnull=True).order_by("created_at"):
            flow = flows.get(card.pk)
            finished = flow.finished.date() if flow and flow.finished else None
            in_dates = finished is not None and first <= finished <= sprint.end
            if in_dates or (weeks_back == 0 and finished is None):
                try:
                    # planned at the start of its first day: in its scope from then
                    sprints.plan(card, sprint, now=datetime.combine(first, time.min, UTC))
                except ValidationFailed:
                    continue
        if weeks_back:  # a finished sprint, completed at the end of its last day
            last = datetime.combine(sprint.end, time(23, 59), UTC)
            sprints.complete_sprint(sprint, to=sprints.BACKLOG, now=last)
