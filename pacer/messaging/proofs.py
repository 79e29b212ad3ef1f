"""Seeing a message as one contact will: an email template previewed as a chosen contact
(their fields filled in; the page shows the HTML in a sandboxed frame, no script, no
form, no same-origin access), a test send of it to a staff member's address, and an SMS
text previewed as a chosen contact.

A test send is sandboxed too: no ``Message`` row, no tracked links or open pixel, an
unsubscribe link that unsubscribes nobody, the subject prefixed ``[Test]``; it goes out
by the broadcasts' own way (SMTP, or the file outbox without a mail host) at once, and
is recorded in the audit log. A contact is chosen by id or by email.
"""

import smtplib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.template import TemplateSyntaxError

from pacer.core import audit, clock
from pacer.core.errors import ValidationFailed
from pacer.core.models import Workspace
from pacer.messaging import sealing, selectors, sms_broadcasts
from pacer.messaging.delivery import UNREADABLE_KEY, Transport
from pacer.messaging.models import Sender, Template
from pacer.messaging.render import (
    TEXT_ENGINE,
    TemplateProblem,
    build,
    compile_parts,
    recipient_context,
    render,
)
from pacer.people import selectors as people

SANDBOX_LINK = "#test-send"
SUBJECT_PREFIX = "[Test] "


def chosen_contact(workspace: Workspace, ref: str, *, reached_by: str = "email") -> dict | None:
    """The live contact (messaging's fields) ``ref`` names, by id or by email; with no
    ``ref``, the first reachable one (by email, or ``reached_by="phone"``); None when
    there is none."""
    ref = (ref or "").strip()
    if not ref:
        found = people.recipients(workspace, reached_by=reached_by)[:1]
        return found[0] if found else None
    if ref.isdecimal() and len(ref) < 19:
        ids = [int(ref)]
    else:
        ids = list(people.contacts_by_email(workspace, [ref.lower()]).values())
    found = people.recipients(workspace, ids, reached_by=reached_by) if ids else []
    return found[0] if found else None


def email_preview(template: Template, contact: dict, form: dict | None = None) -> dict:
    """``subject``, ``html`` and ``text`` of the template (or the unsaved ``form``) as
    ``contact`` will get them; ``problem`` instead when a part does not compile."""
    form = form or {name: getattr(template, name) for name in ("subject", "html", "text")}
    try:
        compiled = compile_parts(form["subject"], form["html"], form["text"])
    except TemplateProblem as problem:
        return {"problem": str(problem)}
    links = {"unsubscribe_url": SANDBOX_LINK, "preferences_url": SANDBOX_LINK}
    subject, html, text = render(compiled, recipient_context(contact, links))
    return {"contact": contact, "subject": subject, "html": html, "text": text}


def send_test(
    workspace: Workspace, template: Template, *, contact_ref: str, to: str, sender_id, actor=None
) -> dict:
    """Send the template as the contact ``contact_ref`` names to the address ``to``, from
    the sender ``sender_id``; returns what was sent. A refusal names the field (nothing
    sent); a mail server that refuses raises ``ValidationFailed`` on ``to``."""
    errors: dict[str, str] = {}
    contact = chosen_contact(workspace, contact_ref)
    if contact is None:
        errors["contact"] = "no live contact with an email has this id or email"
    to = to.strip() if isinstance(to, str) else ""
    try:
        validate_email(to)
    except ValidationError:
        errors["to"] = "must be an email address"
    sender, dkim_key = _sender(workspace, sender_id), ""
    if sender is None:
        errors["sender_id"] = "no such sender in this workspace: add one first"
    else:
        try:
            dkim_key = sealing.open_dkim_key(sender)
        except sealing.Unreadable:
            errors["sender_id"] = UNREADABLE_KEY
    preview = email_preview(template, contact) if contact else {}
    if "problem" in preview:
        errors["template"] = preview["problem"]
    if errors:
        raise ValidationFailed(errors)
    subject = SUBJECT_PREFIX + preview["subject"]
    data = build(
        sender_name=sender.name,
        from_email=sender.from_email,
        to=to,
        subject=subject,
        html=preview["html"],
        text=preview["text"],
        unsubscribe_url=settings.BASE_URL + "/" + SANDBOX_LINK,
        sent_at=clock.now(),
        dkim_selector=sender.dkim_selector,
        dkim_private_key=dkim_key,
    )
    transport = None
    try:
        transport = Transport()
        transport.send_proof(sender.from_email, to, data, f"test-{template.pk}-{contact['id']}")
    except (smtplib.SMTPException, OSError) as error:
        raise ValidationFailed({"to": f"the mail server did not take it: {error}"}) from None
    finally:
        if transport is not None:
            transport.close()
    audit.record(
        workspace,
        "messaging.test_sent",
        template,
        actor=actor,
        after={"to": to, "contact_id": contact["id"], "sender": sender.from_email},
    )
    return {"to": to, "subject": subject, "contact": contact}


def _sender(workspace: Workspace, sender_id) -> Sender | None:
    chosen = str(sender_id or "")
    rows = selectors.senders(workspace)
    return rows.filter(pk=int(chosen)).first() if chosen.isdecimal() else rows.first()


def sms_preview(workspace: Workspace, text: str, contact_ref: str) -> dict:
    """The SMS ``text`` as the contact ``contact_ref`` names (or the first with a phone)
    will get it: ``contact``, ``text``, its ``length``; ``problem`` when it cannot be."""
    contact = chosen_contact(workspace, contact_ref, reached_by="phone")
    if contact is None:
        return {"problem": "No live contact with a phone number has this id or email."}
    try:
        compiled = TEXT_ENGINE.from_string(text)
    except TemplateSyntaxError as error:
        return {"problem": f"The text is not a valid template: {error}"}
    body, reason = sms_broadcasts.text_for(compiled, contact)
    return {"contact": contact, "text": body, "length": len(body), "problem": reason}
