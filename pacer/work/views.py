"""Pages for boards: the list, the board with drag and drop (a move form without
JavaScript), a cell's further cards, and bulk edit. A card's page is in
``pacer.work.card_views``, flow metrics in ``flow_views``, sprints in ``sprint_views``,
labels in ``label_views`` and a board's settings in ``settings_views``."""

import re

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.teams import selectors as teams
from pacer.web import formats
from pacer.web.address import show_at
from pacer.web.filters import Choice, FilterBar
from pacer.web.tables import Column, Table
from pacer.work import actions, archive, bulk, selectors
from pacer.work.models import LinkKind

DEFAULT_COLUMNS = "Backlog:todo, Doing:doing:3, Review:doing:2, Done:done"


def parse_columns(text: str) -> list[dict]:
    """``"To do:todo, Doing:doing:3, Done:done"`` as column dicts (name, stage, limit)."""
    columns = []
    for part in [p.strip() for p in text.split(",") if p.strip()]:
        name, _, rest = part.partition(":")
        stage, _, limit = rest.partition(":")
        columns.append({"name": name.strip(), "stage": stage.strip(), "wip_limit": limit.strip()})
    return columns


def _board_or_404(request, slug: str):
    found = selectors.board(request.workspace, slug)
    if found is None:
        raise Http404("no such board")
    return found


def _card_or_404(request, card_id: int):
    found = selectors.card(request.workspace, card_id)
    if found is None:
        raise Http404("no such card")
    return found


def _boards_page(request, form, errors=None, status: int = 200):
    team_names = dict(teams.team_choices(request.workspace))
    table = Table(
        request,
        selectors.boards(request.workspace),
        [
            Column(
                "name",
                "Board",
                sortable=True,
                href=lambda b: reverse("work-board", args=[b["slug"]]),
            ),
            Column("team", "Team", sortable=True, labels=team_names),
            Column("slug", "Key", sortable=True, visible=False),
            Column("card_count", "Cards", format="count"),
            Column("person_wip_limit", "WIP each", format="count"),
        ],
        default_sort="team",
        caption="Boards",
        empty_title="No boards yet.",
        empty_hint="Create a board for a team below.",
        html_id="boards",
    )
    context = {
        "table": table,
        "form": form,
        "errors": errors or {},
        "can_manage": allows(request.role, "work.manage"),
        "default_columns": DEFAULT_COLUMNS,
        "teams": teams.team_options(team_names, form.get("team", ""), "Choose a team"),
    }
    return render(request, "work/board_list.html", context, status=status)


@page("work.view")
def board_list(request):
    if request.method == "POST":
        return _create_board(request)
    return _boards_page(request, {})


@page("work.manage")
def _create_board(request):
    data = request.POST
    try:
        board = actions.create_board(
            request.workspace,
            team=data.get("team", ""),
            slug=data.get("slug", ""),
            name=data.get("name", ""),
            columns=parse_columns(data.get("columns", "")),
            swimlanes=[s.strip() for s in data.get("swimlanes", "").split(",") if s.strip()],
            person_wip_limit=data.get("person_wip_limit", ""),
            actor=request.user,
        )
    except ValidationFailed as error:
        return _boards_page(request, data, error.errors, status=422)
    messages.success(request, f"Board '{board.name}' created.")
    return HttpResponseRedirect(reverse("work-board", args=[board.slug]))


def _prepared(cards: list, columns: list, label=None) -> dict:
    """Set each card's page and move addresses (two reversals, not three per card; a move
    posts the board's label filter, so that the board comes back filtered) and answer the
    move form's column options per column (rendered once, not per card)."""
    page, move = reverse("work-card", args=[0]), reverse("work-card-move", args=[0])
    kept = f"?label={label.pk}" if label else ""
    for item in cards:
        item.url = page.replace("/0/", f"/{item.pk}/", 1) + kept
        item.move_url = move.replace("/0/", f"/{item.pk}/", 1) + kept
    return {
        "move_options": {
            here.pk: format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((c.pk, " selected" if c.pk == here.pk else "", c.name) for c in columns),
            )
            for here in columns
        }
    }


# The bulk form's fields (swimlane and labels: when the board has them) and their ids.
_BULK_FIELDS = {
    *("assignee", "column", "due", "estimate", "link_kind", "link_target", "override_reason")
}


def _bulk_field_id(name: str) -> str:
    return "bulk-override" if name == "override_reason" else f"bulk-{name.replace('_', '-')}"


def _shown(view) -> list:
    """The cards the board shows (the first of each cell, of the label filtered by)."""
    return [item for lane in view.lanes for cell in lane.cells for item in cell.cards]


