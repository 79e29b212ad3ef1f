"""Every write to boards, cards and sprints: validate, then do, in one transaction.

A move checks the WIP limits while it holds the board's row lock
(``SELECT ... FOR UPDATE``), so two moves into the same column (or by the same person)
are decided one after the other: of two moves racing for a column's last free place, one
succeeds and the other is refused. A move over a limit is refused with the reason, or,
given ``override_reason``, made and recorded with that reason in the card's history and
the audit log.
"""

import re
from datetime import datetime

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from pacer.core import audit
from pacer.core.errors import ValidationFailed, row_id
from pacer.core.models import Workspace
from pacer.teams import selectors as teams
from pacer.work import checks, labels, links, ordering, sprints
from pacer.work.models import (
    Board,
    Card,
    CardEvent,
    CardLink,
    ChecklistItem,
    Column,
    EventKind,
    LinkKind,
    Stage,
    Swimlane,
)

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_COLUMNS = 12
MAX_SWIMLANES = 12


class WipLimitExceeded(ValidationFailed):
    """A move would take a column or a person over a WIP limit (and gave no reason)."""


@transaction.atomic
def create_board(
    workspace: Workspace,
    *,
    team: str,
    slug: str,
    name: str,
    columns: list[dict],
    swimlanes: list[str] = (),
    person_wip_limit=None,
    actor=None,
) -> Board:
    """A board with its columns (``{"name", "stage", "wip_limit"}``, left to right) and
    swimlanes; at least one to-do and one done column."""
    errors: dict[str, str] = {}
    team, slug = (team or "").strip(), (slug or "").strip()
    if not SLUG.match(team):
        errors["team"] = "use 1-60 lowercase letters, digits or '-', starting with one"
    elif teams.team_by_key(workspace, team) is None:
        errors["team"] = f"no team '{team}' in this workspace: choose one of its teams"
    if not SLUG.match(slug):
        errors["slug"] = "use 1-60 lowercase letters, digits or '-', starting with one"
    elif Board.objects.filter(workspace=workspace, slug=slug).exists():
        errors["slug"] = f"'{slug}' is already a board in this workspace"
    name = checks.text(errors, "name", name, 200)
    person_limit = checks.limit(errors, "person_wip_limit", person_wip_limit)
    if not 2 <= len(columns) <= MAX_COLUMNS:
        errors["columns"] = f"need 2 to {MAX_COLUMNS} columns"
    cleaned = []
    for index, column in enumerate(columns[:MAX_COLUMNS]):
        field = f"columns[{index}]"
        column_name = checks.text(errors, f"{field}.name", column.get("name"), 60)
        stage = column.get("stage")
        if stage not in Stage.values:
            errors[f"{field}.stage"] = f"must be one of {', '.join(Stage.values)}"
        cleaned.append(
            (
                column_name,
                stage,
                checks.limit(errors, f"{field}.wip_limit", column.get("wip_limit")),
            )
        )
    stages = {stage for _, stage, _ in cleaned}
    if "columns" not in errors and not {Stage.TODO, Stage.DONE} <= stages:
        errors["columns"] = "need at least one to-do column and one done column"
    names = [n.lower() for n, _, _ in cleaned]
    if "columns" not in errors and len(set(names)) != len(names):
        errors["columns"] = "column names must be different"
    if len(swimlanes) > MAX_SWIMLANES:
        errors["swimlanes"] = f"at most {MAX_SWIMLANES} swimlanes"
    lanes = [checks.text(errors, f"swimlanes[{i}]", lane, 60) for i, lane in enumerate(swimlanes)]
    if errors:
        raise ValidationFailed(errors)
    board = Board.objects.create(
        workspace=workspace, team=team, slug=slug, name=name, person_wip_limit=person_limit
    )
    Column.objects.bulk_create(
        Column(board=board, name=n, stage=s, wip_limit=limit, position=i)
        for i, (n, s, limit) in enumerate(cleaned)
    )
    Swimlane.objects.bulk_create(
        Swimlane(board=board, name=lane, position=i) for i, lane in enumerate(lanes)
    )
    audit.record(workspace, "board.create", board, actor=actor, after=audit.snapshot(board))
    return board


