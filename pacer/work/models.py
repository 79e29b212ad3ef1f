"""Boards, their columns and swimlanes, cards with their checklists, comments, links and
history, sprints, and the notifications a mention makes.

Every move of a card is a ``CardEvent`` (from and to column, who, when, and the reason
when a WIP limit was overridden): the flow metrics and the sprint charts are computed
from these rows (``pacer.work.selectors``, ``pacer.analytics.flow``).
"""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from pacer.core.models import Workspace
from pacer.work import palette


class Stage(models.TextChoices):
    """What a column means for the flow metrics: work waiting, started, or finished."""

    TODO = "todo", "To do"
    DOING = "doing", "In progress"
    DONE = "done", "Done"


class Board(models.Model):
    """A team's Kanban board. ``person_wip_limit``: how many cards one person may hold in
    the board's in-progress columns (none: no limit)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    team = models.SlugField(max_length=60)
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    person_wip_limit = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "slug"], name="board_slug")]

    def __str__(self) -> str:
        return self.name


class Column(models.Model):
    """A column of a board, in ``position`` order; ``wip_limit``: the most cards it may
    hold (none: no limit)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="columns")
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField()
    stage = models.CharField(max_length=5, choices=Stage.choices)
    wip_limit = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]


class Swimlane(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="swimlanes")
    name = models.CharField(max_length=60)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position", "id"]


class Sprint(models.Model):
    """A time box of one to four weeks on a board; ``capacity``: the estimate points the
    team can take on. Completed (``completed_at``), it is closed: ``done_points`` is what
    it finished (its velocity), ``outcome`` its cards then, ``[card id, points, "done" |
    "carried" | "archived"]`` each; the carried ones went on to ``carried_to`` (none: the
    backlog)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="sprints")
    name = models.CharField(max_length=100)
    goal = models.CharField(max_length=300, blank=True)
    start = models.DateField()
    end = models.DateField()  # the last day of the sprint
    capacity = models.PositiveIntegerField()
    completed_at = models.DateTimeField(null=True, blank=True)
    done_points = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.JSONField(default=list, blank=True)
    carried_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["start", "id"]


class LabelColour(models.TextChoices):
    """A label's colour: the charts' palette by name (``pacer.work.palette``)."""

    BLUE = "blue", "Blue"
    ORANGE = "orange", "Orange"
    GREEN = "green", "Green"
    PURPLE = "purple", "Purple"
    RED = "red", "Red"
    CYAN = "cyan", "Cyan"
    OCHRE = "ochre", "Ochre"
    PINK = "pink", "Pink"
    GREY = "grey", "Grey"
    OLIVE = "olive", "Olive"


class Label(models.Model):
    """A board's label (name unique on the board, ignoring case). Renaming it keeps the
    cards that carry it; deleting it takes it off them."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="labels")
    name = models.CharField(max_length=50)
    colour = models.CharField(max_length=10, choices=LabelColour.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint("board", Lower("name"), name="work_label_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def chip_style(self) -> str:
        """The chip's colours, for its ``style`` attribute."""
        background, text = palette.COLOURS[self.colour]
        return f"background: {background}; color: {text}"


class Card(models.Model):
    """A task on a board. A card with no sprint and in a to-do column is in the backlog.
    An archived card (``archived_at`` set) has left the board: it keeps its column,
    place and history, and counts against no WIP limit until it is restored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="cards")
    column = models.ForeignKey(Column, on_delete=models.PROTECT, related_name="cards")
    swimlane = models.ForeignKey(Swimlane, null=True, blank=True, on_delete=models.SET_NULL)
    # order within its cell (column and swimlane), sparse: ``GAP`` apart when renumbered,
    # so a move writes one row (see ``pacer.work.ordering``); may be negative
    position = models.BigIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    due = models.DateField(null=True, blank=True)
    estimate = models.PositiveSmallIntegerField(null=True, blank=True)
    sprint = models.ForeignKey(
        Sprint, null=True, blank=True, on_delete=models.SET_NULL, related_name="cards"
    )
    blocked_reason = models.CharField(max_length=200, blank=True)  # blocked while not ""
    created_at = models.DateTimeField()
    # set by another domain's call (``actions.create_card_for_deadline``): one card per key
    source_key = models.CharField(max_length=120, blank=True, default="")
    labels = models.ManyToManyField(Label, through="CardLabel", related_name="cards", blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["column", "swimlane", "position"], name="card_cell_order")]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source_key"],
                condition=~models.Q(source_key=""),
                name="card_source_key",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SprintMembership(models.Model):
    """A card's time in a sprint: from ``joined_at`` (planned into it) until ``left_at``
    (taken out to the backlog or another sprint, or carried on when the sprint was
    completed; none while it is in). The sprint's charts count a card in scope on the days
    it was in (``pacer.work.sprint_report``), so taking it out changes no past day."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    sprint = models.ForeignKey(Sprint, on_delete=models.CASCADE, related_name="memberships")
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="sprint_memberships")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["joined_at", "id"]
        indexes = [models.Index(fields=["sprint", "card"], name="work_sprint_members")]


class EstimateChange(models.Model):
    """A card's estimate changed at ``at`` from ``before`` to ``after`` (None: no
    estimate). A sprint's charts count each day with the estimate that held at its end
    (``pacer.work.sprint_report``), so a re-estimate is a scope change on its day."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="estimate_changes")
    before = models.PositiveSmallIntegerField(null=True, blank=True)
    after = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["card", "at"], name="work_estimate_changes")]


class CardLabel(models.Model):
    """A label on a card."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "label"], name="work_card_label"),
        ]
        indexes = [models.Index(fields=["label", "card"], name="work_label_cards")]


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    MOVED = "moved", "Moved"
    BLOCKED = "blocked", "Blocked"
    UNBLOCKED = "unblocked", "Unblocked"
    LABELS = "labels", "Labels changed"
    ARCHIVED = "archived", "Archived"
    RESTORED = "restored", "Restored"


