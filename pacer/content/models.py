"""Content and assets: items with their editorial workflow, versions, approvals and
comments; the calendar's themes and feeds; the asset library with versions, renditions,
usage rights, collections and where-used tracking."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from pacer.core.models import Workspace

USER = settings.AUTH_USER_MODEL


class ContentKind(models.TextChoices):
    BLOG_POST = "blog_post", "Blog post"
    EMAIL = "email", "Email"
    SOCIAL_POST = "social_post", "Social post"
    LANDING_PAGE = "landing_page", "Landing page"
    AD = "ad", "Ad"
    VIDEO = "video", "Video"
    PRINT = "print", "Print"


class Workflow(models.Model):
    """A workspace's editorial states and the moves allowed between them.

    ``states``: ``[{"key", "label", "needs_approval", "review"}]`` in order; entering a
    state with ``needs_approval`` requires every approval step of the item's latest
    version approved; entering a ``review`` state opens the steps, and the last approval
    moves the item on to the first gated state it may reach (a rejection back to the
    first ungated one).
    ``transitions``: ``{from_key: [to_key, ...]}``."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE)
    states = models.JSONField()
    transitions = models.JSONField()


class ThemeColour(models.TextChoices):
    """A theme band's colour: a light tint under dark text of its hue
    (``pacer.content.themes.COLOURS``)."""

    AMBER = "amber", "Amber"
    GREEN = "green", "Green"
    TEAL = "teal", "Teal"
    PURPLE = "purple", "Purple"
    PINK = "pink", "Pink"
    RED = "red", "Red"
    GREY = "grey", "Grey"


class Theme(models.Model):
    """A theme or season: a date range drawn behind the calendar's items, in its colour."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    starts_on = models.DateField()
    ends_on = models.DateField()
    colour = models.CharField(max_length=10, choices=ThemeColour.choices, default="amber")

    class Meta:
        indexes = [models.Index(fields=["workspace", "starts_on"])]


class ContentItem(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=20, choices=ContentKind.choices)
    state = models.CharField(max_length=40)
    channel = models.CharField(max_length=40, blank=True, default="")
    team = models.CharField(max_length=100, blank=True, default="")
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.SET_NULL)
    campaign_key = models.CharField(max_length=200, blank=True, default="")
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    # the named reviewers, in order: [{"name": step name, "reviewer": user id}]
    approval_plan = models.JSONField(default=list)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # the editorial deadline: the day the item must be ready (a board task is made for it)
    due_on = models.DateField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # when it last changed (every save sets it, whatever fields it names): with the count
    # of a feed's items, what a calendar feed's ETag and cached body are keyed on
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "scheduled_for"]),
            models.Index(fields=["workspace", "state"]),
            models.Index(fields=["due_on"]),
            # the calendar's deadlines of a month and its team filter (issue 15's speed)
            models.Index(fields=["workspace", "due_on"], name="content_item_ws_due"),
            models.Index(fields=["workspace", "team"], name="content_item_ws_team"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.changed_at = timezone.now()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "changed_at"}
        super().save(*args, **kwargs)


class ContentVersion(models.Model):
    """One save of an item's body; numbered from 1 per item."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="content_version_number")
        ]


class Decision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ApprovalStep(models.Model):
    """One named reviewer's step in the approval of one version; steps go in order."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="steps")
    version = models.ForeignKey(ContentVersion, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    reviewer = models.ForeignKey(USER, on_delete=models.CASCADE)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    comment = models.TextField(blank=True, default="")
    decided_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)  # the reviewer's deadline

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="approval_step_position")
        ]


class FlagKind(models.TextChoices):
    UNSCHEDULED = "unscheduled", "Taken off the schedule"
    PUBLISHED = "published", "Published with a withdrawn asset"
    IN_PROGRESS = "in_progress", "Uses a withdrawn asset"


class ContentFlag(models.Model):
    """An item needs attention because an asset it uses was withdrawn: once per (item,
    asset, withdrawal). ``resolved_at`` is set when the item next enters a state that
    needs approval (its assets' rights are checked then) or is archived, or when someone
    clears it by hand with a note (``withdrawal.clear_flag``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="flags")
    asset = models.ForeignKey("Asset", on_delete=models.CASCADE, related_name="flags")
    withdrawn_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=FlagKind.choices)
    reason = models.TextField()
    state_before = models.CharField(max_length=40)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    # who cleared it by hand, and what they did (empty when a state change resolved it)
    resolved_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["workspace", "resolved_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "asset", "withdrawn_at"], name="content_flag_once"
            )
        ]


