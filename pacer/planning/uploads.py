"""Spend from a CSV file: uploaded, previewed with every rejected row, then recorded.

Columns: date, channel, campaign, location, amount (headers matched by name, a few
common aliases accepted, any other column ignored). Ad platforms' exports are read as
they come: Google Ads (``Day``, ``Campaign``, ``Cost``, after its title lines), Meta
(``Reporting starts``, ``Campaign name``, ``Amount spent (USD)``), LinkedIn (``Start Date
(in UTC)``, ``Campaign Name``, ``Total Spent``), TikTok and Microsoft Ads alike: the
header is the first of the first lines that names the columns needed, a currency in a
header (``(USD)``) must be the workspace's, a campaign is matched by key or else by name,
and a file without a channel column takes the channel chosen for the upload.
Dates are ``YYYY-MM-DD``; a channel is a key or label of the catalogue; a campaign is a
key (or name) and a location a code of this workspace, or empty; the amount is in the
workspace currency (``parse_amount``).

The natural key of spend is (date, channel, campaign, location): one amount each. A
file's row **replaces** whatever is recorded for its key, so uploading the same file
twice, or a corrected export that overlaps the last one, never counts spend twice. A
key repeated within one file is refused (its rows would otherwise be ambiguous). All
or nothing: one rejected row and nothing is written.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pacer.core import audit
from pacer.core.channels import CHANNELS
from pacer.core.errors import FieldError, ValidationFailed, check_day, parse_amount
from pacer.core.models import Workspace
from pacer.people.selectors import locations_by_code
from pacer.planning import summary, totals
from pacer.planning.actions import natural_key, recorded_lines
from pacer.planning.models import Campaign, SpendEntry, SpendUpload

MAX_BYTES = 8 * 1024 * 1024
MAX_ROWS = 100_000
COLUMNS = ("date", "channel", "campaign", "location", "amount")
REQUIRED = ("date", "channel", "amount")
ALIASES = {
    "date": "date",
    "day": "date",
    "spend_date": "date",
    "reporting_starts": "date",  # Meta
    "start_date": "date",  # LinkedIn: Start Date (in UTC)
    "time_period": "date",
    "channel": "channel",
    "campaign": "campaign",
    "campaign_key": "campaign",
    "utm_campaign": "campaign",
    "campaign_name": "campaign",
    "location": "location",
    "location_code": "location",
    "amount": "amount",
    "spend": "amount",
    "cost": "amount",
    "amount_spent": "amount",  # Meta: Amount spent (USD)
    "total_spent": "amount",  # LinkedIn
}
HEADER_LINES = 5  # a platform's title lines before the header
CHANNEL_NAMES = {
    **{label.lower(): key for key, label in CHANNELS.items()},
    **{key: key for key in CHANNELS},
}
PREVIEW_ROWS = 20


_IN_BRACKETS = re.compile(r"\(([^)]*)\)")


def _column_name(header: str) -> str:
    """A header as a key of ``ALIASES``: lower case, words joined by ``_``, what is in
    brackets (a currency, a time zone) left out."""
    plain = _IN_BRACKETS.sub(" ", header)
    return "_".join(plain.strip().lower().replace("-", " ").split())


def _currency(header: str) -> str:
    """The currency code a header names in brackets (``Amount spent (USD)``), or ""."""
    found = _IN_BRACKETS.search(header)
    code = found.group(1).strip().upper() if found else ""
    return code if len(code) == 3 and code.isalpha() else ""


@dataclass
class Preview:
    """What recording an upload would do, row by row."""

    mapping: dict[str, str] = field(default_factory=dict)  # file column -> field
    ignored: list[str] = field(default_factory=list)
    total_rows: int = 0
    rejected: list[dict] = field(default_factory=list)  # {"row", "field", "reason"}
    entries: list[SpendEntry] = field(default_factory=list)
    replaced: list[SpendEntry] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.rejected and bool(self.entries)

    @property
    def total(self) -> Decimal:
        return sum((e.amount for e in self.entries), Decimal(0))

    @property
    def replaced_total(self) -> Decimal:
        return sum((e.amount for e in self.replaced), Decimal(0))

    @property
    def sample(self) -> list[SpendEntry]:
        return self.entries[:PREVIEW_ROWS]


def start_upload(
    workspace: Workspace, filename: str, data: bytes, *, channel: str = "", actor=None
) -> SpendUpload:
    """Keep a CSV file for its preview; a file that is not readable CSV text with a
    header is refused. ``channel`` (a key or name): the channel of rows the file gives
    none (an ad platform's export)."""
    chosen = CHANNEL_NAMES.get(str(channel or "").strip().lower(), "") if channel else ""
    if channel and not chosen:
        raise ValidationFailed({"channel": f"'{str(channel)[:40]}' is not a Pacer channel"})
    if not data:
        raise ValidationFailed({"file": "is empty"})
    if len(data) > MAX_BYTES:
        raise ValidationFailed({"file": f"must be at most {MAX_BYTES // (1024 * 1024)} MB"})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        reason = "must be UTF-8 text (save the sheet as CSV UTF-8)"
        raise ValidationFailed({"file": reason}) from None
    if "\x00" in text:
        raise ValidationFailed({"file": "must be CSV text, not a binary file"})
    header = next(csv.reader(io.StringIO(text)), [])
    if not any(cell.strip() for cell in header):
        raise ValidationFailed({"file": "must start with a header row naming its columns"})
    rows = text.count("\n")
    if rows > MAX_ROWS + 1:
        raise ValidationFailed({"file": f"must have at most {MAX_ROWS:,} rows"})
    return SpendUpload.objects.create(
        workspace=workspace,
        filename=(filename or "spend.csv")[:200],
        content=text,
        channel=chosen,
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def _mapping(
    headers: list[str], channel: str = "", currency: str = ""
) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """Which column is for what; ``channel``: the upload's, when no column names one;
    ``currency``: the workspace's (an amount column naming another is refused)."""
    mapping, ignored, errors = {}, [], {}
    for header in headers:
        target = ALIASES.get(_column_name(header))
        if target is None:
            ignored.append(header)
        elif target in mapping.values():
            errors["file"] = f"two columns are for {target}: keep one"
        else:
            mapping[header] = target
    for header, target in mapping.items():
        named = _currency(header)
        if target == "amount" and currency and named and named != currency:
            errors["file"] = f"its amounts are in {named}; spend is recorded in {currency}"
    needed = [name for name in REQUIRED if not (name == "channel" and channel)]
    missing = [name for name in needed if name not in mapping.values()]
    if missing:
        errors["file"] = f"needs a column for {', '.join(missing)} (columns: {', '.join(COLUMNS)})"
    return mapping, ignored, errors


def _day(text: str) -> date:
    try:
        return check_day(date.fromisoformat(text), "date")
    except ValueError:
        raise FieldError("date", f"'{text[:40]}' is not a date (YYYY-MM-DD)") from None


def _header(rows: list[list[str]], channel: str, currency: str) -> int:
    """The index of the header among the first lines: the first that names every column
    needed (a platform's export may start with a title and a date range), else 0."""
    for index, row in enumerate(rows[:HEADER_LINES]):
        if not _mapping(row, channel, currency)[2]:
            return index
    return 0


def _check_row(values: dict, campaigns: dict, locations: dict, channel: str = "") -> tuple:
    """``(day, channel, campaign, location, amount)`` of one row, or ``FieldError``;
    ``channel``: the upload's, for a file without a channel column."""
    if not values["date"]:
        raise FieldError("date", "is empty")
    day = _day(values["date"])
    channel = CHANNEL_NAMES.get((values["channel"] or channel).lower())
    if channel is None:
        shown = values["channel"][:40]
        raise FieldError("channel", f"'{shown}' is not a Pacer channel" if shown else "is empty")
    key, code = values["campaign"], values["location"]
    if key and key not in campaigns:
        raise FieldError("campaign", f"no campaign '{key[:200]}' in this workspace")
    if code and code not in locations:
        raise FieldError("location", f"no location '{code[:40]}' in this workspace")
    amount = parse_amount(values["amount"], "amount")
    return day, channel, campaigns.get(key), locations.get(code), amount


def _campaigns(workspace: Workspace, names: set[str]) -> dict[str, Campaign]:
    """The campaigns ``names`` name: by key, else by name (case ignored) where one
    campaign has it (a platform's export names campaigns, it does not know Pacer's keys)."""
    found = {c.key: c for c in Campaign.objects.filter(workspace=workspace, key__in=names)}
    wanted = {name.lower(): name for name in names if name not in found}
    if wanted:
        by_name: dict[str, list[Campaign]] = {}
        for campaign in Campaign.objects.filter(workspace=workspace):
            if campaign.name.lower() in wanted:
                by_name.setdefault(campaign.name.lower(), []).append(campaign)
        for lowered, matches in by_name.items():
            if len(matches) == 1:
                found[wanted[lowered]] = matches[0]
    return found


def preview(upload: SpendUpload) -> Preview:
    """Every row checked, and the recorded lines the good ones would replace."""
    reader = csv.reader(io.StringIO(upload.content))
    currency = upload.workspace.currency
    first = [row for _, row in zip(range(HEADER_LINES), reader, strict=False)]
    skipped = _header(first, upload.channel, currency)
    reader = csv.reader(io.StringIO(upload.content))
    for _ in range(skipped):
        next(reader)
    headers = next(reader, [])
    mapping, ignored, errors = _mapping(headers, upload.channel, currency)
    result = Preview(mapping=mapping, ignored=ignored)
    if errors:
        raise ValidationFailed(errors)
    positions = {target: headers.index(column) for column, target in mapping.items()}
    # (row number, cells): the header is the row before; blank lines are skipped
    raw_rows = [
        (number, row)
        for number, row in enumerate(reader, start=skipped + 2)
        if any(value.strip() for value in row)
    ]
    result.total_rows = len(raw_rows)
    if not raw_rows:
        raise ValidationFailed({"file": "has a header but no rows"})

    def cell(row: list[str], name: str) -> str:
        index = positions.get(name)
        return row[index].strip() if index is not None and index < len(row) else ""

    values = [(number, {name: cell(row, name) for name in COLUMNS}) for number, row in raw_rows]
    workspace = upload.workspace
    keys = {v["campaign"] for _, v in values if v["campaign"]}
    campaigns = _campaigns(workspace, keys)
    locations = locations_by_code(workspace, {v["location"] for _, v in values if v["location"]})
    seen: dict[tuple, int] = {}
    for number, row in values:
        try:
            day, channel, campaign, location, amount = _check_row(
                row, campaigns, locations, upload.channel
            )
        except FieldError as error:
            result.rejected.append({"row": number, "field": error.field, "reason": error.reason})
            continue
        entry = SpendEntry(
            workspace=workspace,
            day=day,
            channel=channel,
            campaign=campaign,
            location=location,
            amount=amount,
        )
        key = natural_key(entry)
        if key in seen:
            result.rejected.append(
                {
                    "row": number,
                    "field": "date",
                    "reason": f"row {seen[key]} has the same date, channel, campaign and "
                    "location: combine them into one row",
                }
            )
            continue
        seen[key] = number
        result.entries.append(entry)
    result.replaced = recorded_lines(workspace, result.entries)
    return result


@transaction.atomic
def record_upload(upload: SpendUpload, *, actor=None) -> Preview:
    """Record an upload's rows, replacing what is recorded for their keys; refused
    (nothing written) when any row is rejected or the upload was recorded already."""
    upload = SpendUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.recorded_at is not None:
        raise ValidationFailed(
            {"upload": f"was recorded already ({upload.recorded_at:%Y-%m-%d %H:%M} UTC)"}
        )
    result = preview(upload)
    if result.rejected:
        raise ValidationFailed(
            {f"row {r['row']}.{r['field']}": r["reason"] for r in result.rejected[:50]}
        )
    replaced = [e.pk for e in result.replaced]
    for start in range(0, len(replaced), 5000):
        SpendEntry.objects.filter(pk__in=replaced[start : start + 5000]).delete()
    SpendEntry.objects.bulk_create(result.entries, batch_size=1000)
    totals.remove(upload.workspace_id, result.replaced)
    totals.add(upload.workspace_id, result.entries)
    summary.refresh(
        upload.workspace_id,
        summary.spend(upload.workspace_id, [*result.replaced, *result.entries]),
    )
    upload.recorded_at = timezone.now()
    upload.recorded_rows, upload.replaced_entries = len(result.entries), len(replaced)
    upload.save(update_fields=["recorded_at", "recorded_rows", "replaced_entries"])
    audit.record(
        upload.workspace,
        "spend.upload",
        upload,
        actor=actor,
        after={
            "filename": upload.filename,
            "sha256": upload.sha256,
            "rows": len(result.entries),
            "replaced": len(replaced),
            "total": str(result.total),
            "replaced_total": str(result.replaced_total),
        },
    )
    return result
