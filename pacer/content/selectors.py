"""Reads for content: the workflow, items and their versions, the approval state, the
calendar's items and bands, feeds, and the asset library."""

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, F, Max, QuerySet, Window
from django.db.models.functions import RowNumber, TruncDate

from pacer.content import search as search_index
from pacer.content.models import (
    ApprovalStep,
    Asset,
    AssetUse,
    CalendarFeed,
    Collection,
    ContentFlag,
    ContentItem,
    ContentKind,
    ContentVersion,
    DeadlineTask,
    Decision,
    FeedScope,
    Handoff,
    ShareLink,
    TalentRelease,
    Theme,
    VersionComment,
    Workflow,
)
from pacer.content.rights import rights_problems
from pacer.content.workflow import DEFAULT_STATES, DEFAULT_TRANSITIONS, IN_REVIEW, PUBLISHED
from pacer.core.actions import digest_secret
from pacer.core.models import Workspace
from pacer.core.permissions import members_holding


@dataclass(frozen=True)
class Flow:
    states: list[dict]
    transitions: dict[str, list[str]]

    def has(self, state: str) -> bool:
        return any(s["key"] == state for s in self.states)

    def allowed(self, state: str) -> list[str]:
        return self.transitions.get(state, [])

    def needs_approval(self, state: str) -> bool:
        return any(s["key"] == state and s["needs_approval"] for s in self.states)

    def is_review(self, state: str) -> bool:
        """Whether entering ``state`` opens the approval steps (a workflow saved before
        states had ``review`` treats ``in_review`` as its review state)."""
        return any(s["key"] == state and s.get("review", state == IN_REVIEW) for s in self.states)

    @property
    def review_states(self) -> list[str]:
        return [s["key"] for s in self.states if self.is_review(s["key"])]

    def after_approval(self, state: str) -> str | None:
        """Where an item in review goes when its last step is approved: the first state
        it may move to that needs approval."""
        return next((t for t in self.allowed(state) if self.needs_approval(t)), None)

    def after_rejection(self, state: str) -> str | None:
        """Where an item in review goes when a step is rejected: the first state it may
        move to that neither needs approval nor is a review."""
        allowed = self.allowed(state)
        return next((t for t in allowed if not (self.needs_approval(t) or self.is_review(t))), None)

    def label(self, state: str) -> str:
        return next((s["label"] for s in self.states if s["key"] == state), state)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(s["key"], s["label"]) for s in self.states]


def workflow(workspace: Workspace) -> Flow:
    """The workspace's workflow (the default until one is configured)."""
    found = Workflow.objects.filter(workspace=workspace).first()
    if found is None:
        return Flow(DEFAULT_STATES, DEFAULT_TRANSITIONS)
    return Flow(found.states, found.transitions)


def items(
    workspace: Workspace,
    *,
    kind: str = "",
    state: str = "",
    channel: str = "",
    team: str = "",
    theme: str = "",
    search: str = "",
) -> QuerySet[ContentItem]:
    rows = ContentItem.objects.filter(workspace=workspace)
    for field, value in (("kind", kind), ("state", state), ("channel", channel), ("team", team)):
        if value:
            rows = rows.filter(**{field: value})
    if theme.isdecimal() and int(theme) < 2**63:  # past a row id: no theme's
        rows = rows.filter(theme_id=int(theme))
    if search:
        rows = rows.filter(title__icontains=search)
    return rows.select_related("theme", "owner")


def item(workspace: Workspace, item_id: int) -> ContentItem | None:
    return items(workspace).filter(pk=item_id).first()


def latest_version(item: ContentItem) -> ContentVersion | None:
    return item.versions.order_by("-number").first()


def version(item: ContentItem, number: int) -> ContentVersion | None:
    return item.versions.filter(number=number).first()


def steps_of(version: ContentVersion) -> list[ApprovalStep]:
    return list(version.steps.select_related("reviewer").order_by("position"))


def approval_problem(item: ContentItem) -> str | None:
    """Why the item's latest version is not fully approved, or ``None`` when it is."""
    latest = latest_version(item)
    if latest is None:
        return "it has no version"
    steps = steps_of(latest)
    if not steps:
        return f"version {latest.number} has no approval steps (submit it for review)"
    for step in steps:
        if step.decision != Decision.APPROVED:
            who = step.reviewer.get_username()
            return f"step {step.position} '{step.name}' ({who}) is {step.decision}"
    return None