class DeadlineTask(models.Model):
    """A board task made for an editorial deadline, once per key ("content-<item>-due" or
    "content-<item>-step-<position>"); ``reference`` is what the board answered."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.CharField(max_length=100)
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="tasks")
    due_on = models.DateField()
    reference = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="deadline_task_once")
        ]


class VersionComment(models.Model):
    version = models.ForeignKey(ContentVersion, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)


class Handoff(models.Model):
    """A published version handed to its channel: once per (item, version)."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="handoffs")
    version = models.ForeignKey(ContentVersion, on_delete=models.CASCADE)
    target = models.CharField(max_length=40)  # "messaging.template" or "webhook"
    reference = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "version"], name="handoff_once")]


class FeedScope(models.TextChoices):
    USER = "user", "My items"
    TEAM = "team", "A team's items"
    CALENDAR = "calendar", "The whole calendar"


class CalendarFeed(models.Model):
    """An iCal feed behind a secret URL token, stored only as its SHA-256 digest (the URL
    is shown once); ``prefix`` lets people tell feeds apart. Rotating replaces the token."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    scope = models.CharField(max_length=10, choices=FeedScope.choices)
    user = models.ForeignKey(USER, on_delete=models.CASCADE)  # who made it (and "my items")
    team = models.CharField(max_length=100, blank=True, default="")
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, blank=True, default="")
    rotated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "scope", "user", "team"], name="feed_once")
        ]


class AssetStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Asset(models.Model):
    """A file in the library with its metadata and usage rights.

    Rights: ``territories`` (ISO country codes; empty means worldwide), ``channels``
    (channel keys; empty means any), ``rights_start``/``rights_end`` (inclusive days;
    empty means open)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    description = models.TextField(blank=True, default="")
    tags = models.JSONField(default=list)
    metadata = models.JSONField(default=dict)
    licence = models.CharField(max_length=200, blank=True, default="")
    territories = models.JSONField(default=list)
    channels = models.JSONField(default=list)
    rights_start = models.DateField(null=True, blank=True)
    rights_end = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AssetStatus.choices, default=AssetStatus.ACTIVE
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True, default="")
    # name, description and #tags folded (lower case, no accents) for search, indexed by
    # an FTS5 trigram table (SQLite) or a pg_trgm GIN index (PostgreSQL): content.search
    search_text = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "rights_end"]),
            models.Index(fields=["workspace", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.name


class AssetVersion(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    storage_key = models.CharField(max_length=300)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "number"], name="asset_version_number")
        ]


class Rendition(models.Model):
    """A derived image of a version (made in the worker), once per (version, kind)."""

    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=20)  # "thumbnail", "medium"
    storage_key = models.CharField(max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "kind"], name="rendition_once")]


class TalentRelease(models.Model):
    """A person's release for the use of their likeness in an asset. An asset with
    releases may be used only where every person in it has a release that covers the use:
    ``territories`` (empty: worldwide), ``channels`` (empty: any), ``starts_on`` and
    ``ends_on`` (inclusive; empty: open). ``document`` is the signed release, itself an
    asset of the library."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="releases")
    person = models.CharField(max_length=200)
    document = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="releases_held"
    )
    territories = models.JSONField(default=list)
    channels = models.JSONField(default=list)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Collection(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    assets = models.ManyToManyField(Asset, blank=True, related_name="collections")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="collection_name")
        ]


class AssetUse(models.Model):
    """Where an asset is used: once per (asset, item), with the rights checked then.
    ``from_body``: recorded because the item's body links to it (``pacer.content.links``;
    dropped when a new body no longer does), not added by hand."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="uses")
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="asset_uses")
    territory = models.CharField(max_length=2, blank=True, default="")
    from_body = models.BooleanField(default=False)
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["asset", "item"], name="asset_use_once")]


