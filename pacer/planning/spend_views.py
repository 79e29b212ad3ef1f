"""Pages for spend: the list with filters and totals (and its CSV), the entry and edit
form, and CSV upload with its preview and rejected-row report."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.metrics.labels import showing
from pacer.people.selectors import locations
from pacer.planning import actions, selectors, uploads
from pacer.planning.money import money_column
from pacer.planning.scope import ALL, MINE, TeamScope, team_filter
from pacer.web.filters import Choice, DateRange, FilterBar, Text
from pacer.web.tables import Column, Table

SPEND_FORM_FIELDS = ("day", "channel", "campaign", "location", "amount")
SPEND_FILTERS = ("start", "end", "channel", "campaign", "location")
# Up to this many campaigns the form offers a list; beyond, the key is typed.
CAMPAIGN_SELECT_LIMIT = 500


def parse_day(text: str, field: str, errors: dict) -> date | None:
    """A form's date (``YYYY-MM-DD``), None when empty, else a reason in ``errors``."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = f"must be a date (YYYY-MM-DD), not '{text[:40]}'"
        return None


def edit_text(row: dict) -> str:
    """What a spend line's edit link says: which line it edits (its campaign, else its
    channel, and its day)."""
    what = row["campaign__name"] or CHANNELS.get(row["channel"], row["channel"])
    return f"Edit {what} spend of {row['day']:%Y-%m-%d}"


def spend_table(request, rows, *, prefix: str = "", caption: str = "Spend", empty_hint: str = ""):
    """Spend lines as a data table (newest first), linking to their edit form when the
    role may change spend."""
    currency = request.workspace.currency
    editable = allows(request.role, "spend.manage")
    columns = [
        Column("day", "Date", format="date", sortable=True),
        Column("channel", "Channel", sortable=True, labels=CHANNELS),
        Column(
            "campaign__name",
            "Campaign",
            sortable=True,
            href=lambda r: (
                reverse("campaign-detail", args=[r["campaign_id"]]) if r["campaign_id"] else None
            ),
        ),
        Column("location__name", "Location", sortable=True),
        money_column("amount", "Amount", currency, sortable=True),
        Column("campaign_id", "Campaign id", format="count", visible=False),
    ]
    if editable:
        columns.append(
            Column(
                "id",
                "Line",
                text=edit_text,
                href=lambda r: reverse("spend-edit", args=[r["pk"]]),
            )
        )
    return Table(
        request,
        rows,
        columns,
        default_sort="-day",
        prefix=prefix,
        csv_url=None if prefix else reverse("spend-export"),
        caption=caption,
        empty_title="No spend matches these filters.",
        empty_hint=empty_hint,
        html_id=f"{prefix}table".strip("-") if prefix else "spend",
    )


def _spend_filters(request, scope: TeamScope, last: date | None) -> FilterBar:
    """The list's filters; every line by default, as on every other page (the presets
    count back from ``last``, the last day with spend)."""
    return FilterBar(
        request,
        [
            DateRange(label="Dates", data_end=last, default="all"),
            scope.choice,
            Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
            Text("campaign", "Campaign key", placeholder="spring-sale", max_length=200),
            Choice(
                "location",
                "Location",
                [(loc.code, loc.name) for loc in locations(request.workspace)],
                blank="All locations",
            ),
        ],
        html_id="spend-filters",
    )


def _showing(values: dict, span: tuple[date | None, date | None]) -> str:
    """Which days the list covers, in words, against the days the workspace has spend."""
    first, last = span
    if first is None or last is None:
        return "No spend recorded yet."
    return showing(values["start"], values["end"], (first, last))


