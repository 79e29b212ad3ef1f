"""Reads for boards, cards and sprints, and the flow and sprint figures computed from the
cards' histories by ``pacer.analytics.flow``."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Lower

from pacer.analytics import flow
from pacer.core.models import Workspace
from pacer.core.permissions import members_holding
from pacer.work.models import (
    Board,
    Card,
    CardEvent,
    CardLabel,
    ChecklistItem,
    Column,
    Comment,
    EventKind,
    Label,
    Notification,
    Sprint,
    Stage,
    Swimlane,
)


def boards(workspace: Workspace):
    return (
        Board.objects.filter(workspace=workspace)
        .annotate(card_count=Count("cards", filter=Q(cards__archived_at__isnull=True)))
        .order_by("team", "name")
    )


def board(workspace: Workspace, slug: str) -> Board | None:
    return Board.objects.filter(workspace=workspace, slug=slug).first()


def card(workspace: Workspace, card_id: int) -> Card | None:
    return (
        Card.objects.filter(workspace=workspace, pk=card_id)
        .select_related("board", "column", "swimlane", "assignee", "sprint")
        .first()
    )


def comment(workspace: Workspace, comment_id: int) -> Comment | None:
    return (
        Comment.objects.filter(card__workspace=workspace, pk=comment_id)
        .select_related("card", "author")
        .first()
    )


def cards(board: Board):
    """The cards on the board (not the archived ones)."""
    return Card.objects.filter(board=board, archived_at__isnull=True).select_related(
        "column", "assignee", "sprint"
    )


ARCHIVED_PAGE = 50


def archived_cards(board: Board):
    """The board's archived cards, the most recently archived first."""
    return (
        Card.objects.filter(board=board, archived_at__isnull=False)
        .select_related("column", "assignee")
        .order_by("-archived_at", "-id")
    )


def members(workspace: Workspace) -> list[User]:
    """The members a card may be given to or who may be mentioned (``work.edit``: not a
    partner's login), by username."""
    return [m.user for m in members_holding(workspace, "work.edit")]


CELL_SHOWN = 20  # the first cards a to-do or in-progress cell shows ("show more": the next)
DONE_SHOWN = 8  # the most recent cards a done column shows in each lane


@dataclass
class Cell:
    column: Column
    cards: list[Card]
    total: int  # cards in the cell, shown or not

    @property
    def hidden(self) -> int:
        return self.total - len(self.cards)


@dataclass
class Lane:
    swimlane: Swimlane | None
    cells: list[Cell]


@dataclass
class BoardView:
    board: Board
    columns: list[Column]
    lanes: list[Lane]
    counts: dict[int, int]  # column id -> cards in it
    in_progress: list[tuple[str, int]] = field(default_factory=list)  # (name, doing cards)
    swimlanes: list[Swimlane] = field(default_factory=list)  # the board's, in order


def _first_of_cells(cells: list[tuple[int | None, int, bool]], label_id=None) -> list[int]:
    """The ids of the first ``CELL_SHOWN`` cards of each ``(lane, column, done)`` cell (of
    a done one, its last ``DONE_SHOWN``), only those carrying label ``label_id`` when
    given: one statement, each part an index range scan."""
    table = connection.ops.quote_name(Card._meta.db_table)
    tagged = connection.ops.quote_name(CardLabel._meta.db_table)
    labelled = f" AND id IN (SELECT card_id FROM {tagged} WHERE label_id = %s)"  # noqa: S608
    parts, params = [], []
    for number, (lane, column, done) in enumerate(cells):
        order = "position DESC, id DESC" if done else "position, id"
        where = "swimlane_id IS NULL" if lane is None else "swimlane_id = %s"
        where += labelled if label_id is not None else ""
        parts.append(
            f"SELECT * FROM (SELECT id FROM {table} WHERE column_id = %s AND {where} "
            "AND archived_at IS NULL "  # noqa: S608
            f"ORDER BY {order} LIMIT %s) AS cell_{number}"
        )
        params += [
            column,
            *([] if lane is None else [lane]),
            *([] if label_id is None else [label_id]),
            DONE_SHOWN if done else CELL_SHOWN,
        ]
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return [row[0] for row in cursor.fetchall()]


