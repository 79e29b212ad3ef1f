"""Writes for campaigns and spend."""

from datetime import date
from decimal import Decimal

from django.db import transaction

from pacer.core import audit
from pacer.core.bulk import lock_appends
from pacer.core.channels import CHANNELS
from pacer.core.errors import FieldError, ValidationFailed, check_day, check_text, parse_amount
from pacer.core.models import Workspace
from pacer.people.selectors import locations_by_code
from pacer.planning import summary, totals
from pacer.planning.close_actions import closed_errors, closed_months, refuse_closed
from pacer.planning.links import check_landing_url
from pacer.planning.models import Campaign, PlanNode, SpendEntry

LENGTHS = {
    field: Campaign._meta.get_field(field).max_length for field in ("key", "name", "landing_url")
}


def check_campaign(
    key,
    channel: str,
    name,
    starts_on: date | None,
    ends_on: date | None,
    landing_url="",
) -> tuple[dict[str, str], dict[str, str]]:
    """The campaign's text fields (``key``, ``name``, ``landing_url``) stripped, and what
    is wrong with these fields (field → reason), empty when nothing."""
    errors: dict[str, str] = {}
    clean = {
        "key": check_text(errors, "key", key, LENGTHS["key"], required=True),
        "name": check_text(errors, "name", name, LENGTHS["name"]),
        "landing_url": check_text(errors, "landing_url", landing_url, LENGTHS["landing_url"]),
    }
    if channel not in CHANNELS:
        errors["channel"] = f"'{str(channel)[:40]}' is not a Pacer channel"
    for field, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is not None:
            try:
                check_day(day, field)
            except FieldError as error:
                errors[field] = error.reason
    if starts_on and ends_on and ends_on < starts_on:
        errors.setdefault("ends_on", "must not be before starts_on")
    if clean["landing_url"] and "landing_url" not in errors:
        check_landing_url(clean["landing_url"], errors)
    return clean, errors


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
    """Create a campaign, or return the one with this key unchanged."""
    clean, errors = check_campaign(key, channel, name, starts_on, ends_on)
    key, name = clean["key"], clean["name"]
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
def create_campaign(
    workspace: Workspace,
    key: str,
    channel: str,
    *,
    name: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    landing_url: str = "",
    actor=None,
) -> Campaign:
    """A new campaign; a key the workspace already has is refused."""
    clean, errors = check_campaign(key, channel, name, starts_on, ends_on, landing_url)
    key, name, landing_url = clean["key"], clean["name"], clean["landing_url"]
    if "key" not in errors and Campaign.objects.filter(workspace=workspace, key=key).exists():
        errors["key"] = f"a campaign with key '{key}' exists already"
    if errors:
        raise ValidationFailed(errors)
    campaign = Campaign.objects.create(
        workspace=workspace,
        key=key,
        name=name or key,
        channel=channel,
        starts_on=starts_on,
        ends_on=ends_on,
        landing_url=landing_url,
    )
    audit.record(
        workspace, "campaign.create", campaign, actor=actor, after=audit.snapshot(campaign)
    )
    return campaign


@transaction.atomic
def update_campaign(
    campaign: Campaign,
    *,
    channel: str,
    name: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
    landing_url: str = "",
    actor=None,
) -> Campaign:
    """Change a campaign's name, channel, dates and landing URL. Its key stays: links
    already sent carry it."""
    clean, errors = check_campaign(campaign.key, channel, name, starts_on, ends_on, landing_url)
    name, landing_url = clean["name"], clean["landing_url"]
    if errors:
        raise ValidationFailed(errors)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    before = audit.snapshot(campaign)
    campaign.name = name or campaign.key
    campaign.channel = channel
    campaign.starts_on, campaign.ends_on = starts_on, ends_on
    campaign.landing_url = landing_url
    after = audit.snapshot(campaign)
    if after != before:
        campaign.save()
        audit.record(
            campaign.workspace, "campaign.update", campaign, actor=actor, before=before, after=after
        )
    return campaign