@transaction.atomic
def set_limits(column: Column, *, wip_limit, person_wip_limit=None, actor=None) -> Column:
    """Change a column's WIP limit and its board's limit per person (empty: none)."""
    errors: dict[str, str] = {}
    limit = checks.limit(errors, "wip_limit", wip_limit)
    person_limit = checks.limit(errors, "person_wip_limit", person_wip_limit)
    if errors:
        raise ValidationFailed(errors)
    board = Board.objects.select_for_update().get(pk=column.board_id)
    before = {"wip_limit": column.wip_limit, "person_wip_limit": board.person_wip_limit}
    column.wip_limit, board.person_wip_limit = limit, person_limit
    column.save(update_fields=["wip_limit"])
    board.save(update_fields=["person_wip_limit"])
    audit.record(
        board.workspace,
        "board.limits",
        column,
        actor=actor,
        before=before,
        after={"wip_limit": limit, "person_wip_limit": person_limit},
    )
    return column


@transaction.atomic
def create_card(
    board: Board,
    *,
    title: str,
    now: datetime,
    column=None,
    swimlane=None,
    assignee=None,
    due=None,
    estimate=None,
    description: str = "",
    source_key: str = "",
    actor=None,
) -> Card:
    """A card at the bottom of a column (the board's first by default). Created straight
    into a column, it counts against the column's limit like a move (no override)."""
    errors: dict[str, str] = {}
    title = checks.text(errors, "title", title, 200)
    description = checks.text(errors, "description", description, 10_000, required=False)
    target = (
        board.columns.first() if column in (None, "") else checks.column_of(errors, board, column)
    )
    lane = checks.lane_of(errors, board, swimlane)
    person = checks.member(errors, "assignee", board.workspace, assignee)
    due_day = checks.day(errors, "due", due)
    points = checks.estimate(errors, estimate)
    if errors:
        raise ValidationFailed(errors)
    locked = Board.objects.select_for_update().get(pk=board.pk)
    breaches = wip_breaches(locked, target, person.pk if person else None, card_id=None)
    if breaches:
        raise WipLimitExceeded(breaches)
    card = Card.objects.create(
        workspace=board.workspace,
        board=board,
        column=target,
        swimlane=lane,
        position=ordering.slot(target.pk, lane.pk if lane else None),
        title=title,
        description=description,
        assignee=person,
        due=due_day,
        estimate=points,
        created_at=now,
        source_key=source_key,
    )
    CardEvent.objects.create(
        workspace=board.workspace,
        card=card,
        kind=EventKind.CREATED,
        to_column=target,
        actor=checks.acting_user(actor),
        at=now,
    )
    audit.record(board.workspace, "card.create", card, actor=actor, after=audit.snapshot(card))
    return card


def record_move(card: Card, origin: Column, target: Column, *, now, actor, reason: str) -> None:
    """The flow history's entry for a card that left ``origin`` for ``target`` (``reason``:
    why it went over a WIP limit, "" when it did not)."""
    CardEvent.objects.create(
        workspace=card.workspace,
        card=card,
        kind=EventKind.MOVED,
        from_column=origin,
        to_column=target,
        actor=checks.acting_user(actor),
        at=now,
        override_reason=reason,
    )


def wip_breaches(board: Board, column: Column, assignee_id, *, card_id) -> dict[str, str]:
    """The WIP limits a card (``card_id``; None for a new one) held by ``assignee_id``
    would break by entering ``column``: field -> reason. Call with the board locked."""
    found = {}
    others = Card.objects.filter(board=board, archived_at__isnull=True).exclude(pk=card_id)
    if column.wip_limit is not None:
        held = others.filter(column=column).count()
        if held >= column.wip_limit:
            found["column"] = (
                f"'{column.name}' already holds {held} cards, its WIP limit is "
                f"{column.wip_limit}; finish one first or give a reason to go over"
            )
    if column.stage == Stage.DOING and assignee_id and board.person_wip_limit is not None:
        held = others.filter(assignee_id=assignee_id, column__stage=Stage.DOING).count()
        if held >= board.person_wip_limit:
            name = User.objects.get(pk=assignee_id).get_username()
            found["assignee"] = (
                f"{name} already has {held} cards in progress, the limit per person is "
                f"{board.person_wip_limit}; give a reason to go over"
            )
    return found


