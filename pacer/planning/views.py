"""Pages for campaigns: the list (filters, paging, sorting, columns, CSV), the create and
edit forms, a campaign's page with its spend and its tracking link, and the UTM link
builder."""

from datetime import date
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.planning import actions, selectors
from pacer.planning.links import NOT_BY_LINK, SOURCE_SUGGESTIONS, build_link, trackable
from pacer.planning.spend_views import parse_day, spend_table
from pacer.web.filters import Choice, DateRange, FilterBar, Text
from pacer.web.tables import Column, Table

CAMPAIGN_FIELDS = ("key", "name", "channel", "starts_on", "ends_on", "landing_url")
LINK_FIELDS = ("landing_url", "channel", "campaign", "source", "content", "term")


def channel_options() -> list[tuple[str, str]]:
    """Every channel, those no link can carry marked so."""
    return [
        (key, label if trackable(key) else f"{label} (not tracked by links)")
        for key, label in CHANNELS.items()
    ]


def _campaign_table(request) -> tuple[Table, FilterBar]:
    bar = FilterBar(
        request,
        [
            Text("q", "Search", placeholder="Key or name"),
            Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
            Choice("status", "Status", selectors.STATUSES.items(), blank="Any status"),
            DateRange(label="Running", default="all"),
        ],
        html_id="campaign-filters",
    )
    values = bar.values
    rows = selectors.campaign_rows(
        request.workspace,
        search=values["q"],
        channel=values["channel"],
        status=values["status"],
        start=values["start"],
        end=values["end"],
    )
    columns = [
        Column(
            "key",
            "Key",
            sortable=True,
            href=lambda r: reverse("campaign-detail", args=[r["pk"]]),
        ),
        Column("name", "Name", sortable=True),
        Column("channel", "Channel", sortable=True, labels=CHANNELS),
        Column("status", "Status", sortable=True, labels=selectors.STATUSES),
        Column("starts_on", "Starts", format="date", sortable=True),
        Column("ends_on", "Ends", format="date", sortable=True),
        Column("landing_url", "Landing URL", visible=False),
    ]
    table = Table(
        request,
        rows,
        columns,
        default_sort="-starts_on",
        csv_url=reverse("campaigns-export"),
        caption="Campaigns",
        empty_title="No campaigns match these filters." if bar.active else "No campaigns yet.",
        empty_hint="Clear the filters to see every campaign."
        if bar.active
        else "Create one with New campaign; its key is the utm_campaign of its links.",
        html_id="campaigns",
    )
    return table, bar


@page("campaigns.view")
def campaign_list(request):
    table, bar = _campaign_table(request)
    context = {
        "table": table,
        "bar": bar,
        "can_manage": allows(request.role, "campaigns.manage"),
    }
    return render(request, "planning/campaigns.html", context)


@page("campaigns.view")
def export_campaigns(request):
    """The campaign table as CSV: every matching row, the columns shown."""
    table, _ = _campaign_table(request)
    return table.csv_response("campaigns.csv")


def _campaign_form(request, campaign, form: dict, errors: dict, status: int = 200):
    context = {
        "campaign": campaign,
        "form": form,
        "errors": errors,
        "channels": channel_options(),
    }
    return render(request, "planning/campaign_form.html", context, status=status)


def _save_campaign(request, campaign):
    data = {name: request.POST.get(name, "") for name in CAMPAIGN_FIELDS}
    errors: dict[str, str] = {}
    starts_on = parse_day(data["starts_on"], "starts_on", errors)
    ends_on = parse_day(data["ends_on"], "ends_on", errors)
    fields = {
        "channel": data["channel"],
        "name": data["name"],
        "starts_on": starts_on,
        "ends_on": ends_on,
        "landing_url": data["landing_url"],
        "actor": request.user,
    }
    try:
        if errors:
            raise ValidationFailed(errors)
        if campaign is None:
            saved = actions.create_campaign(request.workspace, data["key"], **fields)
            messages.success(request, f"Campaign '{saved.key}' created.")
        else:
            saved = actions.update_campaign(campaign, **fields)
            messages.success(request, f"Campaign '{saved.key}' saved.")
    except ValidationFailed as error:
        return _campaign_form(request, campaign, data, {**error.errors, **errors}, status=422)
    return HttpResponseRedirect(reverse("campaign-detail", args=[saved.pk]))


@page("campaigns.manage")
def campaign_new(request):
    if request.method == "POST":
        return _save_campaign(request, None)
    return _campaign_form(request, None, {"channel": request.GET.get("channel", "")}, {})