@transaction.atomic
def delete_campaign(campaign: Campaign, *, actor=None) -> None:
    """Remove a campaign. Its spend lines stay, under no campaign (the spend list and its
    totals keep them); a plan node linked to it is unlinked, so that spend leaves the
    node's actual (its summaries are refreshed). Refused while it has spend in a closed
    month (the close's figures would change)."""
    workspace = campaign.workspace
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    spend = SpendEntry.objects.filter(workspace=workspace, campaign=campaign)
    months = {day.replace(day=1) for day in spend.dates("day", "month")}
    closed = sorted(months & set(closed_months(workspace)))
    if closed:
        names = ", ".join(f"{month:%Y-%m}" for month in closed)
        raise ValidationFailed(
            {"campaign": f"has spend in {names}, closed: an admin must reopen it first"}
        )
    linked = list(
        PlanNode.objects.filter(workspace=workspace, campaign=campaign).values_list("pk", flat=True)
    )
    audit.record(
        workspace, "campaign.delete", campaign, actor=actor, before=audit.snapshot(campaign)
    )
    campaign.delete()  # its spend and nodes keep no campaign (SET_NULL)
    summary.refresh(workspace, nodes=linked)


@transaction.atomic
def record_spend(workspace: Workspace, rows: list[dict], *, actor=None) -> dict[str, int]:
    """Record spend rows (``day``, ``channel``, ``amount``, optional ``campaign``,
    ``location``), one amount per natural key (day, channel, campaign, location): a row
    whose key is recorded already replaces that line's amount, so sending the same rows
    again changes nothing. Returns ``{"recorded": new lines, "replaced": lines whose
    amount was replaced}``.

    All rows are checked first; one bad row, or a key repeated in ``rows``, rejects the
    whole set.
    """
    errors = {}
    entries = []
    first_row: dict[tuple, int] = {}
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
        entry = SpendEntry(
            workspace=workspace,
            day=row.get("day"),
            channel=row.get("channel", ""),
            campaign=row.get("campaign"),
            location=row.get("location"),
            amount=amount,
        )
        earlier = first_row.setdefault(natural_key(entry), index)
        if earlier != index and not any(f.startswith(f"rows[{index}].") for f in errors):
            errors[f"rows[{index}].day"] = (
                f"repeats rows[{earlier}] (same day, channel, campaign and location): "
                "send one amount per key"
            )
        entries.append(entry)
    errors.update(
        closed_errors(workspace, {f"rows[{i}].day": e.day for i, e in enumerate(entries)})
    )
    if errors:
        raise ValidationFailed(errors)
    lock_appends(SpendEntry)  # concurrent senders of the same keys take turns
    recorded: dict[tuple, list[SpendEntry]] = {}
    for line in recorded_lines(workspace, entries):
        recorded.setdefault(natural_key(line), []).append(line)
    new, replaced, extra = [], [], []
    for entry in entries:
        lines = sorted(recorded.get(natural_key(entry), []), key=lambda line: line.pk)
        if not lines:
            new.append(entry)
            continue
        kept, *duplicates = lines  # lines the API appended before it replaced
        extra += duplicates
        if kept.amount != entry.amount or duplicates:
            totals.remove(workspace, [kept, *duplicates])
            kept.amount = entry.amount
            replaced.append(kept)
            totals.add(workspace, [kept])
    SpendEntry.objects.bulk_create(new, batch_size=1000)
    SpendEntry.objects.bulk_update(replaced, ["amount"], batch_size=1000)
    SpendEntry.objects.filter(pk__in=[line.pk for line in extra]).delete()
    totals.add(workspace, new)
    summary.refresh(workspace, summary.spend(workspace, [*new, *replaced, *extra]))
    result = {"recorded": len(new), "replaced": len(replaced)}
    audit.record(workspace, "spend.record", workspace, actor=actor, after=result)
    return result


def recorded_lines(workspace: Workspace, entries: list[SpendEntry]) -> list[SpendEntry]:
    """Recorded lines with the natural key of one of ``entries``."""
    if not entries:
        return []
    keys = {natural_key(e) for e in entries}
    days = [e.day for e in entries]
    candidates = SpendEntry.objects.filter(
        workspace=workspace,
        day__gte=min(days),
        day__lte=max(days),
        channel__in={e.channel for e in entries},
    ).only("id", "day", "channel", "campaign_id", "location_id", "amount")
    return [e for e in candidates.iterator(chunk_size=5000) if natural_key(e) in keys]


def resolve_spend_references(workspace: Workspace, rows: list[dict]) -> list[dict]:
    """Rows naming ``campaign`` by key and ``location`` by code, with those replaced by the
    objects ``record_spend`` takes; unknown names are refused by row, nothing is written."""
    keys = {row.get("campaign") for row in rows if row.get("campaign")}
    codes = {row.get("location") for row in rows if row.get("location")}
    campaigns = {c.key: c for c in Campaign.objects.filter(workspace=workspace, key__in=keys)}
    locations = locations_by_code(workspace, codes)
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


SPEND_FIELDS = ("day", "channel", "campaign", "location", "amount")


