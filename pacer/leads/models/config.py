"""A workspace's lead settings and rules: opening hours, SLA policies and follow-up
times, escalation chains, score rules and thresholds, locating and routing rules, the
fallback owner (re-exported by ``pacer.leads.models``, where Django finds them)."""

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.db.models.functions import Coalesce

from pacer.core.models import Workspace

# "every location" (no location_id) as one value in unique keys: NULLs are distinct in a
# plain unique index, and SQLite has no NULLS NOT DISTINCT (Django leaves such a constraint
# out there), so the keys use this expression and hold on both databases
_ALL_LOCATIONS = Coalesce("location_id", Value(0))


class FallbackOwner(models.Model):
    """The member who takes a lead of a location (or of every location without its own,
    when ``location_id`` is empty) that nobody else can: every agent away, off shift or
    at their cap once the lead's assignment tries are spent, or at a re-assignment or
    hand-over with nobody free. Without one, the managers are alerted instead."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    location_id = models.BigIntegerField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace", _ALL_LOCATIONS, name="lead_fallback_owner_per_location"
            ),
        ]


class LocationHours(models.Model):
    """Opening hours of a location (or the workspace's default when ``location_id`` is
    empty) in its own time zone; SLA deadlines count only these minutes."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    location_id = models.BigIntegerField(null=True, blank=True)
    timezone = models.CharField(max_length=60, default="UTC")
    weekly = models.JSONField(default=dict)  # {"mon": [["09:00", "17:00"]], ...}
    holidays = models.JSONField(default=list)  # ["2026-12-25", ...]

    class Meta:
        constraints = [
            models.UniqueConstraint("workspace", _ALL_LOCATIONS, name="lead_hours_per_location"),
        ]


class SlaPolicy(models.Model):
    """First response within ``respond_minutes`` working minutes of a lead reaching
    ``stage`` (at a location, or anywhere when ``location_id`` is empty); a reminder
    ``remind_minutes`` before, escalation at the deadline, re-assignment
    ``reassign_minutes`` after it. After each response to a lead in ``stage``, its next
    touch within ``next_touch_minutes`` working minutes (empty: no next-touch deadline),
    reminded ``remind_minutes`` before, escalated at it, and re-assigned
    ``touch_reassign_minutes`` after it (empty: kept by its owner;
    ``pacer.leads.touches``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    stage = models.SlugField(max_length=40, default="lead")
    location_id = models.BigIntegerField(null=True, blank=True)
    respond_minutes = models.PositiveIntegerField(default=15)
    remind_minutes = models.PositiveIntegerField(default=5)
    reassign_minutes = models.PositiveIntegerField(default=30)
    next_touch_minutes = models.PositiveIntegerField(null=True, blank=True)
    touch_reassign_minutes = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace", "stage", _ALL_LOCATIONS, name="lead_sla_per_location"
            ),
        ]


class LeadSettings(models.Model):
    """A workspace's own lead settings (defaults without a row): the follow-up time of a
    lead no SLA policy gives a deadline, in working minutes (``pacer.leads.sla``)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE)
    follow_up_minutes = models.PositiveIntegerField(default=480)


