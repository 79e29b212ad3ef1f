"""Consent decisions recorded by an action (an SMS keyword, a form, a person at a desk),
beside those ingestion records from "Consent Updated" events.

A decision is appended, never edited: the contact's history keeps every decision with its
source, wording and time, and the latest per (channel, purpose) is the one in force
(``pacer.people.selectors.current_consent``). The change is published on the change feed
in the same transaction, as ingestion does, so segments and messaging see it.
"""

from datetime import datetime

from django.db import transaction

from pacer.core import audit, clock, feed
from pacer.core.errors import ValidationFailed, check_text
from pacer.core.models import Workspace
from pacer.people.models import Consent, Contact
from pacer.people.profiles import CONSENT_CHANNELS

FIRST_YEAR, LAST_YEAR = 1970, 2199
WORDING_LIMIT = 10_000


def _recorded_at(errors: dict, value) -> datetime | None:
    if value is None:
        return clock.now()
    if not isinstance(value, datetime) or value.utcoffset() is None:
        errors["recorded_at"] = "must be a time with its time zone"
    elif not FIRST_YEAR <= value.year <= LAST_YEAR:
        errors["recorded_at"] = f"must be from {FIRST_YEAR} to {LAST_YEAR}"
    else:
        return value
    return None


@transaction.atomic
def record_consent(
    workspace: Workspace,
    contact_id: int,
    channel: str,
    purpose: str,
    granted: bool,
    source: str,
    wording: str = "",
    recorded_at: datetime | None = None,
    *,
    actor=None,
) -> Consent:
    """Append a consent decision for the contact (the contact it was merged into, if it
    was) and publish the change; ``recorded_at`` defaults to now. Every field is checked
    before anything is written; a refusal names the field.

    Example: ``record_consent(ws, 42, "sms", "marketing", False, "sms-keyword", 'Replied
    "STOP"')`` withdraws SMS marketing consent for contact 42."""
    errors: dict[str, str] = {}
    found = None
    if isinstance(contact_id, int) and not isinstance(contact_id, bool) and 0 < contact_id < 2**63:
        found = (
            Contact.objects.filter(workspace=workspace, pk=contact_id)
            .values_list("pk", "merged_into_id")
            .first()
        )
    if found is None:
        errors["contact_id"] = "no such contact in this workspace"
    if channel not in CONSENT_CHANNELS:
        errors["channel"] = f"must be one of {', '.join(sorted(CONSENT_CHANNELS))}"
    purpose = check_text(errors, "purpose", purpose, 60, required=True)
    if not isinstance(granted, bool):
        errors["granted"] = "must be true or false"
    source = check_text(errors, "source", source, 100, required=True)
    wording = check_text(errors, "wording", wording, WORDING_LIMIT)
    at = _recorded_at(errors, recorded_at)
    if errors:
        raise ValidationFailed(errors)
    contact_pk = found[1] or found[0]
    consent = Consent.objects.create(
        workspace=workspace,
        contact_id=contact_pk,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        wording=wording,
        recorded_at=at,
    )
    decision = {"channel": channel, "purpose": purpose, "granted": granted, "source": source}
    audit.record(workspace, "people.consent_recorded", consent, actor=actor, after=decision)
    feed.publish(workspace.pk, source="people.consent", contact_ids=[contact_pk])
    return consent