class AssetNotice(models.Model):
    """An expiry alert or a withdrawal, kept once per (asset, kind, rights end)."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20)  # "expiring", "withdrawn"
    rights_end = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "kind", "rights_end"], name="notice_once")
        ]


class ShareLink(models.Model):
    """An expiring link to a collection, or to one asset, for a partner: view, and
    download when allowed, of the renditions it names ("original", "medium",
    "thumbnail"). Exactly one of ``collection`` and ``asset`` is set. Its token is stored
    only as its SHA-256 digest: the link is shown once, when it is made. ``revoked_at``:
    when someone revoked it (for good: it refuses every request from then on).
    ``partner``: the partner it was made for, if named (a deactivated partner's links stop
    working; removing a partner revokes them).
    ``channels``: the channels it is for (keys of ``CHANNELS``; each one of the partner's;
    empty: all of the partner's, or none checked for a link made for no partner). It
    serves an asset only while the asset's rights cover one of them, in the partner's
    territory, today (ADR 0011, step 5)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    partner = models.ForeignKey(
        "Partner", null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    label = models.CharField(max_length=200)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, blank=True, default="")
    can_download = models.BooleanField(default=False)
    renditions = models.JSONField(default=list)
    channels = models.JSONField(default=list)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "created_at"], name="share_link_recent")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(collection__isnull=False, asset__isnull=True)
                | models.Q(collection__isnull=True, asset__isnull=False),
                name="share_link_one_target",
            )
        ]


class ShareDownload(models.Model):
    """One download through a share link, for ``channel`` ("" for a link that checks no
    channel, and for downloads made before links had channels)."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="downloads")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)
    channel = models.CharField(max_length=40, blank=True, default="")
    downloaded_at = models.DateTimeField(auto_now_add=True)


class ShareRefusal(models.Model):
    """A download through a working share link that was refused because the asset's
    rights no longer cover what the link is for (its channels, its partner's territory,
    today): nothing was sent. ``reason``: what the person was told."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="refusals")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)
    channel = models.CharField(max_length=40, blank=True, default="")
    reason = models.CharField(max_length=500)
    refused_at = models.DateTimeField()


class Partner(models.Model):
    """A partner organisation (a franchise location, an agency) that gets assets through
    the partner portal. It uses them in ``territory`` on its allowed ``channels`` (1-10
    keys of ``pacer.core.channels.CHANNELS``, in that order; ADR 0011): the portal shows an
    asset only while its usage rights (and talent releases) cover that territory and at
    least one of them today.
    ``contacts``: ``[{"name", "email"}]``, who is told when an asset they downloaded is
    withdrawn. ``key``: its stable name for other systems (the REST API creates by key;
    "" for a partner made before keys). A partner that is not ``active`` gets nothing: its
    portal is empty and its share links refuse every request. ``removed_at``: when it was
    removed from the pages (kept, not deleted, for its download log and withdrawal
    notices; its links were revoked and its logins taken off then); a removed partner is
    in no list, page or API answer, and its name and key are free again."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.CharField(max_length=60, blank=True, default="")
    name = models.CharField(max_length=200)
    territory = models.CharField(max_length=2)
    channels = models.JSONField(default=list)
    contacts = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "name"],
                condition=models.Q(removed_at__isnull=True),
                name="partner_name",
            ),
            models.UniqueConstraint(
                fields=["workspace", "key"],
                condition=~models.Q(key="") & models.Q(removed_at__isnull=True),
                name="partner_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PartnerMember(models.Model):
    """A login of a partner (its member role in the workspace is ``partner``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="partner_member_once")
        ]


class PartnerShare(models.Model):
    """A collection shared with a partner: its assets appear on the partner's portal,
    downloadable as the renditions named ("original", "medium", "thumbnail")."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="shares")
    collection = models.ForeignKey(
        Collection, on_delete=models.CASCADE, related_name="partner_shares"
    )
    renditions = models.JSONField(default=list)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner", "collection"], name="partner_share_once")
        ]


class PartnerDownload(models.Model):
    """One download from the partner portal: who, when, which version and rendition, and
    the channel it is for ("" for downloads made before a partner had several)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="partner_downloads")
    version = models.ForeignKey(AssetVersion, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    channel = models.CharField(max_length=40, blank=True, default="")
    downloaded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["asset", "partner"], name="partner_download_asset")]
