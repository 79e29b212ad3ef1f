"""Messaging: templates, senders, broadcasts, the outbox of messages and the suppression
list. Every row belongs to a workspace; a message is unique per (broadcast, contact), the
key that makes a send happen once."""

from django.db import models

from pacer.core.models import Workspace


class Template(models.Model):
    """An email: subject, HTML and text bodies in the personalisation language (Django's
    template syntax, over the recipient's plain fields only)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    subject = models.CharField(max_length=300)
    html = models.TextField()
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="template_name")]


class Sender(models.Model):
    """A sender identity: the From address and, when set, the DKIM key that signs for its
    domain (the public half published at ``<selector>._domainkey.<domain>``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    from_email = models.EmailField()
    dkim_selector = models.CharField(max_length=63, blank=True)
    dkim_private_key = models.TextField(blank=True)  # PEM

    @property
    def domain(self) -> str:
        return self.from_email.rsplit("@", 1)[-1].lower()


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
    HARD_BOUNCE = "hard_bounce", "Hard bounce"
    COMPLAINT = "complaint", "Complaint"
    MANUAL = "manual", "Added by hand"


class SuppressedAddress(models.Model):
    """An address no message may go to, and why."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    email = models.CharField(max_length=254)  # lower case
    reason = models.CharField(max_length=20, choices=SuppressionReason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="suppression_email")
        ]


class BroadcastStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"


class Broadcast(models.Model):
    """One email to an audience: ``audience`` is ``{"contacts": [ids]}`` or
    ``{"all": true}`` (contacts with an email); ``purpose`` is the consent it needs."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    template = models.ForeignKey(Template, on_delete=models.PROTECT)
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT)
    purpose = models.CharField(max_length=60, default="marketing")
    audience = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=BroadcastStatus.choices, default=BroadcastStatus.DRAFT
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class Message(models.Model):
    """One recipient of one broadcast: the outbox row. Claimed by a worker until
    ``claimed_until``; ``sent`` only after the relay accepted it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="messages")
    contact_id = models.BigIntegerField()
    email = models.CharField(max_length=254)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    reason = models.CharField(max_length=300, blank=True)  # why skipped or failed
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "contact_id"], name="message_once")
        ]
        indexes = [models.Index(fields=["status", "claimed_until", "id"])]


class Webhook(models.Model):
    """An endpoint that is sent the workspace's messaging events it subscribed to."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    url = models.CharField(max_length=2000)
    secret = models.CharField(max_length=100)  # whsec_<base64>
    event_types = models.JSONField(default=list)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)


class WebhookDelivery(models.Model):
    """One event for one endpoint, delivered once (unique per endpoint and event key)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    key = models.CharField(max_length=200)
    payload = models.JSONField()
    status = models.CharField(max_length=10, default="pending")  # delivered, failed
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["webhook", "key"], name="webhook_delivery_once")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]


class WebhookAttempt(models.Model):
    """The log of a delivery: each try, what the endpoint answered or why it failed."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True)
    ok = models.BooleanField()
    detail = models.CharField(max_length=300, blank=True)
