"""Every write of messaging: validate, then do.

A broadcast is queued once: each recipient becomes one outbox ``Message`` (unique per
broadcast and contact), and those who may not be mailed are recorded as skipped with the
reason (no email, suppressed, no consent for the purpose). Delivery
(``pacer.messaging.delivery``) checks the suppression list again at send time.
"""

import re

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.messaging import sealing, subject_test
from pacer.messaging.audience import audience_ids, check_audience, check_schedule, due_at
from pacer.messaging.models import (
    Broadcast,
    BroadcastStatus,
    EventKind,
    Message,
    MessageEvent,
    MessageStatus,
    Schedule,
    Sender,
    SuppressedAddress,
    SuppressionReason,
    Template,
    Topic,
    TopicOptOut,
)
from pacer.messaging.render import TemplateProblem, compile_parts
from pacer.messaging.rights import AssetRights, template_assets, territory_of
from pacer.messaging.rules import settings_of
from pacer.messaging.schedule import zone_of
from pacer.messaging.signing import KeyProblem, check_key, generate_key
from pacer.messaging.webhooks import emit
from pacer.people import selectors as people

UNSUBSCRIBE_SALT = "pacer.messaging.unsubscribe"
LIMITS = {"name": 200, "subject": 300, "html": 500_000, "text": 200_000}


def _text(errors: dict, field: str, value, *, required: bool = True) -> str:
    limit = LIMITS.get(field, 200)
    return check_text(errors, field, value, limit, required=required, strip=False)


@transaction.atomic
def save_template(
    workspace: Workspace, *, name, subject, html, text="", template: Template | None = None
) -> Template:
    """Create or change a template; each part must compile (the error names the part) and
    the library assets its HTML links to (``/assets/<id>/``) must exist; share links of
    the workspace's collections count as uses of their assets too."""
    errors: dict[str, str] = {}
    values = {
        "name": _text(errors, "name", name).strip(),
        "subject": _text(errors, "subject", subject),
        "html": _text(errors, "html", html),
        "text": _text(errors, "text", text, required=False),
    }
    if not errors:
        try:
            compile_parts(values["subject"], values["html"], values["text"])
        except TemplateProblem as problem:
            errors[problem.part] = problem.reason
    if "html" not in errors:  # a refused text (a NUL in it) is never put in a query
        values["asset_ids"], missing = template_assets(workspace, values["html"])
        if missing:
            errors["html"] = (
                f"links to asset {missing[0]}, which is not in this workspace's library"
            )
    taken = Template.objects.filter(workspace=workspace, name=values["name"])
    if template is not None:
        taken = taken.exclude(pk=template.pk)
    if values["name"] and "name" not in errors and taken.exists():
        errors["name"] = "another template has this name"
    if errors:
        raise ValidationFailed(errors)
    template = template or Template(workspace=workspace)
    for field, value in values.items():
        setattr(template, field, value)
    template.save()
    return template


def _check_key(key: str) -> str | None:
    """Why a DKIM key cannot sign (None when it can)."""
    try:
        check_key(key)
    except KeyProblem as error:
        return f"cannot sign with this key: {error}"
    return None


@transaction.atomic
def save_sender(
    workspace: Workspace, *, name, from_email, dkim_selector="", dkim_private_key=""
) -> Sender:
    """Create a sender identity; a DKIM key, when given, must sign with its selector, and
    is kept sealed (never shown back)."""
    errors: dict[str, str] = {}
    name = _text(errors, "name", name).strip()
    email = _text(errors, "from_email", from_email).strip().lower()
    selector = _text(errors, "dkim_selector", dkim_selector, required=False).strip()
    key = dkim_private_key if isinstance(dkim_private_key, str) else ""
    if "from_email" not in errors:
        try:
            validate_email(email)
        except ValidationError:
            errors["from_email"] = "must be an email address"
    if key and not selector:
        errors["dkim_selector"] = "a DKIM key needs its selector"
    if selector and not key:
        errors["dkim_private_key"] = "a DKIM selector needs its private key (PEM)"
    if key and selector and not errors:
        reason = _check_key(key)
        if reason:
            errors["dkim_private_key"] = reason
    if errors:
        raise ValidationFailed(errors)
    return Sender.objects.create(
        workspace=workspace,
        name=name,
        from_email=email,
        dkim_selector=selector,
        dkim_key_sealed=sealing.seal_dkim_key(workspace.pk, key),
    )


