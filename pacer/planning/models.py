"""Campaigns and the money spent on them (the plan-and-budget work builds on these)."""

from django.conf import settings
from django.db import models

from pacer.core.models import Workspace


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.CharField(max_length=200, help_text="the utm_campaign value that identifies it")
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=40)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    landing_url = models.CharField(
        max_length=2000, blank=True, default="", help_text="where its links lead"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="campaign_key")]


class SpendEntry(models.Model):
    """Actual spend on one day for a channel, optionally a campaign and a location.

    Pages, uploads and the REST API keep one entry per natural key (day, channel,
    campaign, location); lines the REST API appended before it did may repeat a key.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    day = models.DateField()
    channel = models.CharField(max_length=40)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(
        "people.Location", null=True, blank=True, on_delete=models.SET_NULL
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [
            # each filter of the spend list with its date range, and the totals over a
            # date range read from an index alone
            models.Index(fields=["workspace", "day", "channel", "amount"], name="spend_day_totals"),
            models.Index(fields=["workspace", "channel", "day"], name="spend_channel_day"),
            models.Index(fields=["workspace", "campaign", "day"], name="spend_campaign_day"),
            models.Index(fields=["workspace", "location", "day"], name="spend_location_day"),
        ]


class SpendUpload(models.Model):
    """A CSV file of spend rows, kept from its preview until it is recorded."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    filename = models.CharField(max_length=200)
    content = models.TextField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_rows = models.IntegerField(default=0)
    replaced_entries = models.IntegerField(default=0)


class SpendDay(models.Model):
    """The spend of a workspace on one day through one channel: the sum (in cents, exact on
    every database) and count of its lines, kept by every action that writes lines
    (``pacer.planning.totals``), so the spend list's totals over any range read days, not
    lines."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    day = models.DateField()
    channel = models.CharField(max_length=40)
    cents = models.BigIntegerField()
    lines = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "day", "channel"], name="spend_day_key")
        ]