class LocationFollowUp(models.Model):
    """A location's own follow-up time (working minutes) of its leads no SLA policy gives
    a deadline, instead of the workspace's ``LeadSettings.follow_up_minutes``; without a
    row the location uses the workspace's."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    location_id = models.BigIntegerField()
    follow_up_minutes = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "location_id"], name="lead_follow_up_per_location"
            ),
        ]


class EscalateTo(models.TextChoices):
    MANAGERS = "managers", "The location's managers"
    AGENTS = "agents", "Every agent of the location"
    OWNER = "owner", "The lead's owner"
    USER = "user", "A named member"
    EMAIL = "email", "A team inbox (email address)"
    WEBHOOK = "webhook", "The workspace's webhooks (lead.escalated)"


class EscalationStep(models.Model):
    """One step of a form's escalation chain (``form`` set), else of a location's (or of
    every location without its own, when ``location_id`` is empty): ``delay_minutes``
    working minutes after a missed response deadline, tell ``to`` (with ``user`` or
    ``address`` where it needs one). A workspace without steps escalates to the
    location's managers at the deadline."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    location_id = models.BigIntegerField(null=True, blank=True)
    form = models.ForeignKey(
        "LeadForm", null=True, blank=True, on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField()
    delay_minutes = models.PositiveIntegerField()
    to = models.CharField(max_length=10, choices=EscalateTo.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    address = models.EmailField(blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                "workspace",
                _ALL_LOCATIONS,
                Coalesce("form", Value(0)),
                "position",
                name="lead_escalation_step_per_chain",
            ),
        ]


class ScoreRule(models.Model):
    """Points for a lead: *fit* rules match a field of the lead (``form``, ``channel``,
    ``source``) or of its contact (``field`` equals ``value``, case-insensitive; ``value``
    empty = the field is set), *behaviour* rules count each of
    the contact's ``event`` events, worth ``points`` halved every ``half_life_days``;
    *arrival* rules give their points when the lead arrived on one of ``weekdays``, in
    the hours ``hour_from`` to ``hour_to`` and inside or outside (``arrived``) the
    opening hours, in its location's time zone (as a routing rule's conditions)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    kind = models.CharField(
        max_length=10,
        choices=[("fit", "Fit"), ("behaviour", "Behaviour"), ("arrival", "Arrival")],
    )
    field = models.CharField(max_length=40, blank=True)
    value = models.CharField(max_length=200, blank=True)
    event = models.CharField(max_length=200, blank=True)
    points = models.FloatField()
    half_life_days = models.FloatField(null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True)  # mon .. sun; empty: any day
    hour_from = models.PositiveSmallIntegerField(null=True, blank=True)  # 0-23
    hour_to = models.PositiveSmallIntegerField(null=True, blank=True)  # 1-24, before it
    arrived = models.CharField(max_length=6, blank=True, default="")  # "", open, closed


class ScoreThreshold(models.Model):
    """A lead in ``from_stage`` whose score reaches ``score`` moves to ``to_stage``; one
    per stage moved from (``pacer.leads.thresholds``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    from_stage = models.SlugField(max_length=40)
    to_stage = models.SlugField(max_length=40)
    score = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "from_stage"], name="lead_threshold_per_stage"
            ),
        ]


class LocatingRule(models.Model):
    """How a workspace finds a new lead's location: ``steps`` in order, the first that
    finds one wins (``pacer.leads.locating``)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE)
    steps = models.JSONField(default=list)  # ["form", "postal", "nearest", "contact"]


class LocationArea(models.Model):
    """Where a location serves: its postal codes (or prefixes of them) and its place."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    location_id = models.BigIntegerField()
    postal_codes = models.JSONField(default=list)  # normalised: "SW1A", "75011"
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "location_id"], name="lead_area_once"),
        ]


class PostalCentroid(models.Model):
    """The middle of a postal code's area, for the nearest location to a lead that gave
    a postal code but no coordinates."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    postal_code = models.CharField(max_length=12)  # normalised
    latitude = models.FloatField()
    longitude = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "postal_code"], name="lead_centroid"),
        ]


class RoutingRule(models.Model):
    """Leads that match (every condition given; an empty one matches any lead) go to the
    agents of ``team``; rules are tried by ``position``, the first match wins, and a lead
    no rule matches (or whose team has nobody free) goes to the default rotation."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=100)
    territory = models.JSONField(default=list)  # location codes or regions
    products = models.JSONField(default=list)
    sources = models.JSONField(default=list)  # form, api, segment, csv
    min_score = models.FloatField(null=True, blank=True)
    # when the lead arrived, in its location's time zone and opening hours
    weekdays = models.JSONField(default=list)  # mon .. sun; empty: any day
    hour_from = models.PositiveSmallIntegerField(null=True, blank=True)  # 0-23
    hour_to = models.PositiveSmallIntegerField(null=True, blank=True)  # 1-24, before it
    arrived = models.CharField(max_length=6, blank=True, default="")  # "", open, closed
    team = models.SlugField(max_length=40)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "position"], name="lead_rule_position"),
        ]