def open_step_for(item: ContentItem, user) -> ApprovalStep | None:
    """The step of the latest version the user may vote on now."""
    latest = latest_version(item)
    if latest is None:
        return None
    for step in steps_of(latest):
        if step.decision == Decision.APPROVED:
            continue
        if step.decision == Decision.PENDING and step.reviewer_id == getattr(user, "pk", None):
            return step
        return None
    return None


def diff(older: ContentVersion, newer: ContentVersion) -> list[tuple[str, str]]:
    """The line diff of two versions as ``(kind, line)``: kind is "add", "del", "same" or
    "hunk" (a ``@@`` header)."""
    lines = difflib.unified_diff(
        older.body.splitlines(),
        newer.body.splitlines(),
        f"version {older.number}",
        f"version {newer.number}",
        lineterm="",
    )
    kinds = []
    for line in list(lines)[2:]:
        kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "same")
        kinds.append((kind, line))
    return kinds


def comments(item: ContentItem) -> QuerySet:
    return (
        VersionComment.objects.filter(version__item=item)
        .select_related("author", "version")
        .order_by("created_at", "pk")
    )


def themes(workspace: Workspace, start: date | None = None, end: date | None = None):
    rows = Theme.objects.filter(workspace=workspace)
    if start and end:
        rows = rows.filter(starts_on__lte=end, ends_on__gte=start)
    return rows.order_by("starts_on", "pk")


def teams(workspace: Workspace) -> list[str]:
    return list(
        ContentItem.objects.filter(workspace=workspace)
        .exclude(team="")
        .values_list("team", flat=True)
        .distinct()
        .order_by("team")
    )


CALENDAR_FIELDS = ("pk", "title", "kind", "state", "scheduled_for")


def first_of_each_day(
    rows: QuerySet[ContentItem], start: date, end: date, per_day: int
) -> tuple[list[dict], list[dict]]:
    """What a calendar grid shows of the inclusive days: the first ``per_day`` items
    scheduled on each day (UTC), in time order, and the first ``per_day`` deadlines of
    each day (as ``due_between``), as plain rows, each with ``day`` and ``day_total`` (how
    many the day holds in all). Two queries whatever the number of items: a day's rows
    past ``per_day`` are numbered and dropped in the database, not read."""
    low = datetime.combine(start, time.min, tzinfo=UTC)
    high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    scheduled = _firsts(
        rows.filter(scheduled_for__gte=low, scheduled_for__lt=high),
        _UTCDay("scheduled_for"),
        ("scheduled_for", "pk"),
        per_day,
    ).values(*CALENDAR_FIELDS, "day", "day_total")
    due = _firsts(_due(rows, start, end), F("due_on"), ("due_on", "pk"), per_day)
    return list(scheduled), list(due.values("pk", "title", "state", "due_on", "day_total"))


class _UTCDay(TruncDate):
    """The UTC day of a date-time. SQLite keeps date-times as UTC text, so the day is its
    first ten characters (``TruncDate`` there calls a Python function per row, which cost
    a month's grid more than reading all its items)."""

    def __init__(self, expression):
        super().__init__(expression, tzinfo=UTC)

    def as_sqlite(self, compiler, connection, **extra):
        sql, params = compiler.compile(self.lhs)
        return f"substr({sql}, 1, 10)", params


def _firsts(rows: QuerySet, day, order: tuple[str, ...], per_day: int) -> QuerySet:
    """The first ``per_day`` of ``rows`` on each ``day`` by ``order``, with the day's
    total."""
    return (
        rows.annotate(
            day=day,
            place=Window(RowNumber(), partition_by=[day], order_by=[F(f).asc() for f in order]),
            day_total=Window(Count("pk"), partition_by=[day]),
        )
        .filter(place__lte=per_day)
        .order_by(*order)
    )


def _due(rows: QuerySet[ContentItem], start: date, end: date) -> QuerySet[ContentItem]:
    return rows.filter(due_on__gte=start, due_on__lte=end).exclude(
        state__in=(PUBLISHED, "archived")
    )


def due_between(rows: QuerySet[ContentItem], start: date, end: date) -> list[dict]:
    """Items whose deadline falls on the inclusive days and that are not yet published
    or archived, by day, as plain rows (``pk``, ``title``, ``state``, ``due_on``)."""
    return list(
        _due(rows, start, end).order_by("due_on", "pk").values("pk", "title", "state", "due_on")
    )


