"""Messaging: templates, senders, broadcasts, the outbox of messages and the suppression
list. Every row belongs to a workspace; a message is unique per (broadcast, contact), the
key that makes a send happen once."""

from decimal import Decimal

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
    # the content library's assets the HTML shows (found in it when saved: this install's
    # /assets/<id>/ links); their usage rights are checked when it is queued and sent
    asset_ids = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="template_name")]


class Sender(models.Model):
    """A sender identity: the From address and, when set, the DKIM key that signs for its
    domain (the public half published at ``<selector>._domainkey.<domain>``). The key is
    kept sealed (``pacer.messaging.sealing``, bound to the workspace) and opened only to
    sign: ``sealing.open_dkim_key``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    from_email = models.EmailField()
    reply_to = models.EmailField(blank=True)  # the Reply-To address; empty: replies go to From
    dkim_selector = models.CharField(max_length=63, blank=True)
    dkim_key_sealed = models.TextField(blank=True)  # the PEM, sealed

    @property
    def domain(self) -> str:
        return self.from_email.rsplit("@", 1)[-1].lower()


class SuppressionReason(models.TextChoices):
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
    HARD_BOUNCE = "hard_bounce", "Hard bounce"
    COMPLAINT = "complaint", "Complaint"
    SOFT_BOUNCES = "soft_bounces", "Repeated soft bounces"
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


class MessagingSettings(models.Model):
    """A workspace's sending rules: the time zone of contacts who have none of their own,
    the frequency cap (at most ``cap_count`` messages per contact in ``cap_days`` days;
    0 = no cap) and quiet hours in the recipient's local time (none when unset)."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE)
    time_zone = models.CharField(max_length=60, default="UTC")
    cap_count = models.PositiveSmallIntegerField(default=0)
    cap_days = models.PositiveSmallIntegerField(default=7)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    # an address is suppressed after this many soft bounces within soft_bounce_days
    soft_bounce_limit = models.PositiveSmallIntegerField(default=3)
    soft_bounce_days = models.PositiveSmallIntegerField(default=7)
    # the country (ISO 3166 two letters) of contacts without a ``country`` trait, for the
    # usage rights of assets a message shows ("" for none)
    default_territory = models.CharField(max_length=2, blank=True, default="")
    # the replies to SMS keywords (CTIA): HELP, and the confirmations of STOP and START
    sms_help_text = models.CharField(
        max_length=320,
        default="Reply STOP to unsubscribe, START to resubscribe. Msg & data rates may apply.",
    )
    sms_stop_text = models.CharField(
        max_length=320,
        default="You are unsubscribed and will get no more messages. Reply START to resubscribe.",
    )
    sms_start_text = models.CharField(
        max_length=320,
        default="You are subscribed again. Reply HELP for help, STOP to unsubscribe.",
    )
    # an order counts as revenue after click when placed at most this many days after
    attribution_days = models.PositiveSmallIntegerField(default=7)
    # when the SMS deliverability warnings (pacer.messaging.sms_health) are raised: the
    # last day's failure rate over this percent (from sms_min_texts texts on), its opt-out
    # rate over this percent and more than sms_spike_factor times that of the
    # sms_baseline_days days before; set by an admin
    sms_failure_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("5.00")
    )
    sms_min_texts = models.PositiveIntegerField(default=20)
    sms_opt_out_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("1.00")
    )
    sms_spike_factor = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("2.00"))
    sms_baseline_days = models.PositiveSmallIntegerField(default=7)


class Topic(models.Model):
    """What a broadcast is about; a contact may opt out of a topic and still get others."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="topic_name")]


class TopicOptOut(models.Model):
    """A contact asked for no more messages on a topic (from the preference centre)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="opt_outs")
    contact_id = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["topic", "contact_id"], name="topic_opt_out_once")
        ]


class Schedule(models.TextChoices):
    NOW = "now", "Now"
    AT = "at", "At a time"
    LOCAL = "local", "At a time in each recipient's time zone"