def _off_board(board, view, wanted: list[int]) -> list:
    """The cards of ``wanted`` (ids) that are on ``board`` but not shown on it (further
    down their cell, behind "Show more", or outside the label filter), in that order."""
    shown = {item.pk for item in _shown(view)}
    missing = [card_id for card_id in dict.fromkeys(wanted) if card_id not in shown]
    if not missing:
        return []
    found = {item.pk: item for item in selectors.cards(board).filter(pk__in=missing)}
    return [found[card_id] for card_id in missing if card_id in found]


def _card_ids(values) -> list[int]:
    """The card ids among ``values`` (what the bulk form sent): whole numbers that fit a
    card's id, at most ``bulk.MAX_BULK`` of them (more is refused anyway)."""
    found = [int(v) for v in values if re.fullmatch(r"[0-9]{1,18}", str(v), flags=re.ASCII)]
    return found[: bulk.MAX_BULK]


def _bulk_context(board, view, bulk_state: dict | None) -> dict:
    """The bulk form's refusal on the board: reasons by field, by card (each card shown
    marked too) and the cards still ticked. A ticked card the board does not show is
    listed in the form, ticked, with its reasons, so that the error box's link to its
    tick box lands on it and sending the form again keeps it."""
    state = bulk_state or {}
    selected = {str(i) for i in state.get("selected", ())}
    per_card = state.get("per_card", {})
    # every refused card's title, one archived meanwhile too (it has no tick box to link to)
    titles = dict(board.cards.filter(pk__in=list(per_card)).values_list("pk", "title"))
    for item in _shown(view):
        item.selected = str(item.pk) in selected
        item.bulk_errors = list(per_card.get(item.pk, {}).values())
    ticked = _card_ids(state.get("selected", ()))
    off_board = _off_board(board, view, ticked + list(per_card))
    for item in off_board:
        item.bulk_errors = list(dict.fromkeys(per_card.get(item.pk, {}).values()))
    errors = state.get("errors", {})
    fields = set(_BULK_FIELDS) if errors else set()  # read only when refused
    if errors and view.swimlanes:
        fields.add("swimlane")
    if errors and board.labels.exists():
        fields |= {"add_label", "remove_label"}
    refusals = {field for found in per_card.values() for field in found}
    boxed = {item.pk for item in _shown(view)} | {item.pk for item in off_board}
    return {
        "bulk_errors": errors,
        "bulk_error_items": [
            (_bulk_field_id(name) if name in fields else "", name, reason)
            for name, reason in errors.items()
        ],
        "bulk_over_limit": bool(refusals & set(bulk.LIMITS)),
        "bulk_linked": "link.target_id" in refusals,
        "bulk_card_errors": [
            (
                card_id if card_id in boxed else None,
                titles.get(card_id, card_id),
                " ".join(dict.fromkeys(found.values())),
            )
            for card_id, found in per_card.items()
        ],
        "bulk_form": state.get("form", {}),
        "bulk_refused": bool(state),
        "bulk_off_board": off_board,
    }


def label_filter(request, board) -> tuple[FilterBar, object]:
    """The board's filter bar (a label, ``?label=<id>``) and the label it asks for."""
    choices = list(selectors.labels(board))
    bar = FilterBar(
        request,
        [Choice("label", "Label", [(x.pk, x.name) for x in choices], blank="All labels")],
        keep=(),
        html_id="board-filters",
    )
    chosen = bar.values.get("label", "")
    return bar, next((x for x in choices if str(x.pk) == chosen), None)


def board_address(board, label=None) -> str:
    """The board's address, filtered by ``label`` when one is given."""
    address = reverse("work-board", args=[board.slug])
    return f"{address}?label={label.pk}" if label else address


def _move_refused(board, view, move: dict | None) -> list:
    """Mark the card whose move form was refused (``move``: its id, reasons and what was
    posted): its form opens with the reasons and the chosen column and reason kept.
    Answers ``[the card]`` when the board does not show it (it is then shown above the
    board, so that the error box's links land on its form), else ``[]``."""
    if not move:
        return []
    off_board = _off_board(board, view, [move["card"]])
    for item in _shown(view) + selectors.with_counts(off_board):
        if item.pk == move["card"]:
            item.move_refused, item.move_form = move, move["form"]
            chosen = move["form"]["column"]
            item.move_column_options = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((c.pk, " selected" if str(c.pk) == chosen else "", c.name) for c in view.columns),
            )
    return off_board


