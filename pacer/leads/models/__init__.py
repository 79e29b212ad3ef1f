"""Leads: a contact's request to be contacted, captured once, moved through stages.

A lead is made from one "Lead Created" event (whatever captured it: a form, the REST
API, a Segment SDK, a CSV row), so the event's id keys it and a lead exists once per
event. Its stage history is kept in full. The workspace's settings and rules (hours, SLA
policies, escalation chains, score, routing and locating rules) are in ``config``.
"""

from django.conf import settings
from django.db import models

from pacer.core.models import Workspace
from pacer.leads.models.config import (  # noqa: F401 (re-exported for Django and callers)
    _ALL_LOCATIONS,
    EscalateTo,
    EscalationStep,
    FallbackOwner,
    LeadSettings,
    LocatingRule,
    LocationArea,
    LocationFollowUp,
    LocationHours,
    PostalCentroid,
    RoutingRule,
    ScoreRule,
    ScoreThreshold,
    SlaPolicy,
)

SOURCES = ("form", "api", "segment", "csv")  # how a lead was captured


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
    located_by = models.CharField(
        max_length=10, blank=True, help_text="the locating step that chose the location"
    )
    product = models.CharField(max_length=100, blank=True)
    stage = models.SlugField(max_length=40)
    stage_changed_at = models.DateTimeField()
    reason = models.CharField(max_length=500, blank=True, help_text="why it was lost")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    assignment_round = models.PositiveIntegerField(default=0)
    respond_by = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    next_touch_by = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when the next response is due after the last one (pacer.leads.touches)",
    )
    touch_round = models.PositiveIntegerField(
        default=0,
        help_text="moved on by each response and each stage move bringing it forward",
    )
    unowned_alerted_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="when its managers were told nobody can take it (the Overdue view shows it "
        "while it stays unowned)",
    )
    score = models.FloatField(default=0)
    scored_at = models.DateTimeField(null=True, blank=True)
    predicted = models.FloatField(
        null=True, blank=True, help_text="calibrated chance to convert (pacer.leads.predictive)"
    )
    predicted_version = models.CharField(max_length=40, blank=True)
    # the features that moved the prediction most: [{"feature", "value", "effect"}]
    predicted_reasons = models.JSONField(default=list, blank=True)

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


class Agent(models.Model):
    """A member who takes leads of a location (or of every location: the fallback queue
    when ``location_id`` is empty), with a share of them and a cap on open ones."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    location_id = models.BigIntegerField(null=True, blank=True)
    weight = models.FloatField(default=1.0)
    max_open = models.PositiveIntegerField(default=25)
    is_manager = models.BooleanField(default=False, help_text="gets the escalations")
    away_until = models.DateTimeField(null=True, blank=True, help_text="time off")
    assigned = models.PositiveIntegerField(default=0, help_text="leads given so far")
    team = models.SlugField(max_length=40, blank=True, help_text="routing rules pick a team")
    phone = models.CharField(max_length=40, blank=True, help_text="reminders by SMS too")
    # the agent's own shift: {"timezone": "Europe/London", "weekly": {"mon": [["09:00",
    # "13:00"]]}, "holidays": ["2026-12-25"]}; empty = takes leads at any time
    shift = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace", "user", _ALL_LOCATIONS, name="lead_agent_per_location"
            ),
        ]


class Handover(models.Model):
    """The hand-over of an away member's open, unanswered leads to the agents available:
    recorded with their time off (in the same transaction), then worked through by a task
    (``pacer.leads.tasks.hand_over_leads``) in bounded batches, one lead per transaction
    that also moves ``done`` on, so the progress is exact and a killed run is resumed
    where it stopped. ``lead_ids``: the leads to go through, most urgent first, as they
    were when the time off was saved."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    away_until = models.DateTimeField()
    lead_ids = models.JSONField(default=list)
    done = models.PositiveIntegerField(default=0, help_text="leads of lead_ids gone through")
    moved = models.PositiveIntegerField(default=0)
    unattended = models.PositiveIntegerField(default=0, help_text="nobody could take them")
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, blank=True, help_text="done, replaced, back")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                "workspace",
                "user",
                condition=models.Q(finished_at__isnull=True),
                name="lead_handover_one_open_per_member",
            ),
        ]


class TimerKind(models.TextChoices):
    REMIND = "remind", "Reminder to the owner"
    BREACH = "breach", "Escalation (a step of the chain)"
    REASSIGN = "reassign", "Re-assignment"
    ASSIGN = "assign", "Assignment at the opening (arrived while closed)"
    TOUCH_REMIND = "touch", "Reminder of the next touch"
    TOUCH_LATE = "touch-late", "Escalation of a missed next touch"
    TOUCH_REASSIGN = "touch-move", "Re-assignment after a missed next touch"