def _spend(request) -> tuple[Table, FilterBar, object, TeamScope, set[int] | None, str]:
    """The spend table under the page's filters; the spend of the viewer's teams' plan
    nodes (``pacer.planning.scope``) unless the team filter says otherwise; and which
    days it covers, in words."""
    scope = team_filter(request)
    span = selectors.spend_span(request.workspace)
    bar = _spend_filters(request, scope, span[1])
    values = bar.values
    node_ids = scope.node_ids(request.workspace)
    rows = selectors.spend_rows(
        request.workspace, node_ids=node_ids, **{k: values[k] for k in SPEND_FILTERS}
    )
    if scope.value == MINE:
        hint = "Only your teams' campaigns are shown: choose All teams to see all spend."
    elif bar.active:
        hint = "Clear the filters to see all spend."
    else:
        hint = "Record spend with New spend line, or upload a CSV of it."
    table = spend_table(request, rows, empty_hint=hint)
    return table, bar, rows, scope, node_ids, _showing(bar.values, span)


@page("spend.view")
def spend_list(request):
    table, bar, rows, scope, node_ids, period = _spend(request)
    totals = selectors.spend_list_totals(
        request.workspace, rows, node_ids=node_ids, **{k: bar.values[k] for k in SPEND_FILTERS}
    )
    for line in totals["by_channel"]:
        line["label"] = CHANNELS.get(line["channel"], line["channel"])
        line["share"] = line["amount"] / totals["amount"] if totals["amount"] else None
        line["url"] = bar.url(channel=line["channel"])
    context = {
        "table": table,
        "bar": bar,
        "totals": totals,
        "can_manage": allows(request.role, "spend.manage"),
        "scope": scope,
        "all_teams_url": bar.url(team=ALL),
        "showing": period,
    }
    return render(request, "planning/spend.html", context)


@page("spend.view")
def export_spend(request):
    table, *_ = _spend(request)
    return table.csv_response("spend.csv")


def _spend_form(request, entry, form: dict, errors: dict, status: int = 200):
    workspace = request.workspace
    choices = None
    if selectors.campaign_count(workspace) <= CAMPAIGN_SELECT_LIMIT:
        choices = [("", "No campaign"), *selectors.campaign_choices(workspace)]
    context = {
        "entry": entry,
        "form": form,
        "errors": errors,
        "channels": [("", "Choose a channel"), *CHANNELS.items()],
        "campaigns": choices,
        "locations": [("", "No location")] + [(loc.code, loc.name) for loc in locations(workspace)],
        "currency": workspace.currency,
    }
    return render(request, "planning/spend_form.html", context, status=status)


def _save_spend(request, entry):
    data = {name: request.POST.get(name, "")[:300] for name in SPEND_FORM_FIELDS}
    errors: dict[str, str] = {}
    values = {**data, "day": parse_day(data["day"], "day", errors)}
    if not data["day"]:
        errors["day"] = "must not be empty"
    try:
        if errors:
            raise ValidationFailed(errors)
        if entry is None:
            saved = actions.enter_spend(request.workspace, values, actor=request.user)
            messages.success(request, f"Spend line #{saved.pk} recorded.")
        else:
            saved = actions.update_spend(entry, values, actor=request.user)
            messages.success(request, f"Spend line #{saved.pk} saved.")
    except ValidationFailed as error:
        return _spend_form(request, entry, data, {**error.errors, **errors}, status=422)
    return HttpResponseRedirect(reverse("spend"))


@page("spend.manage")
def spend_new(request):
    if request.method == "POST":
        return _save_spend(request, None)
    form = {name: request.GET.get(name, "")[:200] for name in ("campaign", "channel")}
    if form["campaign"] and not form["channel"]:
        chosen = selectors.campaign_by_key(request.workspace, form["campaign"])
        form["channel"] = chosen.channel if chosen else ""
    return _spend_form(request, None, form, {})


