"""Checks of the input of the work domain's writes: each takes the ``errors`` map, puts a
reason under the field it refuses and answers the cleaned value (None when refused or
empty)."""

from datetime import date

from django.contrib.auth.models import User

from pacer.core.errors import FIRST_DAY, LAST_DAY, ValidationFailed, check_text, row_id
from pacer.core.models import Membership, Role, Workspace
from pacer.core.permissions import allows
from pacer.work.models import Board, Card, Column, Label, Swimlane

MAX_LIMIT = 999
MAX_ESTIMATE = 999


ARCHIVED = "is archived: restore it first"


def acting_user(actor) -> User | None:
    """The user a write is recorded under: ``actor`` when it is a signed-in user, else
    None (a task, the command line, an anonymous caller)."""
    return actor if getattr(actor, "is_authenticated", False) else None


def writable(card: Card) -> Card:
    """The card, read again and locked for the caller's transaction, when it may be
    changed; an archived card is read-only until it is restored, so every write to a card
    or to what is on it (fields, checklist, comments, labels, links, files, sprint) is
    refused here at ``card``, before anything is written."""
    locked = (
        Card.objects.select_for_update(of=("self",))
        .select_related("board", "column", "workspace")
        .get(pk=card.pk)
    )
    if locked.archived_at is not None:
        raise ValidationFailed({"card": ARCHIVED})
    return locked


def text(errors: dict, field: str, value, limit: int, *, required: bool = True) -> str:
    return check_text(errors, field, value, limit, required=required)


def limit(errors: dict, field: str, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = "must be a whole number"
        return None
    if not 1 <= number <= MAX_LIMIT:
        errors[field] = f"must be between 1 and {MAX_LIMIT} (or empty for no limit)"
    return number


def day(errors: dict, field: str, value) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            errors[field] = f"'{value[:20]}' is not a date (YYYY-MM-DD)"
            return None
    if not isinstance(value, date) or not FIRST_DAY <= value <= LAST_DAY:
        errors[field] = f"must be a day from {FIRST_DAY} to {LAST_DAY}"
        return None
    return value


def member(errors: dict, field: str, workspace: Workspace, user_id) -> User | None:
    if user_id in (None, ""):
        return None
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        errors[field] = "must be a member's id"
        return None
    member = Membership.objects.filter(workspace=workspace, user_id=row_id(user_id))
    found = member.select_related("user").first()
    if found is None:
        errors[field] = f"{user_id} is not a member of this workspace"
        return None
    if not allows(found.role, "work.edit"):  # a partner's login: it sees only the portal
        errors[field] = (
            f"'{found.user.username}' may not work cards (role: {Role(found.role).label})"
        )
        return None
    return found.user


def column_of(errors: dict, board: Board, column_id) -> Column | None:
    try:
        return board.columns.get(pk=row_id(column_id))
    except (TypeError, ValueError, Column.DoesNotExist):
        errors["column"] = "is not a column of this board"
        return None


def lane_of(errors: dict, board: Board, lane_id) -> Swimlane | None:
    if lane_id in (None, ""):
        return None
    try:
        return board.swimlanes.get(pk=row_id(lane_id))
    except (TypeError, ValueError, Swimlane.DoesNotExist):
        errors["swimlane"] = "is not a swimlane of this board"
        return None


def estimate(errors: dict, value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors["estimate"] = "must be a whole number of points"
        return None
    if not 0 <= number <= MAX_ESTIMATE:
        errors["estimate"] = f"must be between 0 and {MAX_ESTIMATE}"
    return number


def position(errors: dict, position) -> int | None:
    if position in (None, ""):
        return None
    try:
        number = int(position)
        if not 0 <= number <= 100_000:
            raise ValueError
    except (TypeError, ValueError):
        errors["position"] = "must be a whole number from 0 to 100000"
        return None
    return number


def labels_of(
    errors: dict, board: Board, label_ids, *, limit: int, field: str = "labels"
) -> list[Label]:
    """The labels of ``board`` with the ids ``label_ids`` (at most ``limit``), in name
    order; an id that is not one of the board's is refused."""
    if label_ids in (None, ""):
        return []
    if isinstance(label_ids, int | str):
        label_ids = [label_ids]
    try:
        ids = {int(x) for x in label_ids}
    except (TypeError, ValueError):
        errors[field] = "must be label ids"
        return []
    if len(ids) > limit:
        errors[field] = f"at most {limit} labels"
        return []
    found = list(Label.objects.filter(board=board, pk__in=[row_id(i) for i in ids]))
    missing = sorted(ids - {x.pk for x in found})
    if missing:
        errors[field] = f"{', '.join(map(str, missing))}: not a label of this board"
    return found