class Timer(models.Model):
    """A deadline of a lead's assignment round; fires once (``fired_at``), unless the
    first response came first (``cancelled_at``). A next-touch timer (``TOUCH_*``) has
    the lead's ``touch_round`` as its ``step`` and is cancelled by the next response. An
    escalation timer is one step of the chain set when the lead was assigned (``BREACH``:
    its ``step``) or when its next touch was set (``TOUCH_LATE``: its ``position``), its
    ``target`` copied from that step (``{"to", "user", "address", "delay_minutes"}``), so
    a later change of the chain leaves it as it was."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="timers")
    kind = models.CharField(max_length=10, choices=TimerKind.choices)
    assignment_round = models.PositiveIntegerField()
    step = models.PositiveSmallIntegerField(default=0)
    position = models.PositiveSmallIntegerField(
        default=0, help_text="a missed next touch's escalation step (its place in the chain)"
    )
    target = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField()
    fired_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "kind", "assignment_round", "step", "position"],
                name="lead_timer_step_position_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="lead_timer_due",
                condition=models.Q(fired_at__isnull=True, cancelled_at__isnull=True),
            )
        ]


class ActivityKind(models.TextChoices):
    CALL = "call", "Call"
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"
    MEETING = "meeting", "Meeting"
    NOTE = "note", "Note (not a response)"


class CallOutcome(models.TextChoices):
    """How a call logged from the inbox went (its activity's outcome, in words)."""

    REACHED = "reached", "Reached"
    VOICEMAIL = "voicemail", "Left a voicemail"
    NO_ANSWER = "no-answer", "No answer"


class Activity(models.Model):
    """What the owner did: a call, email, SMS or meeting (each a response), or a note."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(max_length=10, choices=ActivityKind.choices)
    outcome = models.CharField(max_length=500, blank=True)
    next_step = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["at", "id"]


class Notice(models.Model):
    """A message Pacer sends about a lead, keyed so it is made once per lead: the
    auto-reply to the person, a reply, a reminder, an escalation (also shown in the app
    to ``to_user`` until read). The leads' sender sends the auto-replies, replies and SMS:
    ``sent_at`` is set after the hand-over; one left unsent by a crash mid-send is not
    sent again. A staff email notice is written claimed: its email is on the staff email
    outbox (``core.OutboxEmail``, key ``leads.notice:<lead>:<key>``), sent from there."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="notices")
    key = models.CharField(max_length=60)  # "auto-reply", "remind:1", "breach:1"
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    to_email = models.EmailField(blank=True)
    to_phone = models.CharField(max_length=40, blank=True)  # an SMS instead of an email
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)  # a sender took it
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "key"], name="lead_notice_once"),
        ]
        indexes = [
            models.Index(
                fields=["id"],
                name="lead_notice_unsent",
                condition=models.Q(claimed_at__isnull=True),
            )
        ]


class FormEscalation(models.TextChoices):
    DEFAULT = "default", "The location's or workspace's chain"
    NONE = "none", "No escalation"
    OWN = "own", "The form's own chain"


class LeadForm(models.Model):
    """A form served as a hosted page (``/f/<workspace>/<key>/``) and embeddable in any
    site (an iframe of the same page). ``fields`` lists the contact fields it asks for
    and which are required; each consent box records its wording with the lead."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.SlugField(max_length=100)
    title = models.CharField(max_length=200)
    intro = models.TextField(blank=True)
    fields = models.JSONField(default=dict)  # {"email": "required", "phone": "optional"}
    consents = models.JSONField(default=list)  # [{"purpose", "channel", "wording"}]
    ask_location = models.BooleanField(default=False)
    thanks = models.TextField(default="Thank you! We will be in touch shortly.")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    max_submissions = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="submissions per window from everyone (empty: the default)",
    )
    max_per_address = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="submissions per window from one address (empty: the default)",
    )
    # fixed UTM values ({"utm_campaign": "spring"}) for what the visitor's link lacks
    hidden = models.JSONField(default=dict, blank=True)
    escalation = models.CharField(
        max_length=10,
        choices=FormEscalation.choices,
        default=FormEscalation.DEFAULT,
        help_text="how its leads escalate a missed deadline (own: its EscalationSteps)",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="lead_form_key"),
        ]


class FormHit(models.Model):
    """One submission of a hosted form from an address, for the rate limits (per
    address and per form)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    form = models.ForeignKey(LeadForm, on_delete=models.CASCADE, null=True, blank=True)
    address = models.GenericIPAddressField()
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["address", "at"]),
            models.Index(fields=["form", "at"], name="lead_formhit_form_at"),
        ]


class LeadModelRun(models.Model):
    """One fit of a workspace's predictive lead score (``pacer.leads.predictive``): its
    version and how it did on the holdout."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    version = models.CharField(max_length=40)
    fitted_at = models.DateTimeField()
    conversion_days = models.PositiveIntegerField()
    trained_on = models.PositiveIntegerField()
    holdout = models.PositiveIntegerField()
    auc = models.FloatField()
    brier = models.FloatField()
    base_rate = models.FloatField()
    reliability = models.JSONField(default=list)  # [{low, high, leads, predicted, observed}]
    scored = models.PositiveIntegerField(default=0, help_text="leads given a prediction")
    rule_auc = models.FloatField(
        null=True, blank=True, help_text="the rule score's AUC on the same holdout (no rules: none)"
    )
    # conversion in each tenth of the holdout, best-scored first, over the holdout's rate:
    # {"predictive": [10 numbers], "rule": [10 numbers, or none without rules]}
    lift = models.JSONField(default=dict, blank=True)
    # the fitted model as data (``LeadModel.to_dict``: encoder columns, calibration
    # folds, reasons' coefficients), never pickled; empty on runs made before it was kept
    model = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-fitted_at", "-id"]


class FollowUpTask(models.Model):
    """Something an owner must do about a lead by a time: the first response (made when
    the lead is assigned, ``key`` "first-response", done by the first response) or a
    next step anyone working the lead adds."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="tasks")
    key = models.CharField(max_length=40, blank=True)  # "first-response" for the automatic one
    title = models.CharField(max_length=200)
    due_at = models.DateTimeField()
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "key"], name="lead_task_key", condition=~models.Q(key="")
            ),
        ]
        indexes = [models.Index(fields=["workspace", "assignee", "done_at", "due_at"])]