def _campaign_or_404(request, campaign_id: int):
    campaign = selectors.campaign(request.workspace, campaign_id)
    if campaign is None:
        raise Http404("no such campaign in this workspace")
    return campaign


@page("campaigns.manage")
def campaign_edit(request, campaign_id: int):
    campaign = _campaign_or_404(request, campaign_id)
    if request.method == "POST":
        return _save_campaign(request, campaign)
    form = {name: getattr(campaign, name) or "" for name in CAMPAIGN_FIELDS}
    return _campaign_form(request, campaign, form, {})


@page("campaigns.manage")
def campaign_delete(request, campaign_id: int):
    campaign = _campaign_or_404(request, campaign_id)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("campaign-detail", args=[campaign.pk]))
    try:
        actions.delete_campaign(campaign, actor=request.user)
    except ValidationFailed as error:
        return _campaign_page(request, campaign, error.errors)
    messages.success(request, f"Campaign '{campaign.key}' deleted; its spend lines stay.")
    return HttpResponseRedirect(reverse("campaigns"))


@page("campaigns.view")
def campaign_detail(request, campaign_id: int):
    return _campaign_page(request, _campaign_or_404(request, campaign_id))


def _campaign_page(request, campaign, delete_errors=None):
    """A campaign's page; after a refused delete with the reason above the delete button,
    answered 422."""
    context = {
        "campaign": campaign,
        "delete_errors": delete_errors or {},
        "status": selectors.STATUSES[
            selectors.status_of(campaign.starts_on, campaign.ends_on, date.today())
        ],
        "channel_label": CHANNELS.get(campaign.channel, campaign.channel),
        "can_manage": allows(request.role, "campaigns.manage"),
        "plan_node": selectors.linked_node(request.workspace, campaign),
        "can_enter_spend": allows(request.role, "spend.manage"),
        "link": None,
        "link_problem": NOT_BY_LINK.get(campaign.channel, ""),
        "builder_url": reverse("campaign-links")
        + "?"
        + urlencode(
            {"campaign": campaign.key, "channel": campaign.channel}
            | ({"landing_url": campaign.landing_url} if campaign.landing_url else {})
        ),
    }
    if campaign.landing_url and not context["link_problem"]:
        try:
            context["link"] = build_link(campaign.landing_url, campaign.channel, campaign.key)
        except ValidationFailed as error:
            context["link_problem"] = "; ".join(error.errors.values())
    if allows(request.role, "spend.view"):
        rows = selectors.spend_rows(request.workspace).filter(campaign=campaign)
        context["totals"] = selectors.spend_totals(rows, by_channel=False)
        context["spend"] = spend_table(
            request,
            rows,
            prefix="spend-",
            caption=f"Spend on {campaign.key}",
            empty_hint="Record spend for this campaign, or upload a CSV of spend.",
        )
    status = 422 if delete_errors else 200
    return render(request, "planning/campaign_detail.html", context, status=status)


@page("campaigns.view")
def link_builder(request):
    """Builds a tracking link from the query string (nothing is written)."""
    params = {name: request.GET.get(name, "")[:2100] for name in LINK_FIELDS}
    choices = selectors.campaign_choices(request.workspace)
    if params["campaign"] and not params["channel"]:
        chosen = selectors.campaign_by_key(request.workspace, params["campaign"])
        params["channel"] = chosen.channel if chosen else ""
    context = {
        "params": params,
        "campaigns": [("", "Choose a campaign"), *choices],
        "channels": [("", "Choose a channel"), *channel_options()],
        "suggestions": SOURCE_SUGGESTIONS.get(params["channel"], ()),
        "link": None,
        "errors": {},
    }
    if "landing_url" in request.GET:
        errors = {}
        if params["campaign"] and params["campaign"] not in dict(choices):
            errors["campaign"] = f"no campaign '{params['campaign'][:200]}' in this workspace"
        try:
            link = build_link(
                params["landing_url"],
                params["channel"],
                params["campaign"],
                source=params["source"],
                content=params["content"],
                term=params["term"],
            )
        except ValidationFailed as error:
            errors = {**error.errors, **errors}
        if errors:
            context["errors"] = errors
        else:
            context["link"] = link
            context["channel_label"] = CHANNELS[link.channel]
    status = 422 if context["errors"] else 200
    return render(request, "planning/link_builder.html", context, status=status)
