"""Segments, who is in them, and when each contact entered or left."""

from django.db import models

from pacer.core.models import Workspace


class Segment(models.Model):
    """A named audience. A dynamic segment's members are the contacts its ``definition``
    (``pacer.segments.definition``) matches; a static segment's are added by hand or CSV."""

    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", "Dynamic"
        STATIC = "static", "Static list"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    description = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    definition = models.JSONField(default=dict, blank=True)
    member_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    evaluated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="segment_name"),
        ]
        indexes = [models.Index(fields=["workspace", "id"])]


class Membership(models.Model):
    """A contact is in a segment now (one row per pair)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, db_index=False)
    entered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["segment", "contact"], name="segment_membership_unique"
            ),
        ]
        indexes = [models.Index(fields=["contact"], name="segment_membership_contact")]


class MembershipChange(models.Model):
    """A contact entered or left a segment, and when: what journeys trigger on."""

    class Change(models.TextChoices):
        ENTERED = "entered", "Entered"
        EXITED = "exited", "Exited"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    contact = models.ForeignKey("people.Contact", on_delete=models.CASCADE, db_index=False)
    change = models.CharField(max_length=10, choices=Change.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=20, help_text="feed, full, manual or csv")

    class Meta:
        indexes = [
            models.Index(fields=["segment", "id"], name="segment_change_segment"),
            models.Index(fields=["contact"], name="segment_change_contact"),
        ]
