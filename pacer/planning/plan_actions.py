"""Writes for the plan tree: create, change and move nodes, link campaigns, allocate
envelopes top-down. Each validates everything first, then writes in one transaction with
an audit entry."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum

from pacer.core import audit
from pacer.core.channels import CHANNELS
from pacer.core.errors import (
    FIRST_DAY,
    LAST_DAY,
    FieldError,
    ValidationFailed,
    check_day,
    check_text,
    parse_amount,
    row_id,
)
from pacer.core.models import Membership, Role, Workspace
from pacer.core.permissions import allows
from pacer.people.selectors import locations_by_code
from pacer.planning import summary
from pacer.planning.models import Campaign, PlanNode, PurchaseOrder, SpendEntry
from pacer.planning.scope import node_teams
from pacer.teams import selectors as teams

NODE_FIELDS = (
    "kind",
    "name",
    "fiscal_year",
    "period",
    "owner",
    "team",
    "channels",
    "locations",
    "starts_on",
    "ends_on",
    "objective",
    "target_kpis",
    "campaign",
)
MAX_KPIS = 20
MAX_LIST = 50
TEAM_LENGTH = 40  # a team's key


def _text(values: dict, field: str, limit: int, errors: dict, *, required=False) -> str:
    return check_text(errors, field, values.get(field), limit, required=required)


def _kpis(raw, errors: dict) -> dict[str, str]:
    """KPI name -> target as a decimal string (never a float)."""
    if not isinstance(raw, dict):
        errors["target_kpis"] = "must map KPI names to numbers"
        return {}
    if len(raw) > MAX_KPIS:
        errors["target_kpis"] = f"must name at most {MAX_KPIS} KPIs"
        return {}
    targets = {}
    for name, value in raw.items():
        field = f"target_kpis.{str(name)[:40]}"
        if not isinstance(name, str) or not name.strip() or len(name) > 40 or "\x00" in name:
            errors["target_kpis"] = "KPI names must be 1 to 40 characters"
            continue
        try:
            number = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            errors[field] = f"'{str(value)[:40]}' is not a number"
            continue
        if isinstance(value, bool) or not number.is_finite() or abs(number) >= Decimal(10) ** 12:
            errors[field] = "must be a finite number below 10^12"
            continue
        targets[name.strip()] = str(number)
    return targets


def check_node(workspace: Workspace, values: dict) -> tuple[dict, dict[str, str]]:
    """The node fields cleaned from ``values`` (as ``NODE_FIELDS``: ``owner`` a user id,
    ``team`` a team's key, ``campaign`` a campaign key, dates as dates), and what is
    wrong (field -> reason)."""
    errors: dict[str, str] = {}
    clean: dict = {}
    kind = values.get("kind") or ""
    if kind not in PlanNode.Kind.values:
        errors["kind"] = f"'{str(kind)[:20]}' is not one of {', '.join(PlanNode.Kind.values)}"
    clean["kind"] = kind
    clean["name"] = _text(values, "name", 200, errors, required=True)
    clean["period"] = _text(values, "period", 20, errors)
    clean["objective"] = _text(values, "objective", 2000, errors)
    team = _text(values, "team", TEAM_LENGTH, errors)
    clean["team_id"] = None
    if team and "team" not in errors:
        found_team = teams.team_by_key(workspace, team)
        if found_team is None:
            errors["team"] = f"no team '{team}' in this workspace"
        else:
            clean["team_id"] = found_team.pk
    year = values.get("fiscal_year")
    if isinstance(year, str) and year.strip().isdecimal():
        year = int(year)
    if isinstance(year, bool) or not isinstance(year, int):
        errors["fiscal_year"] = "must be a year"
    elif not FIRST_DAY.year <= year <= LAST_DAY.year:
        errors["fiscal_year"] = f"must be from {FIRST_DAY.year} to {LAST_DAY.year}"
    clean["fiscal_year"] = year
    for field in ("starts_on", "ends_on"):
        day = values.get(field)
        if day is not None:
            try:
                check_day(day, field)
            except FieldError as error:
                errors[field] = error.reason
        clean[field] = day
    starts_on, ends_on = clean["starts_on"], clean["ends_on"]
    if (
        not errors.keys() & {"starts_on", "ends_on"}
        and starts_on
        and ends_on
        and ends_on < starts_on
    ):
        errors["ends_on"] = "must not be before starts_on"
    channels = values.get("channels") or []
    if not isinstance(channels, list) or len(channels) > MAX_LIST:
        errors["channels"] = f"must be a list of at most {MAX_LIST} channels"
        channels = []
    unknown = [str(c)[:40] for c in channels if c not in CHANNELS]
    if unknown:
        errors["channels"] = f"'{unknown[0]}' is not a Pacer channel"
    clean["channels"] = sorted(set(channels) - set(unknown))
    codes = values.get("locations") or []
    if not isinstance(codes, list) or len(codes) > MAX_LIST:
        errors["locations"] = f"must be a list of at most {MAX_LIST} location codes"
        codes = []
    codes = [c for c in codes if isinstance(c, str)]
    known = locations_by_code(workspace, codes) if codes else {}
    missing = [c[:40] for c in codes if c not in known]
    if missing:
        errors["locations"] = f"no location '{missing[0]}' in this workspace"
    clean["locations"] = sorted(known)
    clean["target_kpis"] = _kpis(values.get("target_kpis") or {}, errors)
    owner = values.get("owner")
    clean["owner_id"] = None
    if owner not in (None, ""):
        owner_id = row_id(owner)
        member = (
            Membership.objects.filter(workspace=workspace, user_id=owner_id)
            .select_related("user")
            .first()
            if owner_id is not None
            else None
        )
        if member is None:
            errors["owner"] = "must be a member of this workspace"
        elif not allows(member.role, "plans.view"):  # a partner's login: the portal only
            errors["owner"] = (
                f"'{member.user.username}' may not own plans (role: {Role(member.role).label})"
            )
        clean["owner_id"] = owner_id
    key = values.get("campaign") or ""
    clean["campaign"] = None
    if key:
        found = (  # PostgreSQL cannot compare text holding a NUL: no key has one
            Campaign.objects.filter(workspace=workspace, key=str(key)).first()
            if "\x00" not in str(key)
            else None
        )
        if found is None:
            errors["campaign"] = f"no campaign '{str(key)[:200]}' in this workspace"
        clean["campaign"] = found
    return clean, errors


def _linked_elsewhere(workspace, campaign: Campaign | None, node_id: int | None) -> str:
    if campaign is None:
        return ""
    other = PlanNode.objects.filter(workspace=workspace, campaign=campaign).exclude(pk=node_id)
    other = other.first()
    return f"campaign '{campaign.key}' belongs to node '{other.name}' already" if other else ""


def _parent(workspace: Workspace, parent_id) -> PlanNode | None:
    if parent_id in (None, ""):
        return None
    if not str(parent_id).isdecimal() or len(str(parent_id)) > 18:
        raise ValidationFailed({"parent": "must be a node id"})
    parent = PlanNode.objects.filter(workspace=workspace, pk=int(parent_id)).first()
    if parent is None:
        raise ValidationFailed({"parent": f"no node {parent_id} in this workspace"})
    return parent


@transaction.atomic
def create_node(workspace: Workspace, values: dict, *, parent_id=None, actor=None) -> PlanNode:
    """A new node under ``parent_id`` (a root plan without one)."""
    clean, errors = check_node(workspace, values)
    try:
        parent = _parent(workspace, parent_id)
    except ValidationFailed as error:
        errors.update(error.errors)
        parent = None
    if not errors and (problem := _linked_elsewhere(workspace, clean["campaign"], None)):
        errors["campaign"] = problem
    if errors:
        raise ValidationFailed(errors)
    node = PlanNode.objects.create(workspace=workspace, parent=parent, **clean)
    if node.campaign_id is not None:  # its campaign's spend is the node's
        summary.refresh(workspace, nodes=[node.pk])
    audit.record(workspace, "plan_node.create", node, actor=actor, after=audit.snapshot(node))
    return node


@transaction.atomic
def update_node(node: PlanNode, values: dict, *, actor=None) -> PlanNode:
    """Change a node's fields (its place in the tree changes by ``move_node``)."""
    workspace = node.workspace
    clean, errors = check_node(workspace, values)
    if not errors and (problem := _linked_elsewhere(workspace, clean["campaign"], node.pk)):
        errors["campaign"] = problem
    if errors:
        raise ValidationFailed(errors)
    node = PlanNode.objects.select_for_update().get(pk=node.pk)
    before = audit.snapshot(node)
    campaign, year, teams_before = node.campaign_id, node.fiscal_year, node_teams(workspace)
    for field, value in clean.items():
        setattr(node, field, value)
    after = audit.snapshot(node)
    if after != before:
        node.save()
        # the nodes whose figures moved: the spend that is the node's, its fiscal year, or
        # the team its lines (and those of the nodes that inherit it) count for
        changed = _team_changed(workspace, teams_before)
        if node.campaign_id != campaign or node.fiscal_year != year:
            changed.add(node.pk)
        if changed:
            summary.refresh(workspace, nodes=changed)
        audit.record(workspace, "plan_node.update", node, actor=actor, before=before, after=after)
    return node


def _team_changed(workspace: Workspace, before: dict[int, int | None]) -> set[int]:
    """The nodes whose team (own or inherited) is not what it was ``before``."""
    return {pk for pk, team in node_teams(workspace).items() if before.get(pk) != team}


def ancestors(node: PlanNode) -> list[int]:
    """The ids above ``node``, nearest first."""
    found, parent_id = [], node.parent_id
    parents = dict(
        PlanNode.objects.filter(workspace_id=node.workspace_id).values_list("id", "parent_id")
    )
    while parent_id is not None and parent_id not in found:
        found.append(parent_id)
        parent_id = parents.get(parent_id)
    return found


@transaction.atomic
def move_node(node: PlanNode, parent_id, *, actor=None) -> PlanNode:
    """Put ``node`` (with its subtree) under another parent, or at the top with none.
    A node cannot go under itself or its own descendants."""
    workspace = node.workspace
    parent = _parent(workspace, parent_id)
    if parent is not None and (parent.pk == node.pk or node.pk in ancestors(parent)):
        raise ValidationFailed({"parent": "must not be the node itself or one of its descendants"})
    node = PlanNode.objects.select_for_update().get(pk=node.pk)
    before, teams_before = {"parent": node.parent_id}, node_teams(workspace)
    node.parent = parent
    node.save(update_fields=["parent"])
    if changed := _team_changed(workspace, teams_before):  # the nodes that inherit anew
        summary.refresh(workspace, nodes=changed)
    audit.record(
        workspace, "plan_node.move", node, actor=actor, before=before, after={"parent": parent_id}
    )
    return node


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def kept_for(node: PlanNode) -> str:
    """Why ``node`` cannot be deleted (empty: it can): what it has, each with its count
    (child nodes, budget lines, the purchase orders on them, its campaign's spend), and
    what to do first."""
    has, todo = [], []
    if children := node.children.count():
        has.append(_count(children, "child node", "child nodes"))
        todo.append("move or delete the child nodes")
    if lines := node.lines.count():
        has.append(_count(lines, "budget line", "budget lines"))
        todo.append("move the lines' money and delete them")
    if orders := PurchaseOrder.objects.filter(line__node=node).count():
        has.append(_count(orders, "purchase order", "purchase orders"))
    spent = node.campaign_id and SpendEntry.objects.filter(campaign_id=node.campaign_id).count()
    if spent:
        has.append(
            f"spend ({_count(spent, 'line', 'lines')} of its campaign '{node.campaign.key}')"
        )
        todo.append("unlink the campaign")
    if not has:
        return ""
    if orders:
        return f"has {_listed(has)}: the orders' lines are kept for them, so the node is too"
    return f"has {_listed(has)}: {_listed(todo)} first"


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


@transaction.atomic
def delete_node(node: PlanNode, *, actor=None) -> None:
    """Remove a node that has no children, no budget lines (so no purchase orders) and no
    spend of a linked campaign; refused naming what it has (``kept_for``)."""
    node = PlanNode.objects.select_for_update().get(
        pk=node.pk
    )  # no join: PostgreSQL locks no nullable side
    if reason := kept_for(node):
        raise ValidationFailed({"node": reason})
    audit.record(node.workspace, "plan_node.delete", node, actor=actor, before=audit.snapshot(node))
    summary.drop(node.workspace, [node.pk])
    node.delete()


@transaction.atomic
def allocate(node: PlanNode, amounts: dict[int, object], *, actor=None) -> dict[int, Decimal]:
    """Set the envelopes of ``node``'s children (child id -> amount, workspace currency),
    top-down: together with the children not named they may not exceed ``node``'s own
    envelope (a root without one may allocate freely). Returns the envelopes set."""
    workspace = node.workspace
    errors: dict[str, str] = {}
    children = {c.pk: c for c in PlanNode.objects.select_for_update().filter(parent=node)}
    parsed: dict[int, Decimal] = {}
    for child_id, raw in amounts.items():
        field = f"allocations.{child_id}"
        if child_id not in children:
            errors[field] = f"node {child_id} is not a child of node {node.pk}"
            continue
        try:
            parsed[child_id] = parse_amount(raw, field)
        except FieldError as error:
            errors[error.field] = error.reason
    if errors:
        raise ValidationFailed(errors)
    node = PlanNode.objects.select_for_update().get(pk=node.pk)
    kept = PlanNode.objects.filter(parent=node).exclude(pk__in=list(parsed))
    others = kept.aggregate(total=Sum("allocation"))["total"] or Decimal(0)
    total = others + sum(parsed.values(), Decimal(0))
    if node.allocation is not None and total > node.allocation:
        raise ValidationFailed(
            {
                "allocations": f"total {total:.2f} exceeds the node's own envelope "
                f"{node.allocation:.2f}"
            }
        )
    for child_id, amount in parsed.items():
        child = children[child_id]
        before = {"allocation": str(child.allocation) if child.allocation is not None else None}
        child.allocation = amount
        child.save(update_fields=["allocation"])
        audit.record(
            workspace,
            "plan_node.allocate",
            child,
            actor=actor,
            before=before,
            after={"allocation": str(amount)},
        )
    return parsed


@transaction.atomic
def set_root_allocation(node: PlanNode, amount, *, actor=None) -> PlanNode:
    """The envelope of a top-level plan (a child's comes from ``allocate``)."""
    if node.parent_id is not None:
        raise ValidationFailed({"allocation": "a child node's envelope is set by its parent"})
    try:
        value = parse_amount(amount, "allocation")
    except FieldError as error:
        raise ValidationFailed({error.field: error.reason}) from None
    allocated = PlanNode.objects.filter(parent=node).aggregate(t=Sum("allocation"))["t"] or 0
    if value < allocated:
        raise ValidationFailed(
            {"allocation": f"must be at least {allocated:.2f}, allocated to its children already"}
        )
    node = PlanNode.objects.select_for_update().get(pk=node.pk)
    before = {"allocation": str(node.allocation) if node.allocation is not None else None}
    node.allocation = value
    node.save(update_fields=["allocation"])
    audit.record(
        node.workspace,
        "plan_node.allocate",
        node,
        actor=actor,
        before=before,
        after={"allocation": str(value)},
    )
    return node


@transaction.atomic
def set_envelopes(
    node: PlanNode, children: dict[int, object], *, envelope=None, actor=None
) -> dict[int, Decimal]:
    """Allocate top-down in one go: the envelopes of ``node``'s children (``allocate``)
    and, for a top-level plan, its own ``envelope`` (None: kept). Lowering a plan's
    envelope and its children's together works in either order; all or nothing."""
    if envelope is None:
        return allocate(node, children, actor=actor)
    if node.parent_id is not None:
        raise ValidationFailed({"envelope": "a child node's envelope is set by its parent"})
    try:
        value = parse_amount(envelope, "envelope")
    except FieldError as error:
        raise ValidationFailed({error.field: error.reason}) from None
    try:
        if node.allocation is not None and value < node.allocation:  # the children's first
            found = allocate(node, children, actor=actor)
            set_root_allocation(node, value, actor=actor)
            return found
        set_root_allocation(node, value, actor=actor)
    except ValidationFailed as error:  # named as this action's argument
        raise ValidationFailed(
            {"envelope" if k == "allocation" else k: v for k, v in error.errors.items()}
        ) from None
    node.refresh_from_db(fields=["allocation"])
    return allocate(node, children, actor=actor)