@page("spend.manage")
def spend_edit(request, entry_id: int):
    entry = selectors.spend_entry(request.workspace, entry_id)
    if entry is None:
        raise Http404("no such spend line in this workspace")
    if request.method == "POST":
        if not request.POST.get("delete"):
            return _save_spend(request, entry)
        try:
            actions.delete_spend(entry, actor=request.user)
        except ValidationFailed as error:  # its month is closed
            return _spend_form(request, entry, _stored(entry), error.errors, status=422)
        messages.success(request, f"Spend line #{entry_id} deleted.")
        return HttpResponseRedirect(reverse("spend"))
    return _spend_form(request, entry, _stored(entry), {})


def _stored(entry) -> dict:
    """A spend line's values as its form shows them."""
    return {
        "day": entry.day.isoformat(),
        "channel": entry.channel,
        "campaign": entry.campaign.key if entry.campaign else "",
        "location": entry.location.code if entry.location else "",
        "amount": f"{entry.amount}",
    }


def _uploads_table(request) -> Table:
    names = selectors.uploader_names(request.workspace)
    return Table(
        request,
        selectors.spend_uploads(request.workspace),
        [
            Column(
                "filename",
                "File",
                href=lambda r: reverse("spend-upload-preview", args=[r["pk"]]),
            ),
            Column("uploaded_at", "Uploaded", format="datetime", sortable=True),
            Column("uploaded_by", "By", text=lambda r: names.get(r["uploaded_by"], "")),
            Column("recorded_at", "Recorded", format="datetime", sortable=True),
            Column("recorded_rows", "Lines", format="count"),
            Column("replaced_entries", "Replaced", format="count"),
        ],
        default_sort="-uploaded_at",
        per_page=10,
        prefix="uploads-",
        caption="Uploads",
        empty_title="No uploads yet.",
        html_id="uploads",
    )


@page("spend.manage")
def spend_upload(request):
    errors = {}
    if request.method == "POST":
        file = request.FILES.get("file")
        try:
            if file is None:
                raise ValidationFailed({"file": "choose a CSV file"})
            if file.size > uploads.MAX_BYTES:
                raise ValidationFailed(
                    {"file": f"must be at most {uploads.MAX_BYTES // (1024 * 1024)} MB"}
                )
            upload = uploads.start_upload(
                request.workspace,
                file.name,
                file.read(),
                channel=request.POST.get("channel", ""),
                actor=request.user,
            )
        except ValidationFailed as error:
            errors = error.errors
        else:
            return HttpResponseRedirect(reverse("spend-upload-preview", args=[upload.pk]))
    context = {
        "errors": errors,
        "columns": uploads.COLUMNS,
        "channel_choices": [("", "From the file's channel column"), *CHANNELS.items()],
        "form": {"channel": request.POST.get("channel", "")},
        "uploads": _uploads_table(request),
        "currency": request.workspace.currency,
    }
    return render(request, "planning/spend_upload.html", context, status=422 if errors else 200)


@page("spend.manage")
def spend_upload_preview(request, upload_id: int):
    upload = selectors.spend_upload(request.workspace, upload_id)
    if upload is None:
        raise Http404("no such upload in this workspace")
    errors = {}
    if request.method == "POST":
        try:
            result = uploads.record_upload(upload, actor=request.user)
        except ValidationFailed as error:
            errors = error.errors
        else:
            messages.success(
                request,
                f"Recorded {len(result.entries)} spend lines from {upload.filename}"
                f" ({len(result.replaced)} recorded lines replaced).",
            )
            return HttpResponseRedirect(reverse("spend"))
        upload.refresh_from_db()
    context = {"upload": upload, "errors": errors, "preview": None, "file_errors": {}}
    if upload.recorded_at is None:
        try:
            context["preview"] = uploads.preview(upload)
        except ValidationFailed as error:
            context["file_errors"] = error.errors
    context["earlier"] = selectors.earlier_upload_of(upload)
    context["currency"] = request.workspace.currency
    context["channels"] = CHANNELS
    status = 422 if errors or context["file_errors"] else 200
    return render(request, "planning/spend_upload_preview.html", context, status=status)
