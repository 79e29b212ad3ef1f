"""Campaigns and the money spent on them (the plan-and-budget work builds on these)."""

from django.db import models

from pacer.core.models import Workspace


class Campaign(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.CharField(max_length=200, help_text="the utm_campaign value that identifies it")
    name = models.CharField(max_length=200)
    channel = models.CharField(max_length=40)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="campaign_key")]


class SpendEntry(models.Model):
    """Actual spend on one day for a channel, optionally a campaign and a location."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    day = models.DateField()
    channel = models.CharField(max_length=40)
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(
        "people.Location", null=True, blank=True, on_delete=models.SET_NULL
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        indexes = [models.Index(fields=["workspace", "day"])]
