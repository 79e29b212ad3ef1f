"""Where a card goes in its cell (a column in a swimlane): sparse positions.

Cards of a cell are ordered by ``(position, id)``. Positions are ``GAP`` apart when a cell
is renumbered, so a card put between two neighbours takes the integer halfway between
them and only its own row is written. When two neighbours are adjacent (no integer left
between them, after about ten moves into the same gap) the whole cell is renumbered in
one statement, then the card is placed. At the top a card takes its first neighbour's
position less ``GAP`` (positions may go negative), at the bottom the last's plus ``GAP``.

Call these with the board's row locked (``move_card`` and ``create_card`` do), so two
writers never pick the same slot.
"""

from django.db import connection
from django.db.models import Q

from pacer.core.errors import ValidationFailed
from pacer.work.models import Card

GAP = 1024


def _cell(column_id: int, lane_id: int | None, card_id: int | None):
    cards = Card.objects.filter(column_id=column_id, swimlane_id=lane_id)
    return cards.exclude(pk=card_id) if card_id else cards


def renumber(column_id: int, lane_id: int | None) -> None:
    """Space the cell's cards ``GAP`` apart in their present order (one UPDATE)."""
    table = connection.ops.quote_name(Card._meta.db_table)
    lane = "swimlane_id IS NULL" if lane_id is None else "swimlane_id = %s"
    params = [GAP, column_id] + ([] if lane_id is None else [lane_id])
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET position = ranked.rank * %s FROM ("  # noqa: S608 (names only)
            f"SELECT id, ROW_NUMBER() OVER (ORDER BY position, id) AS rank FROM {table} "
            f"WHERE column_id = %s AND {lane}) AS ranked WHERE {table}.id = ranked.id",
            params,
        )


def _neighbour(cell, errors: dict, field: str, card_id) -> tuple[int, int] | None:
    try:
        found = cell.filter(pk=int(card_id)).values_list("position", "id").first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors[field] = "is not a card in that column and swimlane"
    return found


def _neighbours(cell, errors: dict, *, before, after, index):
    """``(position, id)`` of the cards just above and just below the slot (or None)."""
    if before not in (None, ""):
        below = _neighbour(cell, errors, "before", before)
        if below is None:
            return None, None
        position, card_id = below
        above = (
            cell.filter(Q(position__lt=position) | Q(position=position, id__lt=card_id))
            .order_by("-position", "-id")
            .values_list("position", "id")
            .first()
        )
        return above, below
    if after not in (None, ""):
        above = _neighbour(cell, errors, "after", after)
        if above is None:
            return None, None
        position, card_id = above
        below = (
            cell.filter(Q(position__gt=position) | Q(position=position, id__gt=card_id))
            .order_by("position", "id")
            .values_list("position", "id")
            .first()
        )
        return above, below
    ordered = cell.order_by("position", "id").values_list("position", "id")
    if index is None:
        return cell.order_by("-position", "-id").values_list("position", "id").first(), None
    if index == 0:
        return None, ordered.first()
    pair = list(ordered[index - 1 : index + 1])
    if not pair:  # past the end: the bottom
        return cell.order_by("-position", "-id").values_list("position", "id").first(), None
    return pair[0], (pair[1] if len(pair) > 1 else None)


def slot(
    column_id: int,
    lane_id: int | None,
    *,
    card_id: int | None = None,
    before=None,
    after=None,
    index: int | None = None,
) -> int:
    """The position for card ``card_id`` (None: a new card) in the cell: just above card
    ``before``, just below card ``after``, at ``index`` (0 = top) or, with none of them,
    at the bottom. Raises ``ValidationFailed`` naming ``before``/``after`` when that card
    is not in the cell."""
    cell = _cell(column_id, lane_id, card_id)
    for attempt in range(2):
        errors: dict[str, str] = {}
        above, below = _neighbours(cell, errors, before=before, after=after, index=index)
        if errors:
            raise ValidationFailed(errors)
        if above is None and below is None:
            return GAP
        if above is None:
            return below[0] - GAP
        if below is None:
            return above[0] + GAP
        if below[0] - above[0] >= 2:
            return (above[0] + below[0]) // 2
        if attempt == 0:
            renumber(column_id, lane_id)
    raise AssertionError("a renumbered cell leaves a gap between neighbours")
