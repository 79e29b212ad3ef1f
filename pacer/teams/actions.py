"""Writes for teams: the default teams of a workspace, a team's name, members and lead,
its KPI targets, and its weekly reviews with decisions and follow-up actions.

Each checks everything first and raises ``ValidationFailed`` naming the field, so a
refusal writes nothing; each change is audited in its transaction.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from pacer.core import audit, clock
from pacer.core.errors import FIRST_DAY, LAST_DAY, ValidationFailed
from pacer.core.models import Membership, Role, Workspace
from pacer.core.permissions import allows
from pacer.teams.models import (
    KpiTarget,
    ReviewItem,
    ReviewItemKind,
    Team,
    TeamMember,
    WeeklyReview,
)
from pacer.teams.registry import METRICS

# the same as migrations/0002_default_teams.py, which made them for existing workspaces
DEFAULT_TEAMS = (
    ("brand", "Brand", "Positioning, awareness and the look and voice of every piece"),
    ("content", "Content", "The calendar, articles, video and social posts"),
    ("performance", "Performance", "Paid channels: spend, leads and acquisition cost"),
    ("cx", "CX", "Speed to lead, service quality, satisfaction and retention"),
    ("product", "Product", "Offers, pricing and what customers buy again"),
)
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_TARGET = Decimal("999999999999")
TARGET_PLACES = 4  # KpiTarget.target's decimal places
# what SQLite keeps of a decimal (it stores a float; Django reads 15 digits back)
TARGET_DIGITS = 15
TEXT_LENGTH = ReviewItem._meta.get_field("text").max_length


def create_default_teams(workspace: Workspace) -> int:
    """The five default teams (those missing); returns how many were created."""
    existing = set(Team.objects.filter(workspace=workspace).values_list("key", flat=True))
    missing = [
        Team(workspace=workspace, key=key, name=name, purpose=purpose)
        for key, name, purpose in DEFAULT_TEAMS
        if key not in existing
    ]
    Team.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def _member(workspace: Workspace, membership_id, field: str, errors: dict) -> Membership | None:
    if membership_id in (None, ""):
        return None
    try:
        number = int(membership_id)
    except (TypeError, ValueError):
        errors[field] = "must be a member's id"
        return None
    found = Membership.objects.filter(workspace=workspace, pk=number).select_related("user").first()
    if found is None:
        errors[field] = f"{number} is not a member of this workspace"
    elif not allows(found.role, "teams.view"):  # a partner's login: the portal only
        errors[field] = (
            f"'{found.user.username}' may not be in a team (role: {Role(found.role).label})"
        )
        return None
    return found


def _name_and_purpose(name: str, purpose: str, errors: dict) -> tuple[str, str]:
    name, purpose = (name or "").strip(), (purpose or "").strip()
    if not name:
        errors["name"] = "must not be empty"
    elif len(name) > 100:
        errors["name"] = "must be at most 100 characters"
    if len(purpose) > 300:
        errors["purpose"] = "must be at most 300 characters"
    return name, purpose


@transaction.atomic
def create_team(workspace: Workspace, *, key: str, name: str, purpose: str = "", actor=None):
    errors: dict[str, str] = {}
    key = (key or "").strip()
    if not KEY.match(key):
        errors["key"] = "use 1-40 lowercase letters, digits or '-', starting with one"
    elif Team.objects.filter(workspace=workspace, key=key).exists():
        errors["key"] = f"'{key}' is already a team in this workspace"
    name, purpose = _name_and_purpose(name, purpose, errors)
    if errors:
        raise ValidationFailed(errors)
    team = Team.objects.create(workspace=workspace, key=key, name=name, purpose=purpose)
    audit.record(workspace, "team.create", team, actor=actor, after=audit.snapshot(team))
    return team


@transaction.atomic
def update_team(
    team: Team,
    *,
    name: str,
    purpose: str = "",
    member_ids: list,
    lead_id=None,
    actor=None,
) -> Team:
    """Rename the team and set its members and its lead (who must be one of them)."""
    workspace = team.workspace
    errors: dict[str, str] = {}
    name, purpose = _name_and_purpose(name, purpose, errors)
    members: dict[int, Membership] = {}
    if not isinstance(member_ids, (list, tuple)) or len(member_ids) > 1000:
        errors["member_ids"] = "must be a list of at most 1000 member ids"
    else:
        for index, member_id in enumerate(member_ids):
            found = _member(workspace, member_id, f"member_ids[{index}]", errors)
            if found is not None:
                members[found.pk] = found
    lead = _member(workspace, lead_id, "lead_id", errors)
    if lead is not None and lead.pk not in members and "member_ids" not in errors:
        errors["lead_id"] = "the lead must be one of the team's members"
    if errors:
        raise ValidationFailed(errors)
    team = Team.objects.select_for_update().get(pk=team.pk)
    before = {
        **audit.snapshot(team, ["name", "purpose", "lead"]),
        "members": sorted(team.members.values_list("membership_id", flat=True)),
    }
    team.name, team.purpose, team.lead = name, purpose, lead
    team.save(update_fields=["name", "purpose", "lead"])
    team.members.exclude(membership_id__in=list(members)).delete()
    TeamMember.objects.bulk_create(
        [TeamMember(team=team, membership=m) for m in members.values()], ignore_conflicts=True
    )
    after = {**audit.snapshot(team, ["name", "purpose", "lead"]), "members": sorted(members)}
    audit.record(workspace, "team.update", team, actor=actor, before=before, after=after)
    return team


def parse_month(value, field: str, errors: dict) -> date | None:
    """A month from ``YYYY-MM`` or any day of it (``YYYY-MM-DD``), as its first day."""
    if isinstance(value, date):
        day = value
    else:
        text = str(value or "").strip()
        try:
            day = date.fromisoformat(text + "-01" if len(text) == 7 else text)
        except ValueError:
            errors[field] = "must be a month as YYYY-MM"
            return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors[field] = f"must be from {FIRST_DAY:%Y-%m} to {LAST_DAY:%Y-%m}"
        return None
    return day.replace(day=1)


def parse_target(metric: str, value, field: str, errors: dict) -> Decimal | None:
    """A target as stored: a float (as the API's ``target``) rounded to 4 places; a
    string or ``Decimal`` (a form's, the API's ``target_exact``) exactly, refused past 4
    places; refused past 15 significant digits (all SQLite keeps exactly); a count
    metric's refused unless whole."""
    try:
        amount = Decimal(str(value).strip())
        if not amount.is_finite() or abs(amount) > MAX_TARGET:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[field] = f"must be a number between -{MAX_TARGET} and {MAX_TARGET}"
        return None
    stored = amount.quantize(Decimal(1).scaleb(-TARGET_PLACES))
    if stored != amount and not isinstance(value, float):
        errors[field] = f"must have at most {TARGET_PLACES} decimal places"
        return None
    if len(stored.normalize().as_tuple().digits) > TARGET_DIGITS:
        errors[field] = f"must have at most {TARGET_DIGITS} significant digits"
        return None
    found = METRICS.get(metric)
    if found and found.is_count and amount != amount.to_integral_value():
        errors[field] = f"must be a whole number: {found.label.lower()} is a count"
        return None
    return stored


@transaction.atomic
def set_target(
    team: Team, *, metric: str, month, target, owner_id=None, actor=None, target_field="target"
) -> KpiTarget:
    """Set (or change) the team's target on ``metric`` for ``month`` (a refused target is
    named ``target_field``)."""
    workspace = team.workspace
    errors: dict[str, str] = {}
    if metric not in METRICS:
        errors["metric"] = f"must be one of {', '.join(METRICS)}"
    first = parse_month(month, "month", errors)
    amount = parse_target(metric, target, target_field, errors)
    owner = _member(workspace, owner_id, "owner_id", errors)
    if errors:
        raise ValidationFailed(errors)
    found = KpiTarget.objects.filter(team=team, metric=metric, month=first).first()
    before = audit.snapshot(found, ["target", "owner"]) if found else None
    saved, _ = KpiTarget.objects.update_or_create(
        team=team,
        metric=metric,
        month=first,
        defaults={"workspace": workspace, "target": amount, "owner": owner},
    )
    audit.record(
        workspace,
        "team.target",
        saved,
        actor=actor,
        before=before,
        after={
            "team": team.key,
            "metric": metric,
            "month": first.isoformat(),
            **audit.snapshot(saved, ["target", "owner"]),
        },
    )
    return saved


@transaction.atomic
def remove_target(team: Team, *, metric: str, month, actor=None) -> bool:
    """Remove the team's target on ``metric`` for ``month`` (a month as ``set_target``
    takes it); False when there was none (nothing written)."""
    errors: dict[str, str] = {}
    if metric not in METRICS:
        errors["metric"] = f"must be one of {', '.join(METRICS)}"
    first = parse_month(month, "month", errors)
    if errors:
        raise ValidationFailed(errors)
    found = KpiTarget.objects.select_for_update().filter(team=team, metric=metric, month=first)
    target = found.first()
    if target is None:
        return False
    before = {
        "team": team.key,
        "metric": metric,
        "month": first.isoformat(),
        **audit.snapshot(target, ["target", "owner"]),
    }
    audit.record(team.workspace, "team.target.remove", target, actor=actor, before=before)
    target.delete()
    return True


def parse_week(value, field: str, errors: dict) -> date | None:
    """The Monday of the week of a day (``YYYY-MM-DD``)."""
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value or "").strip())
    except ValueError:
        errors[field] = "must be a day as YYYY-MM-DD"
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        errors[field] = f"must be from {FIRST_DAY} to {LAST_DAY}"
        return None
    return date.fromordinal(day.toordinal() - day.weekday())


