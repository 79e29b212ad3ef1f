"""The recent event stream; the warehouse keeps the full history."""

from django.conf import settings
from django.db import models

from pacer.core.models import Workspace

# The columns an event row takes from its message, in the order
# ``pacer.ingest.actions.event_values`` gives them; ``context`` is last because only the
# row keeps it (processing reads the others back).
MESSAGE_COLUMNS = [
    "message_id",
    "type",
    "event",
    "name",
    "user_id",
    "anonymous_id",
    "timestamp",
    "channel",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "properties",
    "context",
]


class Event(models.Model):
    """One accepted Segment message. ``message_id`` is unique per workspace (dedupe).

    ``pending`` events are durably accepted but not yet resolved to a contact (see
    ``pacer.ingest.processing``); the warehouse takes events only once processed.
    An event processing could not write is set aside instead: not pending, no contact,
    ``quarantined_at`` and ``quarantine_reason`` set, kept out of the warehouse until
    re-processed (``pacer.ingest.actions.reprocess``).
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    message_id = models.CharField(max_length=200)
    # Indexed once, by (contact, timestamp) below: every index keyed by contact costs
    # processing a page write per event (see docs/benchmarks.md).
    contact = models.ForeignKey(
        "people.Contact", null=True, on_delete=models.SET_NULL, db_index=False
    )
    type = models.CharField(max_length=10)
    event = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    user_id = models.CharField(max_length=200, blank=True)
    anonymous_id = models.CharField(max_length=200, blank=True)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField()
    pending = models.BooleanField(default=False)
    channel = models.CharField(max_length=40, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=100, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    properties = models.JSONField(default=dict)
    context = models.JSONField(default=dict)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    # defaults in the database too: acceptance appends rows without these columns
    quarantine_reason = models.TextField(blank=True, db_default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "message_id"], name="event_message_id")
        ]
        indexes = [
            # partial: an event is added to it once resolved, not when accepted
            models.Index(
                fields=["contact", "timestamp"],
                condition=models.Q(contact__isnull=False),
                name="event_contact_time",
            ),
            models.Index(
                fields=["id"],
                condition=models.Q(pending=True),
                name="event_pending",
            ),
            models.Index(
                fields=["workspace", "id"],
                condition=models.Q(quarantined_at__isnull=False),
                name="event_quarantined",
            ),
        ]


class TrackingOrigin(models.Model):
    """A web origin (``https://shop.example``) allowed to send events to a workspace from
    a browser. A workspace with none accepts every origin, as Segment does: write keys are
    public in pages, so this guards against other sites sending in its name, not a secret.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    origin = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "origin"], name="tracking_origin")
        ]


class ImportRun(models.Model):
    """One CSV import through the import page: the file (``ImportFile``), its column
    mapping, and how the run went. It moves uploaded → queued → running → done (or
    refused: rows were rejected and nothing was written; or failed). The background task
    claims it by moving it from queued to running, so running it twice imports once."""

    class Kind(models.TextChoices):
        CONTACTS = "contacts", "Contacts"
        ORDERS = "orders", "Orders"

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    file_name = models.CharField(max_length=200)
    size_bytes = models.PositiveBigIntegerField()
    headers = models.JSONField(default=list)
    sample = models.JSONField(default=list)  # the first records, for mapping and preview
    row_count = models.PositiveIntegerField()
    mapping = models.JSONField(default=dict)  # column -> field
    update_rule = models.CharField(max_length=20, default="if_not_empty")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    phase = models.CharField(max_length=10, blank=True)  # "checking", "writing"
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    merged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    suppressed = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-id"], name="import_run_recent")]


class ImportFile(models.Model):
    """The uploaded file of an import run, kept apart so that reading a run (the
    progress poll) never reads the file."""

    run = models.OneToOneField(ImportRun, on_delete=models.CASCADE, primary_key=True)
    text = models.TextField()


class ImportRejection(models.Model):
    """A row an import run rejected: its number in the file (the header is row 1), the
    field and the reason. One per row, whichever worker writes it."""

    run = models.ForeignKey(ImportRun, on_delete=models.CASCADE, related_name="rejections")
    row = models.PositiveIntegerField()
    field = models.CharField(max_length=100)
    reason = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "row"], name="import_rejection_row")]
