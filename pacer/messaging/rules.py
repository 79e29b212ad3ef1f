"""The workspace's sending rules and topics, and a recipient's topic preferences:
validate, then do."""

from datetime import time
from decimal import Decimal, InvalidOperation

from django.db import transaction

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.messaging.models import MessagingSettings, Topic, TopicOptOut
from pacer.messaging.schedule import known_zone

MAX_CAP_COUNT, MAX_CAP_DAYS, MAX_SOFT_BOUNCES = 1000, 365, 100
MAX_ATTRIBUTION_DAYS = 90
# the bounds of the SMS deliverability thresholds an admin may set
PERCENT_RANGE = (Decimal("0.01"), Decimal("100"))
SPIKE_RANGE = (Decimal("1"), Decimal("100"))
MAX_MIN_TEXTS, MAX_BASELINE_DAYS = 1_000_000, 90
SMS_REPLY_LIMIT = 320


def settings_of(workspace: Workspace) -> MessagingSettings:
    """The workspace's rules (the defaults, unsaved, when none were set)."""
    found = MessagingSettings.objects.filter(workspace=workspace).first()
    return found or MessagingSettings(workspace=workspace)


def _clock_time(errors: dict, field: str, value) -> time | None:
    if value in (None, ""):
        return None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    errors[field] = "must be a time of day as HH:MM"
    return None


def _whole(errors: dict, field: str, value, low: int, high: int) -> int:
    if isinstance(value, str) and value.strip().isdecimal() and len(value.strip()) < 8:
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        errors[field] = f"must be a whole number from {low} to {high}"
        return low
    return value


def _decimal(errors: dict, field: str, value, low: Decimal, high: Decimal) -> Decimal:
    """A number from ``low`` to ``high`` with at most two decimals (text or a number)."""
    text = str(value).strip() if isinstance(value, (str, int, float, Decimal)) else ""
    try:
        number = Decimal(text) if 0 < len(text) <= 20 else None
    except InvalidOperation:
        number = None
    if isinstance(value, bool) or number is None or not number.is_finite():
        errors[field] = "must be a number"
        return low
    if not low <= number <= high or number != number.quantize(Decimal("0.01")):
        errors[field] = f"must be from {low} to {high} with at most two decimals"
        return low
    return number.quantize(Decimal("0.01"))


@transaction.atomic
def save_sms_thresholds(
    workspace: Workspace,
    *,
    sms_failure_percent,
    sms_min_texts,
    sms_opt_out_percent,
    sms_spike_factor,
    sms_baseline_days,
    actor=None,
) -> MessagingSettings:
    """Set when the SMS deliverability warnings are raised (``pacer.messaging.sms_health``):
    the failure rate over ``sms_failure_percent`` % from ``sms_min_texts`` texts on, the
    opt-out rate over ``sms_opt_out_percent`` % and ``sms_spike_factor`` times that of the
    ``sms_baseline_days`` days before. Each refusal names its field; nothing is saved
    then."""
    errors: dict[str, str] = {}
    values = {
        "sms_failure_percent": _decimal(
            errors, "sms_failure_percent", sms_failure_percent, *PERCENT_RANGE
        ),
        "sms_min_texts": _whole(errors, "sms_min_texts", sms_min_texts, 1, MAX_MIN_TEXTS),
        "sms_opt_out_percent": _decimal(
            errors, "sms_opt_out_percent", sms_opt_out_percent, *PERCENT_RANGE
        ),
        "sms_spike_factor": _decimal(errors, "sms_spike_factor", sms_spike_factor, *SPIKE_RANGE),
        "sms_baseline_days": _whole(
            errors, "sms_baseline_days", sms_baseline_days, 1, MAX_BASELINE_DAYS
        ),
    }
    if errors:
        raise ValidationFailed(errors)
    found = settings_of(workspace)
    before = {name: str(getattr(found, name)) for name in values}
    for name, value in values.items():
        setattr(found, name, value)
    found.save()
    after = {name: str(value) for name, value in values.items()}
    audit.record(
        workspace,
        "messaging.sms_thresholds_changed",
        found,
        actor=actor,
        before=before,
        after=after,
    )
    return found