class Broadcast(models.Model):
    """One email to an audience: ``audience`` is ``{"contacts": [ids]}``, ``{"all":
    true}`` (contacts with an email) or ``{"segment": id}`` (its members when queued);
    ``purpose`` is the consent it needs. ``schedule`` says when: now, at ``send_at``, or
    at the wall-clock time ``send_local`` (``2026-03-29T09:00``) in each recipient's zone.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    template = models.ForeignKey(Template, on_delete=models.PROTECT)
    sender = models.ForeignKey(Sender, on_delete=models.PROTECT)
    purpose = models.CharField(max_length=60, default="marketing")
    audience = models.JSONField(default=dict)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.PROTECT)
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.NOW)
    send_at = models.DateTimeField(null=True, blank=True)
    send_local = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=10, choices=BroadcastStatus.choices, default=BroadcastStatus.DRAFT
    )
    queued_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # a subject test: 2-4 subject lines (template language) sent to ``test_percent`` of
    # the audience, one each; after ``test_wait_hours`` the winner by ``test_metric``
    # (pacer.messaging.subject_test) goes to the rest. Empty: no test.
    subject_variants = models.JSONField(default=list)
    test_percent = models.PositiveSmallIntegerField(default=20)
    test_wait_hours = models.PositiveSmallIntegerField(default=4)
    test_metric = models.CharField(max_length=10, default="open")  # open or click
    test_decide_at = models.DateTimeField(null=True, blank=True)
    winner = models.PositiveSmallIntegerField(null=True, blank=True)
    test_decision = models.JSONField(default=dict)  # the analysis the winner came from


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"
    HELD = "held", "Waiting for the subject test"


class Message(models.Model):
    """One recipient of one broadcast: the outbox row. Released when ``due_at`` has come
    (quiet hours in ``time_zone`` move it later), claimed by a worker until
    ``claimed_until``; ``sent`` only after the relay accepted it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    broadcast = models.ForeignKey(Broadcast, on_delete=models.CASCADE, related_name="messages")
    contact_id = models.BigIntegerField()
    email = models.CharField(max_length=254)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    reason = models.CharField(max_length=300, blank=True)  # why skipped, deferred or failed
    due_at = models.DateTimeField(null=True, blank=True)  # None: at once
    time_zone = models.CharField(max_length=60, default="UTC")  # the recipient's
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)  # when the relay refused it for good
    # the subject variant it carries (an index into the broadcast's subject_variants);
    # None: the template's subject
    variant = models.PositiveSmallIntegerField(null=True, blank=True)
    territory = models.CharField(max_length=2, blank=True, default="")  # the recipient's

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["broadcast", "contact_id"], name="message_once")
        ]
        indexes = [
            models.Index(fields=["status", "claimed_until", "id"]),
            models.Index(fields=["contact_id", "sent_at"], name="message_contact_sent"),
        ]


class EventKind(models.TextChoices):
    OPEN = "open", "Opened"
    CLICK = "click", "Clicked"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribed"
    BOUNCE = "bounce", "Bounced"
    SOFT_BOUNCE = "soft_bounce", "Soft bounce"
    COMPLAINT = "complaint", "Complained"


class MessageEvent(models.Model):
    """What became of a message after it left: opened (the pixel), clicked a link,
    unsubscribed through its link, bounced (a DSN came back) or complained (an ARF
    report). ``key``, when set, makes the event once per (message, kind, key): the same
    DSN or report received twice is recorded once."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    url = models.CharField(max_length=2000, blank=True)
    detail = models.CharField(max_length=300, blank=True, default="")
    key = models.CharField(max_length=200, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["message", "kind"], name="message_event_kind")]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "kind", "key"],
                condition=~models.Q(key=""),
                name="message_event_once",
            )
        ]


class Click(models.Model):
    """A recipient following a tracked link of an email or a text of a broadcast, one row
    per click: the touchpoint the warehouse's ``message_clicks`` table copies (by id) so
    the measurement module's journeys carry it (``pacer.metrics.summaries``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    contact_id = models.BigIntegerField()
    channel = models.CharField(max_length=5)  # email or sms
    broadcast = models.ForeignKey(Broadcast, null=True, on_delete=models.CASCADE)
    sms_broadcast = models.ForeignKey("SmsBroadcast", null=True, on_delete=models.CASCADE)
    at = models.DateTimeField()