def feed_by_token(token: str) -> CalendarFeed | None:
    """The feed whose secret token this is (looked up by its digest), or ``None``."""
    if not token or len(token) > 64:
        return None
    return (
        CalendarFeed.objects.filter(digest=digest_secret(token))
        .select_related("workspace", "user")
        .first()
    )


def share_link_by_token(token: str) -> ShareLink | None:
    """The share link whose secret token this is (looked up by its digest), or ``None``."""
    if not token or len(token) > 64:
        return None
    return (
        ShareLink.objects.filter(digest=digest_secret(token))
        .select_related("collection", "asset", "partner", "revoked_by")
        .first()
    )


def feeds_of(workspace: Workspace, user) -> list[CalendarFeed]:
    return list(CalendarFeed.objects.filter(workspace=workspace, user=user).order_by("scope"))


FEED_FIELDS = ("pk", "title", "kind", "state", "channel", "team", "scheduled_for")


def feed_rows(feed: CalendarFeed, limit: int) -> Iterator[tuple]:
    """The first ``limit`` scheduled items a feed shows, in time order, as tuples of
    ``FEED_FIELDS``, read in chunks."""
    return feed_items(feed)[:limit].values_list(*FEED_FIELDS).iterator(chunk_size=2000)


def feed_version(feed: CalendarFeed) -> tuple[int, datetime]:
    """What a feed's content hangs on: how many items it shows and when the latest of
    them (or the feed) last changed. Every change to its items moves one of the two: an
    edit or a new item the time, a deletion the count."""
    found = feed_items(feed).order_by().aggregate(count=Count("pk"), latest=Max("changed_at"))
    latest = max(filter(None, (found["latest"], feed.rotated_at)))
    return found["count"], latest


def feed_items(feed: CalendarFeed) -> QuerySet[ContentItem]:
    """The scheduled items a feed shows: the user's own, a team's, or all."""
    rows = ContentItem.objects.filter(workspace=feed.workspace, scheduled_for__isnull=False)
    if feed.scope == FeedScope.USER:
        rows = rows.filter(owner=feed.user)
    elif feed.scope == FeedScope.TEAM:
        rows = rows.filter(team=feed.team)
    return rows.order_by("scheduled_for", "pk")


# -- assets ------------------------------------------------------------------------------


def assets(
    workspace: Workspace, *, search: str = "", tag: str = "", status: str = "", collection: str = ""
) -> QuerySet[Asset]:
    """The workspace's assets, narrowed by words of their name, description or tags (case
    and accents ignored, every word needed; ``pacer.content.search``), a tag, a status and
    a collection."""
    rows = Asset.objects.filter(workspace=workspace)
    words = search.split()[: search_index.MAX_WORDS - 1] + ([f"#{tag}"] if tag else [])
    if words:
        rows = search_index.matching(rows, words)
    if status:
        rows = rows.filter(status=status)
    if collection.isdecimal():
        rows = rows.filter(collections__pk=int(collection))
    return rows.select_related("owner")


def asset(workspace: Workspace, asset_id: int) -> Asset | None:
    return Asset.objects.filter(workspace=workspace, pk=asset_id).first()


def asset_versions(asset: Asset) -> list:
    return list(asset.versions.prefetch_related("renditions").order_by("-number"))


def where_used(asset: Asset) -> QuerySet[AssetUse]:
    return asset.uses.select_related("item").order_by("item__scheduled_for", "pk")


def uses_of(asset_ids: list[int]) -> dict[int, list[int]]:
    """The ids of the items that use each of ``asset_ids``, in order."""
    found: dict[int, list[int]] = {}
    rows = AssetUse.objects.filter(asset_id__in=asset_ids).order_by("asset_id", "item_id")
    for asset_id, item_id in rows.values_list("asset_id", "item_id"):
        found.setdefault(asset_id, []).append(item_id)
    return found


def collections(workspace: Workspace) -> QuerySet[Collection]:
    return Collection.objects.filter(workspace=workspace).order_by("name")


def collection(workspace: Workspace, collection_id: int) -> Collection | None:
    return collections(workspace).filter(pk=collection_id).first()


