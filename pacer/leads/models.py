"""Leads: a contact's request to be contacted, captured once, moved through stages.

A lead is made from one "Lead Created" event (whatever captured it: a form, the REST
API, a Segment SDK, a CSV row), so the event's id keys it and a lead exists once per
event. Its stage history is kept in full.
"""

from django.conf import settings
from django.db import models

from pacer.core.models import Workspace


class StageKind(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost (needs a reason)"


class LeadStage(models.Model):
    """A workspace's own stage list; a workspace without rows uses the defaults."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.SlugField(max_length=40)
    label = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=StageKind.choices, default=StageKind.OPEN)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="lead_stage_key"),
        ]
        ordering = ["position"]


class Lead(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE)
    event_id = models.BigIntegerField(help_text="the 'Lead Created' event it was made from")
    created_at = models.DateTimeField()
    form = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=40, help_text="form, api, segment or csv")
    channel = models.CharField(max_length=40, blank=True)
    campaign = models.CharField(max_length=200, blank=True)
    location_id = models.BigIntegerField(null=True, blank=True)
    stage = models.SlugField(max_length=40)
    stage_changed_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True, help_text="why it was lost")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "event_id"], name="lead_event"),
        ]
        indexes = [models.Index(fields=["workspace", "stage", "created_at"])]


class StageChange(models.Model):
    """One move of a lead: from where to where, when, by whom or by what, and why."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="history")
    from_stage = models.SlugField(max_length=40, blank=True)
    to_stage = models.SlugField(max_length=40)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    by = models.CharField(max_length=100, help_text="'user', 'capture' or a rule's name")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]