class InboundStatus(models.TextChoices):
    PENDING = "pending", "Not read yet"
    RECORDED = "recorded", "Recorded"
    DUPLICATE = "duplicate", "Recorded before"
    IGNORED = "ignored", "Nothing to record"
    UNMATCHED = "unmatched", "No message of ours"
    UNPARSEABLE = "unparseable", "Unparseable"


class InboundMail(models.Model):
    """A mail that came back (a DSN or an ARF report), over SMTP to a VERP address or
    the feedback address, or posted by a provider; kept once per content (``digest``,
    SHA-256 of the bytes) with what was made of it."""

    workspace = models.ForeignKey(Workspace, null=True, on_delete=models.CASCADE)
    message = models.ForeignKey(Message, null=True, on_delete=models.SET_NULL)
    digest = models.CharField(max_length=64, unique=True)
    recipient = models.CharField(max_length=254, blank=True)
    raw = models.BinaryField()
    status = models.CharField(
        max_length=12, choices=InboundStatus.choices, default=InboundStatus.PENDING
    )
    detail = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="inbound_mail_status")]


class Webhook(models.Model):
    """An endpoint that is sent the workspace's messaging events it subscribed to. Its
    Standard Webhooks signing secret (``whsec_<base64>``) is kept sealed, bound to this
    row (``pacer.messaging.sealing.seal_webhook_secret``): opened only to sign."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    url = models.CharField(max_length=2000)
    secret_sealed = models.TextField()
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


class CapLock(models.Model):
    """One row per (workspace, contact) that delivery locks while it counts a capped
    contact's recent messages and sends one: two workers cannot both pass the cap."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    contact_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "contact_id"], name="cap_lock_once")
        ]


class SuppressedNumber(models.Model):
    """A phone number no SMS may go to: it texted STOP (or another opt-out keyword)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    number = models.CharField(max_length=40)  # as pacer.people.resolution.normalise stores
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "number"], name="suppressed_number")
        ]


class SmsKeyword(models.TextChoices):
    STOP = "stop", "Opt-out (STOP)"
    START = "start", "Opt-in again (START)"
    HELP = "help", "Help (HELP)"
    NONE = "", "No keyword"


class InboundSms(models.Model):
    """A text a provider relayed to one of the workspace's numbers, once per provider
    message id, with the keyword it carried and what was done (``outcome``);
    ``purposes`` are the SMS consent purposes a STOP withdrew or a START granted."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    provider_id = models.CharField(max_length=200)
    from_number = models.CharField(max_length=40)
    to_number = models.CharField(max_length=40)
    body = models.CharField(max_length=1600)
    keyword = models.CharField(max_length=5, choices=SmsKeyword.choices, blank=True)
    contact_id = models.BigIntegerField(null=True)
    purposes = models.JSONField(default=list)
    outcome = models.CharField(max_length=300)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "provider_id"], name="inbound_sms_once")
        ]
        indexes = [models.Index(fields=["workspace", "from_number", "id"])]


class SmsBroadcast(models.Model):
    """One text to an audience (the shapes of an email broadcast's ``audience``) for a
    consent ``purpose``, sent now, at ``send_at`` or at the wall-clock time
    ``send_local`` in each recipient's zone. ``text`` may use the recipient's fields as
    a template does (``{{ contact.first_name }}``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    name = models.CharField(max_length=200)
    text = models.CharField(max_length=1600)
    purpose = models.CharField(max_length=60, default="marketing")
    audience = models.JSONField(default=dict)
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.NOW)
    send_at = models.DateTimeField(null=True, blank=True)
    send_local = models.CharField(max_length=16, blank=True)
    status = models.CharField(
        max_length=10, choices=BroadcastStatus.choices, default=BroadcastStatus.DRAFT
    )
    created_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)


class SmsMessage(models.Model):
    """An outgoing text, once per ``key`` in the workspace: a reply to a keyword (``purpose``
    empty: it answers the person) or a message for a consent purpose. Handed to the
    provider by the delivery loop and marked sent only after it took it."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    key = models.CharField(max_length=200)
    to_number = models.CharField(max_length=40)
    text = models.CharField(max_length=1600)
    contact_id = models.BigIntegerField(null=True)
    purpose = models.CharField(max_length=60, blank=True)
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    # a broadcast's text: its broadcast, when it is due (None: now) and the recipient's
    # time zone, for the schedule and quiet hours
    broadcast = models.ForeignKey(
        SmsBroadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="texts"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=60, blank=True)
    # what the provider said of it: its message id (a Twilio SID) when it took the text,
    # then the latest status its callbacks reported (queued, sent, delivered,
    # undelivered, failed), when it was delivered and the error code it reported with a
    # failure (Twilio's 30003 unreachable, 30007 blocked as spam, ...)
    provider_id = models.CharField(max_length=64, blank=True)
    delivery = models.CharField(max_length=12, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=20, blank=True)
    # a broadcast's text: when its recipient first followed one of its tracked links
    # (pacer.messaging.sms_links), and how many times they followed any
    clicked_at = models.DateTimeField(null=True, blank=True)
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="sms_once")]
        indexes = [
            models.Index(fields=["status", "claimed_until", "id"], name="sms_due"),
            models.Index(fields=["workspace", "provider_id"], name="sms_provider_id"),
            # the texts sent to a number, by time: which broadcast a STOP answers
            # (pacer.messaging.sms_report.opted_out)
            models.Index(fields=["workspace", "to_number", "sent_at"], name="sms_number_sent"),
        ]