@transaction.atomic
def move_card(
    card: Card,
    *,
    column,
    now: datetime,
    swimlane="keep",
    position=None,
    before=None,
    after=None,
    override_reason: str = "",
    actor=None,
) -> Card:
    """Move a card to ``column`` (an id of its board's), into ``swimlane`` (an id, "" for
    none, "keep" to stay), just above card ``before``, just below card ``after``, or at
    ``position`` (0 = top; none of them: the bottom). Only the card's row is written
    (``pacer.work.ordering``). Over a WIP limit it raises ``WipLimitExceeded`` unless
    ``override_reason`` says why it must go over."""
    errors: dict[str, str] = {}
    reason = checks.text(errors, "override_reason", override_reason, 300, required=False)
    index = checks.position(errors, position)
    board = Board.objects.select_for_update().get(pk=card.board_id)  # the WIP lock
    card = (  # locks the card row only (the board lock above is the WIP lock)
        Card.objects.select_for_update(of=("self",)).select_related("column", "workspace")
    ).get(pk=card.pk)
    card.board = board
    if card.archived_at is not None:
        errors["card"] = checks.ARCHIVED
    target = checks.column_of(errors, board, column)
    lane = card.swimlane if swimlane == "keep" else checks.lane_of(errors, board, swimlane)
    if errors:
        raise ValidationFailed(errors)
    origin = card.column
    breaches = {}
    if target.pk != origin.pk:
        breaches = wip_breaches(board, target, card.assignee_id, card_id=card.pk)
        if breaches and not reason:
            raise WipLimitExceeded(breaches)
    card.position = ordering.slot(
        target.pk,
        lane.pk if lane else None,
        card_id=card.pk,
        before=before,
        after=after,
        index=index,
    )
    card.column, card.swimlane = target, lane
    card.save(update_fields=["column", "swimlane", "position"])
    if target.pk != origin.pk:
        record_move(card, origin, target, now=now, actor=actor, reason=reason if breaches else "")
        audit.record(
            card.workspace,
            "card.wip_override" if breaches else "card.move",
            card,
            actor=actor,
            before={"column": origin.name},
            after={
                "column": target.name,
                **({"override_reason": reason, "limits": breaches} if breaches else {}),
            },
        )
    return card


@transaction.atomic
def update_card(
    card: Card, *, now: datetime, override_reason: str = "", actor=None, **changes
) -> Card:
    """Change a card's title, description, assignee (a member's id or ""), due day,
    estimate, swimlane (an id of its board's, "" for none; the card goes to the bottom of
    its column there) or labels (ids of its board's: exactly these). An assignee taking an
    in-progress card is checked against the limit per person, and a new estimate against
    the capacity of the card's sprint: over either it raises ``WipLimitExceeded`` /
    ``CapacityExceeded`` unless ``override_reason`` says why (then it is made and the
    audit log records the reason). All of it or nothing."""
    allowed = {"title", "description", "assignee", "due", "estimate", "swimlane", "labels"}
    errors: dict[str, str] = {f: "cannot be changed here" for f in set(changes) - allowed}
    reason = checks.text(errors, "override_reason", override_reason, 300, required=False)
    Board.objects.select_for_update().get(pk=card.board_id)  # as a move: the board, then the card
    card = checks.writable(card)
    values = {}
    if "title" in changes:
        values["title"] = checks.text(errors, "title", changes["title"], 200)
    if "description" in changes:
        values["description"] = checks.text(
            errors, "description", changes["description"], 10_000, required=False
        )
    if "assignee" in changes:
        values["assignee"] = checks.member(errors, "assignee", card.workspace, changes["assignee"])
    if "due" in changes:
        values["due"] = checks.day(errors, "due", changes["due"])
    if "estimate" in changes:
        values["estimate"] = checks.estimate(errors, changes["estimate"])
    if "swimlane" in changes:
        values["swimlane"] = checks.lane_of(errors, card.board, changes["swimlane"])
    wanted = None
    if "labels" in changes:
        wanted = checks.labels_of(
            errors, card.board, changes["labels"], limit=labels.MAX_CARD_LABELS
        )
    if errors:
        raise ValidationFailed(errors)
    person = values.get("assignee", card.assignee)
    found = {}
    if person is not None and person.pk != card.assignee_id:
        board = Board.objects.select_for_update().get(pk=card.board_id)
        found = wip_breaches(board, card.column, person.pk, card_id=card.pk)
        found.pop("column", None)  # the card stays in its column
        if found and not reason:
            raise WipLimitExceeded(found)
    over = ""
    if card.sprint_id and values.get("estimate", card.estimate) != card.estimate:
        over = sprints.over_capacity(card.sprint, {card.pk: values["estimate"]})
        if over and not reason:
            raise sprints.CapacityExceeded({"estimate": over})
    if "swimlane" in values:
        lane = values["swimlane"]
        if (lane.pk if lane else None) == card.swimlane_id:
            del values["swimlane"]
        else:
            values["position"] = ordering.slot(
                card.column_id, lane.pk if lane else None, card_id=card.pk
            )
    before = audit.snapshot(card, list(values))
    estimate = card.estimate
    for field, value in values.items():
        setattr(card, field, value)
    card.save(update_fields=list(values))
    sprints.record_estimate(card, estimate, now=now)
    if values:
        action = "card.wip_override" if found else "card.capacity_override" if over else ""
        audit.record(
            card.workspace,
            action or "card.update",
            card,
            actor=actor,
            before=before,
            after={
                **audit.snapshot(card, list(values)),
                **({"override_reason": reason, "limits": found} if found else {}),
                **({"override_reason": reason, "capacity": over} if over else {}),
            },
        )
    if wanted is not None:
        held = list(card.labels.all())
        keep = {x.pk for x in wanted}
        labels.write(card, wanted, [x for x in held if x.pk not in keep], now=now, actor=actor)
    return card