def with_counts(items: list[Card]) -> list[Card]:
    """The cards with ``checklist_count``, ``checklist_done``, ``comment_count`` and
    ``chips`` (their labels, by name) set (three queries, whatever the number of cards)."""
    ids = [item.pk for item in items]
    chips = defaultdict(list)
    for tag in CardLabel.objects.filter(card_id__in=ids).select_related("label"):
        chips[tag.card_id].append(tag.label)
    ticks = {
        row["card_id"]: row
        for row in ChecklistItem.objects.filter(card_id__in=ids)
        .values("card_id")
        .annotate(n=Count("id"), done=Count("id", filter=Q(done=True)))
        .order_by()
    }
    comments = dict(
        Comment.objects.filter(card_id__in=ids)
        .values("card_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("card_id", "n")
    )
    for item in items:
        item.checklist_count = ticks.get(item.pk, {}).get("n", 0)
        item.checklist_done = ticks.get(item.pk, {}).get("done", 0)
        item.comment_count = comments.get(item.pk, 0)
        item.chips = sorted(chips.get(item.pk, []), key=lambda x: (x.name.lower(), x.pk))
    return items


def _cell_counts(columns: list[Column], label_id=None) -> dict[tuple, int]:
    """``(swimlane id, column id)`` -> the cards in the cell (with label ``label_id``)."""
    found = Card.objects.filter(  # the cell index
        column__in=[c.pk for c in columns], archived_at__isnull=True
    )
    if label_id is not None:
        found = found.filter(cardlabel__label_id=label_id)
    return {
        (row["swimlane"], row["column"]): row["n"]
        for row in found.values("swimlane", "column").annotate(n=Count("id")).order_by()
    }


def board_view(board: Board, *, label: Label | None = None) -> BoardView:
    """The board's columns and swimlanes with the first ``CELL_SHOWN`` cards of each cell
    in order (the last ``DONE_SHOWN`` of a done column's), and how many each cell holds;
    with ``label``, only the cards that carry it (the columns' counts, which the WIP
    limits judge, stay the whole board's). Cards with no swimlane, or a board with none,
    are in an unnamed first lane. A fixed number of queries, whatever the number of
    cards: only the cards shown are read."""
    columns = list(board.columns.all())
    lanes = list(board.swimlanes.all())
    all_counts = _cell_counts(columns)
    label_id = label.pk if label is not None else None
    cell_counts = all_counts if label_id is None else _cell_counts(columns, label_id)
    done = {c.pk for c in columns if c.stage == Stage.DONE}
    ids = _first_of_cells(
        [(lane, column, column in done) for lane, column in cell_counts], label_id
    )
    shown = with_counts(list(Card.objects.filter(pk__in=ids).select_related("assignee")))
    by_cell = defaultdict(list)
    for item in sorted(shown, key=lambda c: (c.position, c.pk)):
        by_cell[(item.swimlane_id, item.column_id)].append(item)
    unlaned = any(swimlane is None for swimlane, _ in all_counts)
    rows = [None, *lanes] if unlaned or not lanes else lanes

    def cell(lane, column):
        key = (lane.pk if lane else None, column.pk)
        return Cell(column, by_cell[key], cell_counts.get(key, 0))

    view = BoardView(
        board,
        columns,
        [Lane(lane, [cell(lane, c) for c in columns]) for lane in rows],
        {c.pk: sum(n for (_, column), n in all_counts.items() if column == c.pk) for c in columns},
    )
    view.in_progress = in_progress_by_person(board)
    view.swimlanes = lanes
    return view


def in_progress_by_person(board: Board) -> list[tuple[str, int]]:
    """``(name, cards)`` per person holding cards in the board's in-progress columns: the
    full name where they have one, else the username; by name."""
    counts = dict(
        Card.objects.filter(
            board=board, column__stage=Stage.DOING, assignee__isnull=False, archived_at__isnull=True
        )
        .values("assignee")
        .annotate(n=Count("id"))
        .values_list("assignee", "n")
    )
    people = User.objects.filter(pk__in=counts)
    named = sorted(people, key=_sort_name)
    return [(p.get_full_name() or p.get_username(), counts[p.pk]) for p in named]


def _sort_name(person: User) -> tuple[str, str]:
    """Where a person goes in a list by name: their name as shown (the full name, else the
    username), case ignored, then the username."""
    return ((person.get_full_name() or person.get_username()).lower(), person.get_username())


def column_counts(board: Board) -> dict[int, int]:
    """Column id -> the cards in it (every column of the board, empty ones as 0)."""
    return dict(
        Column.objects.filter(board=board)
        .annotate(n=Count("cards", filter=Q(cards__archived_at__isnull=True)))
        .order_by("position", "id")
        .values_list("pk", "n")
    )


CELL_PAGE = 50


def _cell_after(board: Board, column: Column, lane: Swimlane | None, after, label=None):
    found = cards(board).filter(column=column, swimlane=lane)
    if label is not None:
        found = found.filter(cardlabel__label=label)
    if after is not None:
        position, card_id = after
        found = found.filter(Q(position__gt=position) | Q(position=position, id__gt=card_id))
    return found


def cell_page_count(
    board: Board, column: Column, lane: Swimlane | None, *, after, label=None
) -> int:
    """How many cards of the cell (with ``label``) come after the card ``(position, id)``."""
    return _cell_after(board, column, lane, after, label).count()


def cell_page(board: Board, column: Column, lane: Swimlane | None, *, after=None, label=None):
    """The next ``CELL_PAGE`` cards of a cell (with ``label``) after the card ``(position,
    id)`` (from the top with None), and whether more follow."""
    found = _cell_after(board, column, lane, after, label)
    page = list(found.select_related("assignee").order_by("position", "id")[: CELL_PAGE + 1])
    return with_counts(page[:CELL_PAGE]), len(page) > CELL_PAGE


def history(card: Card):
    return card.events.select_related("from_column", "to_column", "actor")


def timelines(board: Board, *, card_ids=None) -> dict[int, list[tuple[datetime, int]]]:
    """Each card's steps between columns: ``{card id: [(moment, column id), ...]}``."""
    events = CardEvent.objects.filter(
        card__board=board, kind__in=[EventKind.CREATED, EventKind.MOVED], to_column__isnull=False
    )
    if card_ids is not None:
        events = events.filter(card_id__in=card_ids)
    found: dict[int, list] = defaultdict(list)
    for card_id, at, column_id in events.order_by("at", "id").values_list(
        "card_id", "at", "to_column_id"
    ):
        found[card_id].append((at, column_id))
    return dict(found)


def stages(board: Board) -> dict[int, str]:
    return dict(board.columns.values_list("pk", "stage"))


def blocked_spells(
    board: Board, *, card_ids=None
) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """Each card's blocked spells: ``(blocked at, unblocked at or None)``."""
    spells: dict[int, list] = defaultdict(list)
    events = CardEvent.objects.filter(
        card__board=board, kind__in=[EventKind.BLOCKED, EventKind.UNBLOCKED]
    ).order_by("at", "id")
    if card_ids is not None:
        events = events.filter(card_id__in=card_ids)
    for card_id, kind, at in events.values_list("card_id", "kind", "at"):
        if kind == EventKind.BLOCKED:
            spells[card_id].append((at, None))
        elif spells[card_id] and spells[card_id][-1][1] is None:
            spells[card_id][-1] = (spells[card_id][-1][0], at)
    return dict(spells)


@dataclass(frozen=True)
class FlowReport:
    days: list[date]
    cumulative: dict[int, list[int]]  # column id -> cards at the end of each day
    lead: flow.Distribution
    cycle: flow.Distribution
    lead_times: list[float]
    cycle_times: list[float]
    weeks: list[date]
    throughput: list[int]
    blocked: dict[int, float]  # card id -> days blocked
    ageing: list[tuple[Card, float]]  # started, unfinished cards, oldest first


def flow_report(
    board: Board, *, now: datetime, weeks: int = 8, label: Label | None = None
) -> FlowReport:
    """The board's flow over the ``weeks`` whole weeks to the week of ``now`` (only the
    cards that carry ``label`` when given)."""
    today = now.date()
    monday = today - timedelta(days=today.weekday())
    week_starts = [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    days = [week_starts[0] + timedelta(days=i) for i in range((today - week_starts[0]).days + 1)]
    card_ids = None if label is None else list(label.cards.values_list("pk", flat=True))
    lines = timelines(board, card_ids=card_ids)
    column_stages = stages(board)
    flows = flow.card_flows(lines, column_stages)
    finished = [f for f in flows if f.finished is not None and f.finished.date() >= days[0]]
    ages = flow.ageing(flows, now)
    by_id = {c.pk: c for c in cards(board).filter(pk__in=list(ages))}
    spells = blocked_spells(board, card_ids=card_ids)
    return FlowReport(
        days=days,
        cumulative=flow.cumulative_flow(lines, list(column_stages), days),
        lead=flow.distribution(f.lead_time for f in finished),
        cycle=flow.distribution(f.cycle_time for f in finished),
        lead_times=[f.lead_time for f in finished],
        cycle_times=[f.cycle_time for f in finished],
        weeks=week_starts,
        throughput=flow.throughput([f.finished for f in finished], week_starts),
        blocked={card_id: flow.blocked_days(s, now) for card_id, s in spells.items()},
        ageing=sorted(
            ((by_id[card_id], days_old) for card_id, days_old in ages.items() if card_id in by_id),
            key=lambda pair: -pair[1],
        ),
    )


def sprints(board: Board):
    """The board's sprints, latest first, with the points and cards planned in each
    (archived cards are out of a sprint's plan)."""
    active = Q(cards__archived_at__isnull=True)
    return board.sprints.annotate(
        planned=Sum("cards__estimate", filter=active), card_count=Count("cards", filter=active)
    ).order_by("-start")


def sprint(workspace: Workspace, sprint_id: int) -> Sprint | None:
    return Sprint.objects.filter(workspace=workspace, pk=sprint_id).select_related("board").first()


def current_sprint(board: Board, today: date) -> Sprint | None:
    return board.sprints.filter(start__lte=today, end__gte=today).first()


def backlog(board: Board):
    """Cards in no sprint and not finished, highest on the board first."""
    return (
        cards(board)
        .filter(sprint__isnull=True)
        .exclude(column__stage=Stage.DONE)
        .order_by("column__position", "position", "id")
    )


@dataclass
class Standup:
    person: User
    done: list[Card] = field(default_factory=list)
    doing: list[Card] = field(default_factory=list)
    blocked: list[Card] = field(default_factory=list)


def standup_since(now: datetime) -> datetime:
    """Where a stand-up's "done" starts: the start of the last working day before ``now``'s
    (yesterday; on a Monday, Friday: a weekend's stand-up reports the last one's work)."""
    day = now.date() - timedelta(days=1)
    while day.weekday() >= 5:  # Saturday, Sunday
        day -= timedelta(days=1)
    return datetime.combine(day, datetime.min.time(), now.tzinfo)


def standup(board: Board, *, now: datetime) -> list[Standup]:
    """Per person with cards on the board: finished since the start of the last working
    day (``standup_since``), in progress, and blocked."""
    since = standup_since(now)
    finished_ids = set(
        CardEvent.objects.filter(
            card__board=board, kind=EventKind.MOVED, to_column__stage=Stage.DONE, at__gte=since
        ).values_list("card_id", flat=True)
    )
    people: dict[int, Standup] = {}
    for item in cards(board).filter(assignee__isnull=False).order_by("position", "id"):
        entry = people.setdefault(item.assignee_id, Standup(item.assignee))
        if item.blocked_reason:
            entry.blocked.append(item)
        if item.column.stage == Stage.DONE and item.pk in finished_ids:
            entry.done.append(item)
        elif item.column.stage == Stage.DOING:
            entry.doing.append(item)
    # by the names the panels show (the full name, else the username), as the pages do
    return sorted(people.values(), key=lambda s: _sort_name(s.person))


def who_works_on_what(workspace: Workspace):
    """Every card in progress on any board, by person then team: ``[(person or None,
    [card, ...]), ...]`` (None: cards nobody holds)."""
    found = (
        Card.objects.filter(
            workspace=workspace, column__stage=Stage.DOING, archived_at__isnull=True
        )
        .select_related("board", "column", "assignee")
        .order_by("assignee__username", "board__team", "board__name", "position")
    )
    grouped: dict = {}
    for item in found:
        grouped.setdefault(item.assignee, []).append(item)
    return sorted(  # by the names shown, as the stand-up; cards nobody holds last
        grouped.items(),
        key=lambda pair: (pair[0] is None, _sort_name(pair[0]) if pair[0] else ("", "")),
    )


def notifications(workspace: Workspace, user: User, *, unread_only: bool = False):
    """The user's mention notifications in the workspace, newest first."""
    found = Notification.objects.filter(workspace=workspace, user=user)
    return found.filter(read_at__isnull=True) if unread_only else found


def unread_mentions(workspace: Workspace, user: User):
    return notifications(workspace, user, unread_only=True)


def unread_badge(request) -> int:
    """The navigation's count beside "Mentions": the user's unread ones (one query)."""
    return unread_mentions(request.workspace, request.user).count()


def labels(board: Board):
    """The board's labels by name, each with ``card_count``."""
    return board.labels.annotate(card_count=Count("cardlabel")).order_by(Lower("name"), "pk")


def label(workspace: Workspace, label_id) -> Label | None:
    return Label.objects.filter(workspace=workspace, pk=label_id).select_related("board").first()
