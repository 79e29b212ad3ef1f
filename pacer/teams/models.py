"""Teams with members and a lead, their KPI targets per month, weekly reviews with
decisions and follow-ups, and the customer-experience signals of locations (survey
answers, imported review ratings)."""

from django.db import models

from pacer.core.models import Membership, Workspace


class Team(models.Model):
    """A marketing team (brand, content, performance, CX, product by default)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(max_length=40)
    name = models.CharField(max_length=100)
    purpose = models.CharField(max_length=300, blank=True)
    lead = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="team_key")]
        ordering = ["name", "id"]


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "membership"], name="team_member_once")
        ]


class KpiTarget(models.Model):
    """What a team aims for on one metric in one month, and who owns it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="targets")
    metric = models.CharField(max_length=40)  # a key of pacer.teams.registry.METRICS
    month = models.DateField()  # the first day of the month
    target = models.DecimalField(max_digits=16, decimal_places=4)
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "metric", "month"], name="kpi_target_once")
        ]


class WeeklyReview(models.Model):
    """A team's review of its numbers in one week (the Monday it starts on)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="reviews")
    week = models.DateField()  # a Monday
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "week"], name="review_once")]


class ReviewItemKind(models.TextChoices):
    DECISION = "decision", "Decision"
    ACTION = "action", "Follow-up action"


class ReviewItem(models.Model):
    """A decision taken in a review, or a follow-up action with an owner and a due day."""

    review = models.ForeignKey(WeeklyReview, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(max_length=10, choices=ReviewItemKind.choices)
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    due_on = models.DateField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class SurveyKind(models.TextChoices):
    NPS = "nps", "NPS (0-10)"
    CSAT = "csat", "CSAT (1-5)"


class Survey(models.Model):
    """A one-question NPS or CSAT survey, answered on a hosted page by signed link."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=SurveyKind.choices)
    question = models.CharField(max_length=300)
    broadcast_id = models.BigIntegerField(null=True, blank=True)  # messaging's broadcast
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class SurveyResponse(models.Model):
    """One person's answer to one survey (one per person: a second is refused)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    contact_id = models.BigIntegerField()
    location_id = models.BigIntegerField(null=True, blank=True)  # the person's location
    score = models.PositiveSmallIntegerField()
    comment = models.CharField(max_length=2000, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["survey", "contact_id"], name="one_answer_per_person")
        ]
        indexes = [models.Index(fields=["workspace", "location_id"])]


class SurveyTrigger(models.Model):
    """Send a survey by itself after each order (and, when ``visit_event`` names one,
    after each visit: a Segment track event such as "Store Visited" or "Appointment
    Completed" processed after ``visits_since``): ``delay_days`` after it is placed, moved
    into the daytime window ``[send_from, send_until)`` of the order's location's time zone
    (when it has one of its own; else the contact's, else the workspace's), for
    orders of ``location_ids`` (every location when empty) placed from ``since`` on.
    Nobody asked by any survey within ``ask_again_after_days`` is asked again."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="trigger")
    enabled = models.BooleanField(default=True)
    delay_days = models.PositiveSmallIntegerField(default=2)
    location_ids = models.JSONField(default=list, blank=True)
    send_from = models.TimeField()
    send_until = models.TimeField()
    ask_again_after_days = models.PositiveSmallIntegerField(default=90)
    sender_id = models.BigIntegerField()  # messaging's sender
    purpose = models.CharField(max_length=60, default="marketing")
    since = models.DateTimeField()  # orders placed earlier are not asked about
    order_cursor = models.BigIntegerField(default=0)  # the last order id read
    template_id = models.BigIntegerField(null=True, blank=True)  # messaging's template
    visit_event = models.CharField(max_length=200, blank=True)  # "": orders only
    visits_since = models.DateTimeField(null=True, blank=True)  # visits earlier: not asked
    updated_at = models.DateTimeField(auto_now=True)


class AskStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    SENDING = "sending", "Sending"  # claimed into a broadcast not yet queued
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"


class SurveyAsk(models.Model):
    """One (survey, contact, order) or (survey, visit event) a trigger asks about, from
    ``earliest_at`` (the order's or visit's time plus the delay) waiting until ``due_at``
    (that moved into the daytime of the location's zone), then
    sent (queued in messaging's broadcast ``broadcast_id``) or skipped with the reason.
    The unique key makes it once, however often or in how many workers the task runs.
    A survey sent by hand records a sent ask without an order for each person it was
    queued for, so the ask-again window counts it too."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="asks")
    contact_id = models.BigIntegerField()
    order_id = models.BigIntegerField(null=True, blank=True)  # None: a visit, or by hand
    event_id = models.BigIntegerField(null=True, blank=True)  # the visit's track event
    location_id = models.BigIntegerField(null=True, blank=True)  # the order's location
    earliest_at = models.DateTimeField(null=True, blank=True)  # None: by hand; see teams 0007
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=AskStatus.choices, default="waiting")
    reason = models.CharField(max_length=300, blank=True)
    broadcast_id = models.BigIntegerField(null=True, blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "contact_id", "order_id"], name="survey_ask_once"
            ),
            models.UniqueConstraint(
                fields=["survey", "event_id"],
                condition=models.Q(event_id__isnull=False),
                name="survey_ask_event_once",
            ),
        ]
        indexes = [
            models.Index(fields=["survey", "status", "due_at"], name="survey_ask_due"),
            models.Index(fields=["workspace", "contact_id", "asked_at"], name="survey_ask_recent"),
            # the asks a location's zone change moves (few wait at any time)
            models.Index(
                fields=["location_id"],
                condition=models.Q(status="waiting"),
                name="survey_ask_waiting_at",
            ),
        ]


class ReviewRating(models.Model):
    """A public review's star rating (1-5) for a location, imported by CSV."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    location_id = models.BigIntegerField()
    source = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200)
    rating = models.DecimalField(max_digits=3, decimal_places=2)
    reviewed_on = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source", "external_id"], name="review_rating_once"
            )
        ]