def natural_key(entry) -> tuple:
    """What one spend amount is for: (day, channel, campaign id, location id)."""
    return (entry.day, entry.channel, entry.campaign_id, entry.location_id)


def _spend_line(workspace: Workspace, values: dict) -> tuple[SpendEntry | None, dict]:
    """A spend entry from form values (``day`` a date, ``campaign`` a key, ``location``
    a code, ``amount`` text), or the refused fields."""
    errors = {}
    day = values.get("day")
    try:
        check_day(day, "day")
    except FieldError as error:
        errors["day"] = error.reason
    channel = values.get("channel") or ""
    if channel not in CHANNELS:
        errors["channel"] = f"'{channel[:40]}' is not a Pacer channel" if channel else "choose one"
    try:
        amount = parse_amount(values.get("amount"), "amount")
    except FieldError as error:
        errors["amount"], amount = error.reason, None
    key, code = values.get("campaign") or "", values.get("location") or ""
    campaign = Campaign.objects.filter(workspace=workspace, key=key).first() if key else None
    if key and campaign is None:
        errors["campaign"] = f"no campaign '{key[:200]}' in this workspace"
    location = locations_by_code(workspace, [code]).get(code) if code else None
    if code and location is None:
        errors["location"] = f"no location '{code[:40]}' in this workspace"
    if errors:
        return None, errors
    entry = SpendEntry(
        workspace=workspace,
        day=day,
        channel=channel,
        campaign=campaign,
        location=location,
        amount=amount,
    )
    return entry, {}


def _same_key(workspace: Workspace, entry: SpendEntry):
    return SpendEntry.objects.filter(
        workspace=workspace,
        day=entry.day,
        channel=entry.channel,
        campaign=entry.campaign,
        location=entry.location,
    )


@transaction.atomic
def enter_spend(workspace: Workspace, values: dict, *, actor=None) -> SpendEntry:
    """One spend line from the entry form. A line for the same day, channel, campaign
    and location is refused (edit that one instead): one amount per key."""
    entry, errors = _spend_line(workspace, values)
    if entry is not None:
        existing = _same_key(workspace, entry).first()
        if existing is not None:
            errors["day"] = (
                f"spend for this day, channel, campaign and location is recorded already "
                f"(line {existing.pk}, {existing.amount}); edit that line instead"
            )
        errors.update(closed_errors(workspace, {"day": entry.day}))
    if errors:
        raise ValidationFailed(errors)
    entry.save()
    totals.add(workspace, [entry])
    summary.refresh(workspace, summary.spend(workspace, [entry]))
    audit.record(workspace, "spend.create", entry, actor=actor, after=audit.snapshot(entry))
    return entry


@transaction.atomic
def update_spend(entry: SpendEntry, values: dict, *, actor=None) -> SpendEntry:
    """Change a spend line; moving it onto another line's key is refused."""
    workspace = entry.workspace
    changed, errors = _spend_line(workspace, values)
    if changed is not None:
        other = _same_key(workspace, changed).exclude(pk=entry.pk).first()
        if other is not None:
            errors["day"] = f"line {other.pk} has this day, channel, campaign and location already"
        errors.update(closed_errors(workspace, {"day": changed.day}))
    errors.update(closed_errors(workspace, {"day": entry.day}))  # moving out of a closed month
    if errors:
        raise ValidationFailed(errors)
    entry = SpendEntry.objects.select_for_update().get(pk=entry.pk)
    before = audit.snapshot(entry)
    totals.remove(workspace, [entry])  # as stored, before the change
    touched = summary.spend(workspace, [entry])
    for field in ("day", "channel", "campaign", "location", "amount"):
        setattr(entry, field, getattr(changed, field))
    totals.add(workspace, [entry])
    after = audit.snapshot(entry)
    if after != before:
        entry.save()
        summary.refresh(workspace, touched | summary.spend(workspace, [entry]))
        audit.record(workspace, "spend.update", entry, actor=actor, before=before, after=after)
    return entry


@transaction.atomic
def delete_spend(entry: SpendEntry, *, actor=None) -> None:
    refuse_closed(entry.workspace, {"day": entry.day})
    before = audit.snapshot(entry)
    audit.record(entry.workspace, "spend.delete", entry, actor=actor, before=before)
    entry = SpendEntry.objects.select_for_update().get(pk=entry.pk)  # as stored
    totals.remove(entry.workspace_id, [entry])
    entry.delete()
    summary.refresh(entry.workspace_id, summary.spend(entry.workspace_id, [entry]))
