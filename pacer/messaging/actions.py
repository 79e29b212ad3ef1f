"""Every write of messaging: validate, then do.

A broadcast is queued once: each recipient becomes one outbox ``Message`` (unique per
broadcast and contact), and those who may not be mailed are recorded as skipped with the
reason (no email, suppressed, no consent for the purpose). Delivery
(``pacer.messaging.delivery``) checks the suppression list again at send time.
"""

import dkim
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging.models import (
    Broadcast,
    BroadcastStatus,
    Message,
    MessageStatus,
    Sender,
    SuppressedAddress,
    SuppressionReason,
    Template,
)
from pacer.messaging.render import TemplateProblem, compile_parts
from pacer.messaging.webhooks import emit
from pacer.people import selectors as people

UNSUBSCRIBE_SALT = "pacer.messaging.unsubscribe"
LIMITS = {"name": 200, "subject": 300, "html": 500_000, "text": 200_000}


def _text(errors: dict, field: str, value, *, required: bool = True) -> str:
    if not isinstance(value, str):
        errors[field] = "must be text"
        return ""
    if required and not value.strip():
        errors[field] = "must not be empty"
    elif len(value) > LIMITS.get(field, 200):
        errors[field] = f"must be at most {LIMITS.get(field, 200)} characters"
    elif "\x00" in value:
        errors[field] = "must not contain NUL characters"
    return value


@transaction.atomic
def save_template(
    workspace: Workspace, *, name, subject, html, text="", template: Template | None = None
) -> Template:
    """Create or change a template; each part must compile (the error names the part)."""
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
    taken = Template.objects.filter(workspace=workspace, name=values["name"])
    if template is not None:
        taken = taken.exclude(pk=template.pk)
    if values["name"] and taken.exists():
        errors["name"] = "another template has this name"
    if errors:
        raise ValidationFailed(errors)
    template = template or Template(workspace=workspace)
    for field, value in values.items():
        setattr(template, field, value)
    template.save()
    return template


def _check_key(selector: str, key: str, domain: str) -> str | None:
    """Why a DKIM key cannot sign (None when it can)."""
    try:
        dkim.sign(
            b"From: a@" + domain.encode() + b"\r\n\r\nx\r\n",
            selector.encode(),
            domain.encode(),
            key.encode(),
        )
    except (dkim.DKIMException, ValueError, TypeError, IndexError) as error:
        return f"cannot sign with this key ({error.__class__.__name__})"
    return None


@transaction.atomic
def save_sender(
    workspace: Workspace, *, name, from_email, dkim_selector="", dkim_private_key=""
) -> Sender:
    """Create a sender identity; a DKIM key, when given, must sign with its selector."""
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
        reason = _check_key(selector, key, email.rsplit("@", 1)[-1])
        if reason:
            errors["dkim_private_key"] = reason
    if errors:
        raise ValidationFailed(errors)
    return Sender.objects.create(
        workspace=workspace,
        name=name,
        from_email=email,
        dkim_selector=selector,
        dkim_private_key=key,
    )


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
    workspace: Workspace, *, name, template_id, sender_id, audience, purpose="marketing"
) -> Broadcast:
    errors: dict[str, str] = {}
    name = _text(errors, "name", name).strip()
    template = Template.objects.filter(workspace=workspace, pk=template_id).first()
    sender = Sender.objects.filter(workspace=workspace, pk=sender_id).first()
    if template is None:
        errors["template_id"] = "no such template in this workspace"
    if sender is None:
        errors["sender_id"] = "no such sender in this workspace"
    if not isinstance(purpose, str) or not 1 <= len(purpose) <= 60:
        errors["purpose"] = "must be text of 1 to 60 characters"
    valid_audience = audience == {"all": True} or (
        isinstance(audience, dict)
        and set(audience) == {"contacts"}
        and isinstance(audience["contacts"], list)
        and all(isinstance(i, int) and not isinstance(i, bool) for i in audience["contacts"])
        and len(audience["contacts"]) <= 1_000_000
    )
    if not valid_audience:
        errors["audience"] = 'must be {"all": true} or {"contacts": [contact ids]}'
    if errors:
        raise ValidationFailed(errors)
    return Broadcast.objects.create(
        workspace=workspace,
        name=name,
        template=template,
        sender=sender,
        purpose=purpose,
        audience=audience,
    )


def queue_broadcast(workspace: Workspace, broadcast_id: int, *, actor=None) -> dict[str, int]:
    """Turn a draft broadcast into one outbox message per recipient (once: a second call
    changes nothing); returns the counts queued and skipped."""
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
        ids = None if broadcast.audience.get("all") else broadcast.audience["contacts"]
        people_rows = people.recipients(workspace, ids)
        suppressed = set(
            SuppressedAddress.objects.filter(
                workspace=workspace, email__in=[row["email"].lower() for row in people_rows]
            ).values_list("email", flat=True)
        )
        consenting = people.granted(
            workspace, "email", broadcast.purpose, [row["id"] for row in people_rows]
        )
        messages = []
        for row in people_rows:
            reason = ""
            if row["email"].lower() in suppressed:
                reason = "suppressed"
            elif row["id"] not in consenting:
                reason = f"no email consent for {broadcast.purpose}"
            messages.append(
                Message(
                    workspace=workspace,
                    broadcast=broadcast,
                    contact_id=row["id"],
                    email=row["email"].lower(),
                    status=MessageStatus.SKIPPED if reason else MessageStatus.QUEUED,
                    reason=reason,
                )
            )
        found = {row["id"] for row in people_rows}
        missing = [i for i in (ids or []) if i not in found]
        Message.objects.bulk_create(messages, batch_size=2000, ignore_conflicts=True)
        broadcast.status, broadcast.queued_at = BroadcastStatus.QUEUED, clock.now()
        broadcast.save(update_fields=["status", "queued_at"])
        counts = {
            "queued": sum(m.status == MessageStatus.QUEUED for m in messages),
            "skipped": sum(m.status == MessageStatus.SKIPPED for m in messages),
            "not_found": len(missing),
        }
        audit.record(workspace, "messaging.broadcast_queued", broadcast, actor=actor, after=counts)
    return counts


def unsubscribe_token(message: Message) -> str:
    return signing.dumps([message.workspace_id, message.pk], salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe(token: str) -> Message | None:
    """One-click unsubscribe (RFC 8058): the message's address is suppressed. None for a
    token that was not made by this install (nothing written)."""
    try:
        workspace_id, message_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    message = Message.objects.filter(workspace_id=workspace_id, pk=message_id).first()
    if message is None:
        return None
    suppress(
        message.workspace,
        message.email,
        SuppressionReason.UNSUBSCRIBE,
        detail=f"one-click from broadcast {message.broadcast_id}",
    )
    emit(
        message.workspace_id,
        "message.unsubscribed",
        str(message.pk),
        {"message_id": message.pk, "broadcast_id": message.broadcast_id, "email": message.email},
    )
    return message
