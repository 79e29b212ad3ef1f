"""The instant auto-reply as a text, for a lead whose person gave a phone number but no
email address (the email auto-reply is ``pacer.leads.followup.start``'s notice).

Why the ``service`` purpose: the person has just submitted their details asking to be
contacted, and the auto-reply answers that request; it is a service (transactional)
message, not marketing, so it needs no marketing consent. The request itself is recorded
as their SMS consent for ``service`` (source ``lead-request``), so the messaging domain's
own checks (``pacer.messaging.sms``: consent for the purpose, STOP, quiet hours) apply
unchanged and the consent history says why the text went.
"""

import logging

from pacer.core.errors import ValidationFailed
from pacer.leads.models import Lead
from pacer.messaging import sms as texts
from pacer.people import consent_actions

log = logging.getLogger(__name__)

AUTO_REPLY_TEXT = "Thank you for getting in touch. Someone from our team will contact you shortly."
SERVICE_PURPOSE = "service"  # an SMS the person asked for: the auto-reply to their request
REQUEST_SOURCE = "lead-request"
REQUESTED = ("form", "api", "segment")  # sources where the person asked to be contacted


def text_auto_reply(lead: Lead) -> None:
    """The auto-reply as a text to a phone-only lead. A lead the person submitted (a
    form, the API, Segment) asked for this reply: a service message, sent under the
    ``service`` SMS purpose, whose consent is recorded from the request itself (source
    ``lead-request``, the wording saying what they submitted). STOP still stops it (the
    number's suppression is checked whatever the purpose), and the workspace's quiet
    hours still defer it. An imported (CSV) lead asked for nothing: ``marketing``, as
    before, with its own SMS consent only."""
    purpose = "marketing"
    if lead.source in REQUESTED:
        purpose = SERVICE_PURPOSE
        asked = f"the form '{lead.form}'" if lead.form else f"their details ({lead.source})"
        try:
            consent_actions.record_consent(
                lead.workspace,
                lead.contact_id,
                "sms",
                SERVICE_PURPOSE,
                True,
                REQUEST_SOURCE,
                f"Asked to be contacted: submitted {asked} with this phone number (lead {lead.pk})",
                lead.created_at,
            )
        except ValidationFailed as refused:
            log.warning("lead %s: no service consent recorded: %s", lead.pk, refused.errors)
    try:
        texts.send_sms(
            lead.workspace,
            contact_id=lead.contact_id,
            text=AUTO_REPLY_TEXT,
            key=f"lead-auto-reply:{lead.pk}",
            purpose=purpose,
        )
    except ValidationFailed as refused:  # a number that is not one: no text
        log.warning("lead %s: no auto-reply text: %s", lead.pk, refused.errors)