@transaction.atomic
def set_blocked(card: Card, reason: str, *, now: datetime, actor=None) -> Card:
    """Block a card with a reason, or unblock it with ``reason=""``."""
    errors: dict[str, str] = {}
    reason = checks.text(errors, "blocked_reason", reason, 200, required=False)
    if errors:
        raise ValidationFailed(errors)
    card = checks.writable(card)
    if bool(reason) == bool(card.blocked_reason):
        if reason:
            card.blocked_reason = reason
            card.save(update_fields=["blocked_reason"])
        return card
    card.blocked_reason = reason
    card.save(update_fields=["blocked_reason"])
    kind = EventKind.BLOCKED if reason else EventKind.UNBLOCKED
    CardEvent.objects.create(
        workspace=card.workspace,
        card=card,
        kind=kind,
        actor=checks.acting_user(actor),
        at=now,
        note=reason,
    )
    audit.record(
        card.workspace, f"card.{kind}", card, actor=actor, after={"blocked_reason": reason}
    )
    return card


@transaction.atomic
def add_checklist_item(card: Card, text: str, *, actor=None) -> ChecklistItem:
    card = checks.writable(card)
    errors: dict[str, str] = {}
    text = checks.text(errors, "text", text, 200)
    if card.checklist.count() >= 100:
        errors["text"] = "a checklist holds at most 100 items"
    if errors:
        raise ValidationFailed(errors)
    return ChecklistItem.objects.create(card=card, text=text, position=card.checklist.count())


@transaction.atomic
def tick(item: ChecklistItem, done: bool) -> ChecklistItem:
    checks.writable(item.card)
    item.done = bool(done)
    item.save(update_fields=["done"])
    return item


@transaction.atomic
def remove_checklist_item(item: ChecklistItem) -> None:
    """Take an item off its card's checklist (the others keep their order)."""
    checks.writable(item.card)
    item.delete()


@transaction.atomic
def remove_link(card: Card, link_id, *, actor=None) -> CardLink:
    """Take a link off a card (``link_id``: one of the card's links, else refused at
    ``link`` with nothing written); audited as ``card.unlink`` with what it named."""
    card = checks.writable(card)
    link = card.links.filter(pk=row_id(link_id)).first()
    if link is None:
        raise ValidationFailed({"link": "is not a link of this card"})
    link.delete()
    audit.record(
        card.workspace, "card.unlink", card, actor=actor, before={link.kind: link.target_id}
    )
    return link


