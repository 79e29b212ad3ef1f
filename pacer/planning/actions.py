"""Writes for campaigns and spend."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from pacer.core import audit
from pacer.core.channels import CHANNELS
from pacer.core.errors import FieldError, ValidationFailed, check_day, parse_amount
from pacer.core.models import Workspace
from pacer.people.models import Location
from pacer.planning.models import Campaign, SpendEntry

LENGTHS = {field: Campaign._meta.get_field(field).max_length for field in ("key", "name")}


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
    key, name = key.strip(), name.strip()
    if not key:
        errors["key"] = "must not be empty"
    for field, value in (("key", key), ("name", name)):
        if len(value) > LENGTHS[field]:
            errors[field] = f"must be at most {LENGTHS[field]} characters"
        elif "\x00" in value:
            errors[field] = "must not contain NUL characters"
    if channel not in CHANNELS:
        errors["channel"] = f"'{channel}' is not a Pacer channel"
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None:
            try:
                check_day(day, field)
            except FieldError as error:
                errors[field] = error.reason
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", "must not be before starts_on")
    if errors:
        raise ValidationFailed(errors)
    campaign, created = Campaign.objects.get_or_create(
        workspace=workspace,
        key=key,
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
        try:
            check_day(row.get("day"), f"rows[{index}].day")
        except FieldError as error:
            errors[error.field] = error.reason
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


def resolve_spend_references(workspace: Workspace, rows: list[dict]) -> list[dict]:
    """Rows naming ``campaign`` by key and ``location`` by code, with those replaced by the
    objects ``record_spend`` takes; unknown names are refused by row, nothing is written."""
    keys = {row.get("campaign") for row in rows if row.get("campaign")}
    codes = {row.get("location") for row in rows if row.get("location")}
    campaigns = {c.key: c for c in Campaign.objects.filter(workspace=workspace, key__in=keys)}
    locations = {
        loc.code: loc for loc in Location.objects.filter(workspace=workspace, code__in=codes)
    }
    errors = {}
    resolved = []
    for index, row in enumerate(rows):
        key, code = row.get("campaign") or "", row.get("location") or ""
        if key and key not in campaigns:
            errors[f"rows[{index}].campaign"] = f"no campaign '{key}' in this workspace"
        if code and code not in locations:
            errors[f"rows[{index}].location"] = f"no location '{code}' in this workspace"
        resolved.append({**row, "campaign": campaigns.get(key), "location": locations.get(code)})
    if errors:
        raise ValidationFailed(errors)
    return resolved
