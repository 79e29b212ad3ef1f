"""Writes for campaigns and spend."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from pacer.core import audit
from pacer.core.errors import FieldError, ValidationFailed, parse_amount
from pacer.core.models import Workspace
from pacer.ingest.channels import CHANNELS
from pacer.planning.models import Campaign, SpendEntry


@transaction.atomic
def upsert_campaign(
    workspace: Workspace,
    key: str,
    channel: str,
    *,
    name: str = "",
    actor=None,
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Campaign:
    errors = {}
    if not key.strip():
        errors["key"] = "must not be empty"
    if channel not in CHANNELS:
        errors["channel"] = f"'{channel}' is not a Pacer channel"
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = "must not be before starts_on"
    if errors:
        raise ValidationFailed(errors)
    campaign, created = Campaign.objects.get_or_create(
        workspace=workspace,
        key=key.strip(),
        defaults={
            "name": name or key,
            "channel": channel,
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    if created:
        audit.record(
            workspace, "campaign.create", campaign, actor=actor, after=audit.snapshot(campaign)
        )
    return campaign


@transaction.atomic
def record_spend(workspace: Workspace, rows: list[dict], *, actor=None) -> int:
    """Record spend rows (``day``, ``channel``, ``amount``, optional ``campaign``, ``location``).

    All rows are checked first; one bad row rejects the whole set.
    """
    errors = {}
    entries = []
    for index, row in enumerate(rows):
        if row.get("channel") not in CHANNELS:
            errors[f"rows[{index}].channel"] = f"'{row.get('channel')}' is not a Pacer channel"
        try:
            amount = parse_amount(row.get("amount"), f"rows[{index}].amount")
        except FieldError as error:
            errors[error.field], amount = error.reason, Decimal(0)
        if not isinstance(row.get("day"), date):
            errors[f"rows[{index}].day"] = "must be a date"
        entries.append(
            SpendEntry(
                workspace=workspace,
                day=row.get("day"),
                channel=row.get("channel", ""),
                campaign=row.get("campaign"),
                location=row.get("location"),
                amount=amount,
            )
        )
    if errors:
        raise ValidationFailed(errors)
    SpendEntry.objects.bulk_create(entries, batch_size=1000)
    audit.record(workspace, "spend.record", workspace, actor=actor, after={"rows": len(entries)})
    return len(entries)