def _board_page(request, board, errors=None, form=None, status: int = 200, bulk=None, move=None):
    """The board; after a refused POST of its new-card form (``errors``, ``form``), its
    bulk form (``bulk``) or a card's move form (``move``) with the reasons where they
    belong and what was typed kept."""
    show_at(request, reverse("work-board", args=[board.slug]))
    bar, label = label_filter(request, board)
    show_at(request, board_address(board, label))
    view = selectors.board_view(board, label=label)
    move_off_board = _move_refused(board, view, move)
    label_options = [(x.pk, x.name) for x in board.labels.all()]
    today = clock.now().date()
    columns = [(c.pk, c.name) for c in view.columns]
    members = [(m.pk, formats.person(m)) for m in selectors.members(request.workspace)]
    lanes = [(lane.pk, lane.name) for lane in view.swimlanes]
    team = teams.team_by_key(request.workspace, board.team)
    context = {
        "board": board,
        "team_name": team.name if team else board.team,
        "view": view,
        "column_options": columns,
        "column_options_blank": [("", "Keep")] + columns,
        "member_options": [("", "Nobody")] + members,
        "bulk_member_options": [("", "Keep"), ("none", "Nobody")] + members,
        "lane_options": [("", "None")] + lanes,
        "bulk_lane_options": [("", "Keep"), ("none", "No swimlane")] + lanes,
        "link_kind_options": [("", "No link")] + list(LinkKind.choices),
        "bulk_add_label_options": [("", "None")] + label_options,
        "bulk_remove_label_options": [("", "None")] + label_options,
        "bar": bar,
        "label": label,
        "sprint": selectors.current_sprint(board, today),
        "today": today,
        "errors": errors or {},
        "form": form or {},
        "can_edit": allows(request.role, "work.edit"),
        "can_manage": allows(request.role, "work.manage"),
        "move_refused": move,
        "move_off_board": move_off_board[0] if move_off_board else None,
        **_bulk_context(board, view, bulk),
        **_prepared(_shown(view) + move_off_board, view.columns, label),
    }
    return render(request, "work/board.html", context, status=status)


@page("work.view")
def board_detail(request, slug: str):
    return _board_page(request, _board_or_404(request, slug))


@require_POST
@page("work.edit")
def card_create(request, slug: str):
    board = _board_or_404(request, slug)
    data = request.POST
    try:
        card = actions.create_card(
            board,
            title=data.get("title", ""),
            column=data.get("column") or None,
            swimlane=data.get("swimlane", ""),
            assignee=data.get("assignee", ""),
            due=data.get("due", ""),
            estimate=data.get("estimate", ""),
            now=clock.now(),
            actor=request.user,
        )
    except ValidationFailed as error:
        return _board_page(request, board, error.errors, data, status=422)
    messages.success(request, f"Card '{card.title}' added.")
    return HttpResponseRedirect(reverse("work-board", args=[board.slug]))


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@page("work.view")
def cell_cards(request, slug: str):
    """The next cards of a cell (a column in a swimlane) after ``after``/``after_id``: a
    fragment for the board's "Show more" (HTMX), a page of its own without JavaScript."""
    board = _board_or_404(request, slug)
    data = request.GET
    column = board.columns.filter(pk=_int_or_none(data.get("column"))).first()
    lane_id = data.get("lane", "")
    lane = board.swimlanes.filter(pk=_int_or_none(lane_id)).first() if lane_id else None
    if column is None or (lane_id and lane is None):
        raise Http404("no such column or swimlane on this board")
    after = None
    if data.get("after") or data.get("after_id"):
        position, card_id = _int_or_none(data.get("after")), _int_or_none(data.get("after_id"))
        if position is None or card_id is None:
            raise Http404("after and after_id must be whole numbers")
        after = (position, card_id)
    label = board.labels.filter(pk=_int_or_none(data.get("label"))).first()
    cards, more = selectors.cell_page(board, column, lane, after=after, label=label)
    hidden = 0
    if more:
        last = cards[-1]
        hidden = selectors.cell_page_count(
            board, column, lane, after=(last.position, last.pk), label=label
        )
    columns = list(board.columns.all())
    context = {
        "board": board,
        "column": column,
        "lane": lane,
        "cards": cards,
        **_prepared(cards, columns, label),
        "last": cards[-1] if cards else None,
        "hidden": hidden,
        "label": label,
        "today": clock.now().date(),
        "can_edit": allows(request.role, "work.edit"),
        # the cell's own page has no bulk form: its cards, and those "Show more" adds to
        # it (``standalone=1`` on its link), get no tick box
        "standalone": not request.headers.get("HX-Request") or data.get("standalone") == "1",
    }
    template = "work/_cell_more.html" if request.headers.get("HX-Request") else "work/cell.html"
    return render(request, template, context)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@page("work.edit")