_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
SELECTOR = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")  # a DKIM selector: DNS labels


def _sender(workspace: Workspace, sender_id) -> Sender:
    found = Sender.objects.select_for_update().filter(workspace=workspace, pk=sender_id).first()
    if found is None:
        raise ValidationFailed({"sender": "no such sender in this workspace"})
    return found


def _sender_state(sender: Sender) -> dict:
    """What the audit log keeps of a sender (never its key: whether it has one)."""
    fields = ("name", "from_email", "reply_to", "dkim_selector")
    return {**{f: getattr(sender, f) for f in fields}, "dkim_key": bool(sender.dkim_key_sealed)}


@transaction.atomic
def update_sender(workspace: Workspace, sender_id, *, name, from_email, reply_to, actor=None):
    """Change a sender's name, From address and Reply-To (empty: none); its DKIM key and
    selector change only by ``rotate_dkim_key``. Audited with the values before."""
    sender = _sender(workspace, sender_id)
    errors: dict[str, str] = {}
    name = _text(errors, "name", name).strip()
    email = _text(errors, "from_email", from_email).strip().lower()
    reply = _text(errors, "reply_to", reply_to, required=False).strip().lower()
    for field, value in (("from_email", email), ("reply_to", reply)):
        if field not in errors and value:
            try:
                validate_email(value)
            except ValidationError:
                errors[field] = "must be an email address"
    if errors:
        raise ValidationFailed(errors)
    before = _sender_state(sender)
    sender.name, sender.from_email, sender.reply_to = name, email, reply
    sender.save(update_fields=["name", "from_email", "reply_to"])
    audit.record(
        workspace,
        "messaging.sender_changed",
        sender,
        actor=actor,
        before=before,
        after=_sender_state(sender),
    )
    return sender


@transaction.atomic
def rotate_dkim_key(workspace: Workspace, sender_id, *, dkim_selector, actor=None) -> Sender:
    """Give a sender a new DKIM key, generated here and kept sealed (never shown), under
    ``dkim_selector`` (a DNS label, lower case; a new one lets the old key's record stay
    published until mail signed with it has been delivered). Audited."""
    sender = _sender(workspace, sender_id)
    errors: dict[str, str] = {}
    selector = _text(errors, "dkim_selector", dkim_selector).strip().lower()
    if "dkim_selector" not in errors and (len(selector) > 63 or not SELECTOR.fullmatch(selector)):
        errors["dkim_selector"] = (
            "must be a DNS name of letters, digits and hyphens (dots between labels), "
            "at most 63 characters"
        )
    if errors:
        raise ValidationFailed(errors)
    before = _sender_state(sender)
    sender.dkim_selector = selector
    sender.dkim_key_sealed = sealing.seal_dkim_key(workspace.pk, generate_key())
    sender.save(update_fields=["dkim_selector", "dkim_key_sealed"])
    audit.record(
        workspace,
        "messaging.sender_key_rotated",
        sender,
        actor=actor,
        before=before,
        after=_sender_state(sender),
    )
    return sender


def sender_in_use(workspace: Workspace, sender: Sender) -> str | None:
    """Why ``sender`` cannot be deleted (None when it can): a broadcast uses it, and the
    first such is named: a scheduled or sending one (queued), a draft, or a sent one
    (whose report and deliverability figures are counted by its sender)."""
    reasons = {
        BroadcastStatus.QUEUED: "is scheduled or sending with it",
        BroadcastStatus.DRAFT: "is a draft with it: give it another sender or delete it first",
        BroadcastStatus.SENT: "was sent with it (its report counts by sender)",
    }
    for status, reason in reasons.items():
        found = Broadcast.objects.filter(workspace=workspace, sender=sender, status=status)
        name = found.order_by("pk").values_list("name", flat=True).first()
        if name is not None:
            return f"broadcast '{name}' {reason}"
    return None


