"""Workspaces, memberships with roles, API keys and the audit log."""

from django.conf import settings
from django.db import models

from pacer.core.roles import Role


class Workspace(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True)
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in one workspace; the role is mirrored as a Django group."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique")
        ]


class ApiKeyKind(models.TextChoices):
    WRITE = "write", "Ingest write key"
    PERSONAL = "personal", "Personal API token"


class ApiKey(models.Model):
    """A secret stored only as its SHA-256 digest; ``prefix`` lets people tell keys apart."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="api_keys")
    kind = models.CharField(max_length=10, choices=ApiKeyKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class AuditEntry(models.Model):
    """One change made through an action: who, what, when, before and after."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_label = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "object_type", "object_id"])]
        ordering = ["-at", "-id"]


class ChangeBatch(models.Model):
    """One committed change, in commit order: which contacts changed (by their surviving
    ids), which were merged into which, and which events arrived (an id range of the
    workspace's events). Published in the transaction that made the change
    (``pacer.core.feed``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    source = models.CharField(max_length=40)
    contact_ids = models.JSONField(default=list)
    merges = models.JSONField(default=list)  # [[merged-away id, survivor id], ...]
    first_event_id = models.BigIntegerField(null=True)
    last_event_id = models.BigIntegerField(null=True)
    created_at = models.DateTimeField()


class FeedCursor(models.Model):
    """How far one subscriber of the change feed has got (the last batch id it handled)."""

    subscriber = models.CharField(max_length=100, unique=True)
    position = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)


class Invitation(models.Model):
    """An admin's invitation to join a workspace with a role, accepted by whoever holds its
    link (once, before it expires). The token is stored only as its SHA-256 digest."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=20, choices=Role.choices)
    note = models.CharField(max_length=200, blank=True)  # who it is for, as the admin put it
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)


class LoginFailure(models.Model):
    """A failed sign-in, kept for the throttle's window (pacer.core.login)."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=45, db_index=True)
    at = models.DateTimeField(db_index=True)


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutboxEmail(models.Model):
    """An email to a member of staff, written in the transaction of what it tells and
    sent by the ``staff-email`` loop (``pacer.core.outbox``, ADR 0010): once per workspace
    and ``key``; a sender holds it until ``claimed_until``; a temporary failure waits
    until ``due_at``; a permanent one (or too many attempts) is ``failed`` with the
    reason in ``last_error``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    source = models.CharField(max_length=60)  # what queued it, e.g. "planning.alerts"
    to_email = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default="queued")
    created_at = models.DateTimeField()
    due_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # claims, crashed senders' included
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="core_outbox_email_once")
        ]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(status="queued"),
                name="core_outbox_email_due",
            ),
            models.Index(fields=["workspace", "status", "created_at"], name="core_outbox_email_ws"),
        ]