class CardEvent(models.Model):
    """One step of a card's history: created in a column, moved between columns (with the
    reason when it went over a WIP limit), blocked or unblocked, labels added or removed
    (``note``: "+Urgent −Design")."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=EventKind.choices)
    from_column = models.ForeignKey(
        Column, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_column = models.ForeignKey(
        Column, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    at = models.DateTimeField()
    override_reason = models.CharField(max_length=300, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["card", "at"])]


class ChecklistItem(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="checklist")
    text = models.CharField(max_length=200)
    done = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position", "id"]


class Comment(models.Model):
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    body = models.TextField()
    created_at = models.DateTimeField()
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class LinkKind(models.TextChoices):
    CAMPAIGN = "campaign", "Campaign"
    CONTENT = "content", "Content item"
    JOURNEY = "journey", "Journey"
    LEAD = "lead", "Lead"
    ASSET = "asset", "Asset"
    MESSAGE = "message", "Message"


class CardLink(models.Model):
    """A card's link to a thing in another domain, by kind and id (not a foreign key:
    domains meet through their selectors, never each other's tables)."""

    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="links")
    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    target_id = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["card", "kind", "target_id"], name="card_link_unique")
        ]


class Notification(models.Model):
    """A member was mentioned in a comment on a card: one per member and comment (the
    comment's edits notify only the members it newly mentions)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="work_notifications"
    )
    card = models.ForeignKey(Card, on_delete=models.CASCADE)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="work_mention_once")
        ]
        indexes = [models.Index(fields=["user", "workspace", "read_at"], name="work_mention_inbox")]


class Attachment(models.Model):
    """A file on a card, its type judged by its content; the bytes are in the workspace's
    storage under ``key``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    card = models.ForeignKey(Card, on_delete=models.CASCADE, related_name="attachments")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    key = models.CharField(max_length=300, unique=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["uploaded_at", "id"]


class MentionPreference(models.Model):
    """A member's choice for a workspace: whether a mention also sends an email (no row:
    it does)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="work_mention_preference")
        ]