@transaction.atomic
def delete_sender(workspace: Workspace, sender_id, *, actor=None) -> None:
    """Delete a sender no broadcast uses; refused (``ValidationFailed`` on ``sender``,
    nothing changed) with the reason otherwise. Audited."""
    sender = _sender(workspace, sender_id)
    reason = sender_in_use(workspace, sender)
    if reason is not None:
        raise ValidationFailed({"sender": f"cannot be deleted: {reason}"})
    before = _sender_state(sender)
    audit.record(workspace, "messaging.sender_deleted", sender, actor=actor, before=before)
    sender.delete()


def suppress(workspace: Workspace, email: str, reason: str, detail: str = "") -> bool:
    """Put an address on the suppression list; False when it was there already."""
    if reason not in SuppressionReason.values:
        raise ValidationFailed({"reason": f"must be one of {', '.join(SuppressionReason.values)}"})
    email = (email or "").strip().lower()
    if not email or len(email) > 254:
        raise ValidationFailed({"email": "must be an email address of at most 254 characters"})
    try:
        with transaction.atomic():
            SuppressedAddress.objects.create(
                workspace=workspace,
                email=email,
                reason=reason,
                detail=detail[:500],
                created_at=clock.now(),
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def create_broadcast(
    workspace: Workspace,
    *,
    name,
    template_id,
    sender_id,
    audience,
    purpose="marketing",
    topic_id=None,
    schedule=Schedule.NOW,
    send_at=None,
    send_local="",
    subject_variants=None,
    test_percent=20,
    test_wait_hours=4,
    test_metric="open",
) -> Broadcast:
    """A draft broadcast. ``schedule`` is ``now``, ``at`` (``send_at``, an aware time) or
    ``local`` (``send_local``, ``YYYY-MM-DDTHH:MM`` in each recipient's time zone).
    ``subject_variants`` (2-4 subject lines) make it a subject test
    (``pacer.messaging.subject_test``): ``test_percent`` of the audience get one each,
    the rest the winner by ``test_metric`` (open or click) after ``test_wait_hours``."""
    errors: dict[str, str] = {}
    name = _text(errors, "name", name).strip()
    template = Template.objects.filter(workspace=workspace, pk=template_id).first()
    sender = Sender.objects.filter(workspace=workspace, pk=sender_id).first()
    topic = Topic.objects.filter(workspace=workspace, pk=topic_id).first() if topic_id else None
    if template is None:
        errors["template_id"] = "no such template in this workspace"
    if sender is None:
        errors["sender_id"] = "no such sender in this workspace"
    if topic_id and topic is None:
        errors["topic_id"] = "no such topic in this workspace"
    if not isinstance(purpose, str) or not 1 <= len(purpose) <= 60:
        errors["purpose"] = "must be text of 1 to 60 characters"
    check_audience(workspace, audience, errors)
    check_schedule(errors, schedule, send_at, send_local)
    variants = subject_test.check(
        errors, subject_variants, test_percent, test_wait_hours, test_metric, schedule
    )
    if errors:
        raise ValidationFailed(errors)
    testing = {}
    if variants:
        testing = {
            "subject_variants": variants,
            "test_percent": test_percent,
            "test_wait_hours": test_wait_hours,
            "test_metric": test_metric,
        }
    return Broadcast.objects.create(
        **testing,
        workspace=workspace,
        name=name,
        template=template,
        sender=sender,
        purpose=purpose,
        audience=audience,
        topic=topic,
        schedule=schedule,
        send_at=send_at if schedule == Schedule.AT else None,
        send_local=send_local if schedule == Schedule.LOCAL else "",
    )


def _skip_reason(broadcast: Broadcast, row: dict, suppressed, consenting, opted_out) -> str:
    if row["email"].lower() in suppressed:
        return "suppressed"
    if row["id"] not in consenting:
        return f"no email consent for {broadcast.purpose}"
    if row["id"] in opted_out:
        return f"opted out of topic {broadcast.topic.name}"
    return ""


def queue_broadcast(workspace: Workspace, broadcast_id: int, *, actor=None) -> dict[str, int]:
    """Turn a draft broadcast into one outbox message per recipient (once: a second call
    changes nothing); returns the counts queued and skipped. A segment audience is its
    members at this moment; each message is due when the schedule says, in the
    recipient's time zone (their ``timezone`` trait, else the workspace's). A message
    whose template shows a library asset it may not use (``pacer.messaging.rights``) is
    skipped with the reasons; when that leaves nobody to send to, the queue is refused
    (naming ``template``) and the broadcast stays a draft."""
    with transaction.atomic():
        broadcast = (
            Broadcast.objects.select_for_update()
            .filter(workspace=workspace, pk=broadcast_id)
            .first()
        )
        if broadcast is None:
            raise ValidationFailed({"broadcast_id": "no such broadcast in this workspace"})
        if broadcast.status != BroadcastStatus.DRAFT:
            raise ValidationFailed({"broadcast_id": f"already {broadcast.status}"})
        ids = audience_ids(workspace, broadcast.audience)
        people_rows = people.recipients(workspace, ids)
        suppressed = set(
            SuppressedAddress.objects.filter(
                workspace=workspace, email__in=[row["email"].lower() for row in people_rows]
            ).values_list("email", flat=True)
        )
        found = [row["id"] for row in people_rows]
        consenting = people.granted(workspace, "email", broadcast.purpose, found)
        opted_out = set()
        if broadcast.topic_id:
            opted_out = set(
                TopicOptOut.objects.filter(topic_id=broadcast.topic_id).values_list(
                    "contact_id", flat=True
                )
            )
        rules = settings_of(workspace)
        rights, assets, now = AssetRights(workspace), broadcast.template.asset_ids, clock.now()
        messages, blocked = [], []
        for row in people_rows:
            reason = _skip_reason(broadcast, row, suppressed, consenting, opted_out)
            zone = zone_of(row["time_zone"], rules.time_zone)
            territory = territory_of(row["country"], rules.default_territory)
            due = None if reason else due_at(broadcast, zone)
            if not reason:
                reason = rights.problem(assets, territory, due or now, zone)
                blocked += [reason] if reason else []
            messages.append(
                Message(
                    workspace=workspace,
                    broadcast=broadcast,
                    contact_id=row["id"],
                    email=row["email"].lower(),
                    status=MessageStatus.SKIPPED if reason else MessageStatus.QUEUED,
                    reason=reason,
                    time_zone=zone,
                    territory=territory,
                    due_at=None if reason else due,
                )
            )
        if blocked and not any(m.status == MessageStatus.QUEUED for m in messages):
            raise ValidationFailed({"template": f"no recipient may get it: {blocked[0]}"})
        missing = set(ids or []) - set(found)
        subject_test.split(broadcast, messages)
        Message.objects.bulk_create(messages, batch_size=2000, ignore_conflicts=True)
        broadcast.status, broadcast.queued_at = BroadcastStatus.QUEUED, clock.now()
        broadcast.save(update_fields=["status", "queued_at", "test_decide_at"])
        counts = {
            "queued": sum(m.status == MessageStatus.QUEUED for m in messages),
            "skipped": sum(m.status == MessageStatus.SKIPPED for m in messages),
            "not_found": len(missing),
        }
        if broadcast.subject_variants:  # a subject test: the rest wait for the winner
            counts["held"] = sum(m.status == MessageStatus.HELD for m in messages)
        audit.record(workspace, "messaging.broadcast_queued", broadcast, actor=actor, after=counts)
    return counts


def unsubscribe_token(message: Message) -> str:
    return signing.dumps([message.workspace_id, message.pk], salt=UNSUBSCRIBE_SALT, compress=True)


def message_of(token: str) -> Message | None:
    """The message an unsubscribe token was made for; None for a token this install did
    not sign."""
    try:
        workspace_id, message_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return (
        Message.objects.select_related("workspace")
        .filter(workspace_id=workspace_id, pk=message_id)
        .first()
    )


def unsubscribe(token: str) -> Message | None:
    """One-click unsubscribe (RFC 8058): the message's address is suppressed. None for a
    token that was not made by this install (nothing written)."""
    message = message_of(token)
    if message is None:
        return None
    suppress(
        message.workspace,
        message.email,
        SuppressionReason.UNSUBSCRIBE,
        detail=f"one-click from broadcast {message.broadcast_id}",
    )
    MessageEvent.objects.create(
        workspace_id=message.workspace_id,
        message=message,
        kind=EventKind.UNSUBSCRIBE,
        at=clock.now(),
    )
    emit(
        message.workspace_id,
        "message.unsubscribed",
        str(message.pk),
        {"message_id": message.pk, "broadcast_id": message.broadcast_id, "email": message.email},
    )
    return message
