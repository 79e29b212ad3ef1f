"""Experiments run on the platform: their design, and who saw which variant when."""

from django.db import models

from pacer.core.models import Workspace


class ExperimentStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    RUNNING = "running", "Running"
    STOPPED = "stopped", "Stopped"


class ExperimentMetric(models.TextChoices):
    CONVERSION = "conversion", "Converted (did the goal event after exposure)"
    REVENUE = "revenue", "Order revenue after exposure"


class Experiment(models.Model):
    """An A/B/n test. ``variants`` is ``[{"key": ..., "weight": ...}, ...]``, control first;
    units are assigned by ``pacer.analytics.experiments.assign`` with the experiment's
    salt, so the same unit always gets the same variant."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    hypothesis = models.TextField(blank=True)
    variants = models.JSONField()
    salt = models.CharField(max_length=32)
    metric = models.CharField(max_length=20, choices=ExperimentMetric.choices)
    goal_event = models.CharField(max_length=200, default="Order Completed")
    status = models.CharField(
        max_length=10, choices=ExperimentStatus.choices, default=ExperimentStatus.DRAFT
    )
    started_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="experiment_key")]

    def __str__(self) -> str:
        return self.key

    @property
    def variant_keys(self) -> list[str]:
        return [v["key"] for v in self.variants]

    @property
    def weights(self) -> list[float]:
        return [float(v["weight"]) for v in self.variants]


class Exposure(models.Model):
    """The first time Pacer assigned a unit (a user id or anonymous id); one per unit.

    Units assigned elsewhere arrive as Segment "Experiment Viewed" events instead; the
    results read both (``pacer.experiments.selectors``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    experiment = models.ForeignKey(Experiment, on_delete=models.CASCADE)
    unit_id = models.CharField(max_length=200)
    variant = models.CharField(max_length=60)
    exposed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["experiment", "unit_id"], name="exposure_unit")
        ]
        indexes = [models.Index(fields=["experiment", "variant"])]