def check_asset_use(
    workspace: Workspace, asset_id: int, channel: str, territory: str, on_date: date
) -> list[str]:
    """Every reason the asset may not be used on ``on_date`` in ``territory`` (ISO code,
    or "" when none) on ``channel`` (a channel key): withdrawn, outside its licensed days,
    territories or channels, or showing a person whose talent release does not cover the
    use. Empty when the use is allowed. Other domains (messaging) call this before they
    put an asset in a message.

    Example: ``check_asset_use(ws, 7, "email", "DE", date(2026, 7, 1))`` ->
    ``["'Beach' may be used until 2026-06-30, not on 2026-07-01"]``."""
    found = (
        Asset.objects.filter(workspace=workspace, pk=asset_id).prefetch_related("releases").first()
        if isinstance(asset_id, int) and 0 < asset_id < 2**63
        else None
    )
    if found is None:
        return [f"asset {asset_id} does not exist in this workspace"]
    return rights_problems(found, on_date, territory=territory or "", channel=channel or "")


def release_list(asset: Asset) -> list:
    return list(asset.releases.select_related("document").order_by("person", "pk"))


def open_flags(item: ContentItem) -> list:
    return list(item.flags.filter(resolved_at__isnull=True).select_related("asset"))


def release(asset: Asset, release_id: int) -> TalentRelease | None:
    return asset.releases.filter(pk=release_id).first()


FLAG_STATUSES = (("open", "Open"), ("cleared", "Cleared"), ("all", "Open and cleared"))


def flags(workspace: Workspace, *, status: str = "open", kind: str = "") -> QuerySet[ContentFlag]:
    """Flags of items that use a withdrawn asset: open ones (to work through), cleared
    ones, or both (``status`` "all")."""
    rows = ContentFlag.objects.filter(workspace=workspace)
    if status == "open":
        rows = rows.filter(resolved_at__isnull=True)
    elif status == "cleared":
        rows = rows.filter(resolved_at__isnull=False)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("item", "asset")


def flag(workspace: Workspace, flag_id: int) -> ContentFlag | None:
    found = ContentFlag.objects.filter(workspace=workspace, pk=flag_id)
    return found.select_related("item", "asset").first()


def deadline_tasks(item: ContentItem) -> list[dict]:
    """The board tasks made for the item's deadlines, by key: ``{"label", "card" (the
    card's id, or None when the board answered something else), "reference", "due_on",
    "created_at"}``."""
    found = []
    for task in DeadlineTask.objects.filter(item=item).order_by("key"):
        _, _, step = task.key.partition("-step-")
        kind, _, number = task.reference.partition(":")
        found.append(
            {
                "label": f"Review step {step}" if step else "The item's deadline",
                "card": int(number) if kind == "card" and number.isdecimal() else None,
                "reference": task.reference,
                "due_on": task.due_on,
                "created_at": task.created_at,
            }
        )
    return found


def kinds() -> list[tuple[str, str]]:
    """The kinds of content item: (key, label)."""
    return [(kind.value, kind.label) for kind in ContentKind]


def published_counts(workspace: Workspace, start: datetime, end: datetime) -> dict[str, int]:
    """How many items of each kind (key) were published in ``[start, end)``."""
    rows = (
        ContentItem.objects.filter(
            workspace=workspace, published_at__gte=start, published_at__lt=end
        )
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return dict(rows)


def email_templates(workspace: Workspace) -> dict[int, int]:
    """The messaging templates published email items became (``actions._hand_off``):
    template id -> item id."""
    rows = Handoff.objects.filter(
        item__workspace=workspace, target="messaging.template"
    ).values_list("reference", "item_id")
    return {int(reference): item_id for reference, item_id in rows if reference.isdecimal()}


def workflow_rows(workspace: Workspace) -> list[dict]:
    """The workflow as the editor shows it: each state in order with its moves out,
    whether it is terminal (none) and how many items are in it now."""
    flow = workflow(workspace)
    counts = dict(
        ContentItem.objects.filter(workspace=workspace)
        .values("state")
        .annotate(count=Count("pk"))
        .values_list("state", "count")
    )
    return [
        {
            "key": state["key"],
            "label": state["label"],
            "needs_approval": bool(state.get("needs_approval")),
            "review": flow.is_review(state["key"]),
            "terminal": not flow.allowed(state["key"]),
            "moves_to": list(flow.allowed(state["key"])),
            "items": counts.get(state["key"], 0),
        }
        for state in flow.states
    ]


def reviewers(workspace: Workspace) -> list:
    """The members who may be named an approval step's reviewer: those whose role may
    vote (``content.review``; a partner's login may not), by username."""
    return members_holding(workspace, "content.review")