@transaction.atomic
def add_link(card: Card, kind: str, target_id: str, *, actor=None) -> CardLink:
    """Link a card to a campaign (id or key), content item, journey, lead, asset or message
    (by id); the thing must exist in the card's workspace (journeys: not checked). The link
    is stored under the id of what it names (``links``): linking the same thing again, by
    any spelling of its id or by a campaign's key, is refused at ``target_id``."""
    errors: dict[str, str] = {}
    if kind not in LinkKind.values:
        errors["kind"] = f"must be one of {', '.join(LinkKind.values)}"
    target_id = checks.text(errors, "target_id", target_id, 64)
    target = None if errors else links.resolve(card.workspace, kind, target_id)
    if not errors and target is None:
        label = LinkKind(kind).label.lower()
        errors["target_id"] = f"there is no {label} '{target_id}' in this workspace"
    if errors:
        raise ValidationFailed(errors)
    # The card's row lock: a bulk change linking the same card waits for this link and sees
    # it (PostgreSQL checks the foreign key only at commit, so the insert alone holds nothing
    # on the card, and the two would deadlock on the unique key).
    card = checks.writable(card)
    try:
        with transaction.atomic():  # a link made at the same time is refused as one made before
            link = CardLink.objects.create(card=card, kind=kind, target_id=target.ref)
    except IntegrityError:
        raise ValidationFailed({"target_id": links.linked_already(kind, target)}) from None
    audit.record(card.workspace, "card.link", card, actor=actor, after={kind: target.ref})
    return link


def _deadline_board(errors: dict, workspace: Workspace, board, team) -> Board | None:
    if board not in (None, ""):
        found = Board.objects.filter(workspace=workspace, slug=str(board)).first()
        if found is None:
            errors["board"] = f"no board '{str(board)[:60]}' in this workspace"
        return found
    if team not in (None, ""):
        found = Board.objects.filter(workspace=workspace, team=str(team)).order_by("name", "pk")
        if not found.exists():
            errors["team"] = f"team '{str(team)[:60]}' has no board"
        return found.first()
    errors["board"] = "name a board (its key) or a team"
    return None


def create_card_for_deadline(
    workspace: Workspace,
    *,
    key: str,
    title: str,
    due,
    now: datetime,
    board: str | None = None,
    team: str | None = None,
    link: tuple[str, str] | None = None,
    assignee=None,
    actor=None,
) -> tuple[Card, bool]:
    """The card for another domain's deadline, made once per ``key``: ``(card, created)``.

    The card goes at the bottom of the first column of ``board`` (a board's key) or of
    ``team``'s first board by name, due on ``due``, linked to ``link`` (``(kind, id)``,
    a ``LinkKind``), assigned to ``assignee`` when given. Called again with the same key it
    makes no second card: it moves the
    existing card's title and due day to the ones given (audited when they change) and
    answers ``created=False``. Bad input raises ``ValidationFailed`` naming the field.

    >>> card, created = create_card_for_deadline(  # doctest: +SKIP
    ...     workspace, key="content:42:review", title="Review 'Spring launch'",
    ...     due=date(2026, 3, 20), now=clock.now(), team="brand", link=("content", "42"))
    """
    errors: dict[str, str] = {}
    key = checks.text(errors, "key", key, 120)
    clean_title = checks.text(errors, "title", title, 200)
    due_day = checks.day(errors, "due", due)
    if due_day is None and "due" not in errors:
        errors["due"] = "a deadline card needs a due day"
    if link is not None:
        kind, target = (tuple(link) + ("", ""))[:2] if isinstance(link, list | tuple) else ("", "")
        if kind not in LinkKind.values:
            errors["link"] = f"must be (kind, id) with kind one of {', '.join(LinkKind.values)}"
        checks.text(errors, "link", str(target), 64)
    found = _deadline_board(errors, workspace, board, team)
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        Board.objects.select_for_update().get(pk=found.pk)  # one writer per key at a time
        existing = Card.objects.filter(workspace=workspace, source_key=key).first()
        if existing is not None and existing.archived_at is not None:
            return existing, False  # archived: read-only, left as it is until restored
        if existing is not None:
            changes = {
                f: v
                for f, v in (("title", clean_title), ("due", due_day))
                if getattr(existing, f) != v
            }
            if changes:
                existing = update_card(existing, now=now, actor=actor, **changes)
            return existing, False
        card = create_card(
            found,
            title=clean_title,
            due=due_day,
            now=now,
            source_key=key,
            assignee=assignee,
            actor=actor,
        )
        if link is not None:
            add_link(card, link[0], str(link[1]), actor=actor)
        return card, True