def card_move(request, card_id: int):
    """Move a card: JSON for the board's script (422 with the reasons when refused), a
    redirect back to the board for the form (refused: the board, 422, the card's form
    open with the reasons and what was chosen)."""
    card = _card_or_404(request, card_id)
    data = request.POST
    try:
        moved = actions.move_card(
            card,
            column=data.get("column", ""),
            swimlane=data.get("swimlane", "keep"),
            position=data.get("position") or None,
            before=data.get("before") or None,
            after=data.get("after") or None,
            override_reason=data.get("override_reason", ""),
            now=clock.now(),
            actor=request.user,
        )
    except ValidationFailed as error:
        over = isinstance(error, actions.WipLimitExceeded)
        if _wants_json(request):
            return JsonResponse({"errors": error.errors, "wip_limit": over}, status=422)
        typed = {name: data.get(name, "") for name in ("column", "override_reason")}
        move = {"card": card.pk, "errors": error.errors, "form": typed, "over": over}
        move |= {"title": f"'{card.title}' was not moved", "prefix": f"move-{card.pk}-"}
        return _board_page(request, card.board, status=422, move=move)
    if _wants_json(request):
        counts = selectors.column_counts(moved.board)
        return JsonResponse({"column": moved.column_id, "counts": counts})
    messages.success(request, f"'{moved.title}' moved to {moved.column.name}.")
    return HttpResponseRedirect(board_address(moved.board, label_filter(request, moved.board)[1]))


def _bulk_changes(data) -> dict:
    """The bulk form as ``bulk.bulk_edit`` changes: a field left at "Keep" (empty) is not
    changed; "none" (or a ticked "clear" box) empties it."""
    changes: dict = {}
    for name in ("assignee", "swimlane"):
        value = data.get(name, "")
        if value:
            changes[name] = None if value == "none" else value
    for name in ("due", "estimate"):
        if data.get(f"clear_{name}"):
            changes[name] = None
        elif data.get(name, ""):
            changes[name] = data[name]
    if data.get("column", ""):
        changes["column"] = data["column"]
    for name in ("add_label", "remove_label"):
        if data.get(name, ""):
            changes[name] = data[name]
    if data.get("link_kind", "") or data.get("link_target", "").strip():
        changes["link"] = (data.get("link_kind", ""), data.get("link_target", ""))
    return changes


def _linked_summary(per_card: dict[int, dict[str, str]]) -> dict[str, str]:
    """The link field's refusal when selected cards already have the link (each card
    says what it links to)."""
    linked = sum("link.target_id" in found for found in per_card.values())
    if not linked:
        return {}
    cards = (
        "1 selected card already links" if linked == 1 else f"{linked} selected cards already link"
    )
    return {"link_target": f"{cards} to it"}


def _bulk_refused(request, board, error: ValidationFailed, selected: list):
    """The board again (422) with the bulk form's refusal: the reasons by field and by
    card, the cards still ticked."""
    data = request.POST
    per_card = getattr(error, "per_card", {})
    form_names = {"link.kind": "link_kind", "link.target_id": "link_target"}
    field_errors = {form_names.get(k, k): v for k, v in error.errors.items()}
    field_errors = _linked_summary(per_card) if per_card else field_errors
    return _board_page(
        request,
        board,
        status=422,
        bulk={"errors": field_errors, "per_card": per_card, "form": data, "selected": selected},
    )


def _bulk_archive(request, board, selected: list):
    """The bulk form's Archive button: every ticked card archived, or none."""
    try:
        cards = archive.archive_cards(board, selected, now=clock.now(), actor=request.user)
    except ValidationFailed as error:
        return _bulk_refused(request, board, error, selected)
    count = len(cards)
    messages.success(request, f"{count} card{'s' if count != 1 else ''} archived.")
    return HttpResponseRedirect(board_address(board, label_filter(request, board)[1]))


@require_POST
@page("work.edit")
def bulk_edit(request, slug: str):
    """Apply the bulk form to the ticked cards; refused, the board again (422) with the
    reasons by field and by card, the cards still ticked."""
    board = _board_or_404(request, slug)
    data = request.POST
    selected = data.getlist("cards")
    if data.get("action") == "archive":
        return _bulk_archive(request, board, selected)
    try:
        outcome = bulk.bulk_edit(
            board,
            selected,
            _bulk_changes(data),
            override_reason=data.get("override_reason", ""),
            now=clock.now(),
            actor=request.user,
        )
    except ValidationFailed as error:
        return _bulk_refused(request, board, error, selected)
    count = len(outcome.cards)
    over = " over a WIP limit, with your reason" if outcome.over_limit else ""
    messages.success(request, f"{count} card{'s' if count != 1 else ''} changed{over}.")
    return HttpResponseRedirect(board_address(board, label_filter(request, board)[1]))