@transaction.atomic
def add_review_item(
    team: Team,
    *,
    week,
    kind: str,
    text: str,
    owner_id=None,
    due_on=None,
    notes: str | None = None,
    actor=None,
) -> ReviewItem:
    """Record a decision or a follow-up action (with an owner and a due day) in the
    team's review of ``week`` (the review is created with its first item)."""
    workspace = team.workspace
    errors: dict[str, str] = {}
    monday = parse_week(week, "week", errors)
    if kind not in ReviewItemKind.values:
        errors["kind"] = f"must be one of {', '.join(ReviewItemKind.values)}"
    text = (text or "").strip()
    if not text:
        errors["text"] = "must not be empty"
    elif len(text) > TEXT_LENGTH:
        errors["text"] = f"must be at most {TEXT_LENGTH} characters"
    owner = _member(workspace, owner_id, "owner_id", errors)
    due = None
    if due_on not in (None, ""):
        try:
            due = due_on if isinstance(due_on, date) else date.fromisoformat(str(due_on).strip())
            if not FIRST_DAY <= due <= LAST_DAY:
                raise ValueError
        except ValueError:
            errors["due_on"] = "must be a day as YYYY-MM-DD"
    if kind == ReviewItemKind.ACTION:
        if owner is None and "owner_id" not in errors:
            errors["owner_id"] = "a follow-up action needs an owner"
        if due is None and "due_on" not in errors:
            errors["due_on"] = "a follow-up action needs a due day"
        elif due is not None and monday is not None and due < monday:
            errors["due_on"] = "must not be before the week of the review"
    if notes is not None and len(notes) > 20_000:
        errors["notes"] = "must be at most 20000 characters"
    if errors:
        raise ValidationFailed(errors)
    review, _ = WeeklyReview.objects.get_or_create(
        team=team, week=monday, defaults={"workspace": workspace}
    )
    if notes is not None and notes.strip() != review.notes:
        review.notes = notes.strip()
        review.save(update_fields=["notes"])
    item = ReviewItem.objects.create(
        review=review, kind=kind, text=text, owner=owner, due_on=due if kind == "action" else None
    )
    audit.record(
        workspace,
        f"team.review_{kind}",
        item,
        actor=actor,
        after={
            "team": team.key,
            "week": monday.isoformat(),
            "text": text,
            "owner": owner.pk if owner else None,
            "due_on": item.due_on.isoformat() if item.due_on else None,
        },
    )
    return item


@transaction.atomic
def complete_action(team: Team, item_id: int, *, actor=None) -> ReviewItem:
    """Mark a follow-up action of the team done (once)."""
    item = (
        ReviewItem.objects.select_for_update()
        .filter(review__team=team, pk=item_id, kind=ReviewItemKind.ACTION)
        .first()
    )
    if item is None:
        raise ValidationFailed({"item_id": "no such follow-up action in this team"})
    if item.done_at is not None:
        raise ValidationFailed({"item_id": "already done"})
    item.done_at = clock.now()
    item.save(update_fields=["done_at"])
    audit.record(team.workspace, "team.action_done", item, actor=actor)
    return item