class PendingSmsStatus(models.Model):
    """A verified status callback for a provider message id no text of the workspace has
    yet: the provider can call back before the worker saved the id its API answered. It
    is applied (``pacer.messaging.sms_providers.apply_pending``) when the id is saved,
    then deleted; once per (id, status), so a replay keeps one row."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    provider_id = models.CharField(max_length=64)
    status = models.CharField(max_length=12)
    error_code = models.CharField(max_length=20, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "provider_id", "status"], name="pending_sms_status_once"
            )
        ]
        indexes = [models.Index(fields=["received_at"], name="pending_sms_status_age")]


class SmsProviderKind(models.TextChoices):
    INSTALL = "install", "This install's SMS gateway (PACER_SMS_URL, or the outbox folder)"
    TWILIO = "twilio", "Twilio-compatible API (Twilio, SignalWire, Plivo compat)"


class SmsProviderAccount(models.Model):
    """The SMS provider a workspace's texts go through: the install's gateway, or a
    Twilio-compatible API at ``api_base`` with the account SID and its auth token (kept
    encrypted, ``pacer.messaging.sealing``; never shown back), sending from
    ``from_number`` or through ``messaging_service_sid``."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE)
    kind = models.CharField(
        max_length=10, choices=SmsProviderKind.choices, default=SmsProviderKind.INSTALL
    )
    api_base = models.CharField(max_length=300, blank=True)
    account_sid = models.CharField(max_length=64, blank=True)
    auth_token_sealed = models.TextField(blank=True)
    from_number = models.CharField(max_length=40, blank=True)
    messaging_service_sid = models.CharField(max_length=64, blank=True)
    set_at = models.DateTimeField(null=True, blank=True)


class ProviderCredentials(models.Model):
    """How a workspace's email provider events are verified
    (``pacer.messaging.provider_auth``): SendGrid's signed-webhook public key (base64
    DER, as SendGrid shows it), Postmark's basic-auth credentials (the password kept
    only as a keyed digest) and the Amazon SNS topics (ARNs) whose signed posts are taken:
    a post from any other topic, AWS-signed or not, is refused."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE)
    sns_topic_arns = models.JSONField(default=list, blank=True)
    sendgrid_public_key = models.TextField(blank=True)
    sendgrid_set_at = models.DateTimeField(null=True, blank=True)
    postmark_username = models.CharField(max_length=100, blank=True)
    postmark_password_digest = models.CharField(max_length=64, blank=True)
    postmark_set_at = models.DateTimeField(null=True, blank=True)


class SnsCertificate(models.Model):
    """An Amazon SNS signing certificate (PEM), fetched once per ``SigningCertURL``."""

    url = models.CharField(max_length=500, unique=True)
    pem = models.TextField()
    fetched_at = models.DateTimeField()


class SnsSubscription(models.Model):
    """The latest confirmation of an SNS topic's subscription to a workspace's endpoint:
    ``confirmed`` or ``failed`` with what went wrong."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE)
    topic_arn = models.CharField(max_length=300)
    status = models.CharField(max_length=12)
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "topic_arn"], name="sns_subscription_once")
        ]