@transaction.atomic
def save_settings(
    workspace: Workspace,
    *,
    time_zone,
    cap_count,
    cap_days,
    quiet_start=None,
    quiet_end=None,
    soft_bounce_limit=None,
    soft_bounce_days=None,
    default_territory=None,
    sms_help_text=None,
    sms_stop_text=None,
    sms_start_text=None,
    attribution_days=None,
    actor=None,
) -> MessagingSettings:
    """Set the default time zone, the frequency cap (``cap_count`` messages per contact
    in ``cap_days`` days; 0 for none), quiet hours (both ends or neither) and when soft
    bounces suppress an address (``soft_bounce_limit`` of them in ``soft_bounce_days``;
    None keeps what is set), the country of contacts without a ``country`` trait (two
    letters, or "" for none), the replies to SMS keywords and how many days after a click
    an order counts as a broadcast's revenue (1 to 90; None keeps each)."""
    errors: dict[str, str] = {}
    if not known_zone(time_zone):
        errors["time_zone"] = "must be a known time zone such as Europe/London"
    count = _whole(errors, "cap_count", cap_count, 0, MAX_CAP_COUNT)
    days = _whole(errors, "cap_days", cap_days, 1, MAX_CAP_DAYS)
    found = settings_of(workspace)
    if soft_bounce_limit is None:
        soft_bounce_limit = found.soft_bounce_limit
    if soft_bounce_days is None:
        soft_bounce_days = found.soft_bounce_days
    soft_limit = _whole(errors, "soft_bounce_limit", soft_bounce_limit, 1, MAX_SOFT_BOUNCES)
    soft_days = _whole(errors, "soft_bounce_days", soft_bounce_days, 1, MAX_CAP_DAYS)
    if attribution_days is None:
        attribution_days = found.attribution_days
    attribution = _whole(errors, "attribution_days", attribution_days, 1, MAX_ATTRIBUTION_DAYS)
    territory = found.default_territory if default_territory is None else default_territory
    if not isinstance(territory, str) or not (
        territory == "" or (len(territory) == 2 and territory.isascii() and territory.isalpha())
    ):
        errors["default_territory"] = "must be a two-letter country code (ISO 3166), or empty"
        territory = ""
    replies = {}
    for field, value in (
        ("sms_help_text", sms_help_text),
        ("sms_stop_text", sms_stop_text),
        ("sms_start_text", sms_start_text),
    ):
        given = getattr(found, field) if value is None else value
        replies[field] = check_text(errors, field, given, SMS_REPLY_LIMIT, required=True)
    start = _clock_time(errors, "quiet_start", quiet_start)
    end = _clock_time(errors, "quiet_end", quiet_end)
    if "quiet_start" not in errors and "quiet_end" not in errors:
        if (start is None) != (end is None):
            errors["quiet_end" if end is None else "quiet_start"] = (
                "quiet hours need both a start and an end"
            )
        elif start is not None and start == end:
            errors["quiet_end"] = "must differ from the start"
    if errors:
        raise ValidationFailed(errors)
    before = {
        "time_zone": found.time_zone,
        "cap_count": found.cap_count,
        "attribution_days": found.attribution_days,
    }
    found.time_zone, found.cap_count, found.cap_days = time_zone, count, days
    found.quiet_start, found.quiet_end = start, end
    found.soft_bounce_limit, found.soft_bounce_days = soft_limit, soft_days
    found.default_territory = territory.upper()
    found.attribution_days = attribution
    for field, value in replies.items():
        setattr(found, field, value)
    found.save()
    after = {
        "time_zone": time_zone,
        "cap_count": count,
        "cap_days": days,
        "attribution_days": attribution,
    }
    audit.record(
        workspace, "messaging.settings_changed", found, actor=actor, before=before, after=after
    )
    return found


@transaction.atomic
def save_topic(workspace: Workspace, *, name, description="") -> Topic:
    """A new topic broadcasts can be about (the name is unique in the workspace)."""
    errors: dict[str, str] = {}
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 100:
        errors["name"] = "must be text of 1 to 100 characters"
    elif "\x00" in name:
        errors["name"] = "must not contain NUL characters"
    elif Topic.objects.filter(workspace=workspace, name=name.strip()).exists():
        errors["name"] = "another topic has this name"
    if not isinstance(description, str) or len(description) > 300 or "\x00" in description:
        errors["description"] = "must be text of at most 300 characters"
    if errors:
        raise ValidationFailed(errors)
    return Topic.objects.create(workspace=workspace, name=name.strip(), description=description)


def topics(workspace: Workspace):
    return Topic.objects.filter(workspace=workspace).order_by("name")


def opted_out(workspace: Workspace, contact_id: int) -> set[int]:
    """The topic ids a contact opted out of."""
    return set(
        TopicOptOut.objects.filter(workspace=workspace, contact_id=contact_id).values_list(
            "topic_id", flat=True
        )
    )


@transaction.atomic
def set_preferences(workspace: Workspace, contact_id: int, wanted: set[int]) -> set[int]:
    """Keep the contact subscribed to the topic ids in ``wanted`` and opted out of every
    other topic of the workspace; returns the ids now opted out of."""
    every = set(topics(workspace).values_list("pk", flat=True))
    unknown = set(wanted) - every
    if unknown:
        raise ValidationFailed({"topics": f"no such topic in this workspace: {min(unknown)}"})
    out = every - set(wanted)
    TopicOptOut.objects.filter(workspace=workspace, contact_id=contact_id).exclude(
        topic_id__in=out
    ).delete()
    have = opted_out(workspace, contact_id)
    TopicOptOut.objects.bulk_create(
        [
            TopicOptOut(
                workspace=workspace, topic_id=t, contact_id=contact_id, created_at=clock.now()
            )
            for t in sorted(out - have)
        ]
    )
    return out
