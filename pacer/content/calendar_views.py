"""The content calendar (month, week, day and list views by channel, theme and team, with
themes and campaign periods drawn behind the items; drag to reschedule), themes, and the
iCal feeds behind secret, rotatable URLs."""

import calendar as months
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.decorators.http import require_POST

from pacer.content import actions, ical, selectors
from pacer.content.models import ContentKind, FeedScope, ThemeColour
from pacer.content.themes import FIELDS as THEME_FIELDS
from pacer.content.themes import band_style
from pacer.core import clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import admitted_role, allows, check, page
from pacer.planning import selectors as planning
from pacer.teams import selectors as teams
from pacer.web.filters import Choice, FilterBar
from pacer.web.tables import Column, Table

VIEWS = {"month": "Month", "week": "Week", "day": "Day", "list": "List"}
# items and deadlines a day shows in the month and week views (a week's days are taller);
# "+N more" links to the day view, which lists them all
DAY_CAPS = {"month": 4, "week": 8}
# campaign bars a day shows; more are one "N campaigns running" that opens their list, so
# a day of a busy season (the demo runs ten at once) still shows its items
CAMPAIGN_BARS = 2
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FEED_LIMIT = 10_000
FEED_TYPE = "text/calendar; charset=utf-8"
FEED_CACHE_SECONDS = 24 * 3600


@dataclass
class Day:
    day: date
    inside: bool
    bands: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, name, style)
    running: list[tuple[str, str]] = field(default_factory=list)  # (name, href): campaigns
    items: list = field(default_factory=list)  # plain rows (selectors.CALENDAR_FIELDS)
    due: list = field(default_factory=list)  # deadlines that fall on the day
    more: int = 0  # items and deadlines not shown (the view's cap)
    more_url: str = ""

    @property
    def names(self) -> dict:
        """The day's labels, written here rather than by a date filter per use."""
        day = self.day
        return {
            "iso": day.isoformat(),
            "number": day.day,
            "long": f"{day:%A}, {day:%B}",
            "full": f"{day:%A} {day.day} {day:%B}",
            "short": f"{day.day} {day:%B}",
        }


def _path_of(name: str):
    """``pk -> path`` of a URL named ``name`` with one id, reversed once."""
    marker = 918273645
    pattern = reverse(name, args=[marker])
    return lambda pk: pattern.replace(str(marker), str(pk))


def _anchor(request) -> date:
    raw = request.GET.get("day", "")
    try:
        return date.fromisoformat(raw) if len(raw) == 10 else clock.now().date()
    except ValueError:
        return clock.now().date()


def _span(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first shown, last shown, previous anchor, next anchor) of a view."""
    if view == "day":
        return anchor, anchor, anchor - timedelta(1), anchor + timedelta(1)
    if view == "week":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6), anchor - timedelta(7), anchor + timedelta(7)
    first = anchor.replace(day=1)
    last = first.replace(day=months.monthrange(first.year, first.month)[1])
    before = (first - timedelta(days=1)).replace(day=1)
    after = last + timedelta(days=1)
    if view == "list":
        return first, last, before, after
    return (
        first - timedelta(days=first.weekday()),
        last + timedelta(days=6 - last.weekday()),
        before,
        after,
    )


def _bands(workspace, start: date, end: date, theme_filter: str, campaign_path):
    """``(kind, name, first day, last day, href, style)`` of the themes and campaigns in
    view (``campaign_path``: a campaign's page by id, None when the reader may not see
    it; ``style``: a theme's colours, empty for a campaign)."""
    found = []
    for theme in selectors.themes(workspace, start, end):
        if not theme_filter or str(theme.pk) == theme_filter:
            style = band_style(theme.colour)
            found.append(("theme", theme.name, theme.starts_on, theme.ends_on, "", style))
    for campaign in planning.campaigns(workspace):
        starts, ends = campaign.starts_on, campaign.ends_on
        if starts and ends and starts <= end and ends >= start:
            href = campaign_path(campaign.pk) if campaign_path else ""
            found.append(("campaign", campaign.name, starts, ends, href, ""))
    return found


def _day(day: date, inside: bool, bands: list) -> Day:
    """A day of the grid with the bands over it: every theme, and its campaigns as bars
    up to ``CAMPAIGN_BARS`` (more: all of them in ``running``, shown as one summary)."""
    over = [band for band in bands if band[2] <= day <= band[3]]
    campaigns = [(name, href) for kind, name, _, _, href, _ in over if kind == "campaign"]
    shown = [(kind, name, style) for kind, name, _, _, _, style in over]
    if len(campaigns) <= CAMPAIGN_BARS:
        return Day(day, inside, shown)
    return Day(day, inside, [band for band in shown if band[0] == "theme"], running=campaigns)


def _team_names(workspace) -> list[tuple[str, str]]:
    """(key, name) of the teams the workspace's items name, by name (a key that is no
    longer a team shows as itself)."""
    names = dict(teams.team_choices(workspace))
    found = [(key, names.get(key, key)) for key in selectors.teams(workspace)]
    return sorted(found, key=lambda pair: pair[1].lower())


@page("content.view")
def content_calendar(request):
    workspace = request.workspace
    view = request.GET.get("view", "month")
    view = view if view in VIEWS else "month"
    anchor = _anchor(request)
    start, end, before, after = _span(view, anchor)
    theme_choices = [(str(t.pk), t.name) for t in selectors.themes(workspace)]
    team_names = _team_names(workspace)
    bar = FilterBar(
        request,
        [
            Choice("channel", "Channel", CHANNELS.items(), blank="All channels"),
            Choice("theme", "Theme", theme_choices, blank="All themes"),
            Choice("team", "Team", team_names, blank="All teams"),
            Choice("kind", "Kind", ContentKind.choices, blank="All kinds"),
        ],
        keep=("view", "day"),
    )
    values = bar.values
    rows = selectors.items(
        workspace,
        channel=values["channel"],
        theme=values["theme"],
        team=values["team"],
        kind=values["kind"],
    )
    flow = selectors.workflow(workspace)
    context = {
        "bar": bar,
        "view": view,
        "views": VIEWS,
        "start": start,
        "end": end,
        "title": {"week": f"Week of {start:%-d %B %Y}", "day": f"{anchor:%A %-d %B %Y}"}.get(
            view, f"{anchor:%B %Y}"
        ),
        "previous_url": bar.url(view=view, day=before.isoformat()),
        "next_url": bar.url(view=view, day=after.isoformat()),
        "today_url": bar.url(view=view, day=None),
        "view_urls": [
            (key, label, bar.url(view=key, day=anchor.isoformat())) for key, label in VIEWS.items()
        ],
        "can_edit": allows(request.role, "content.edit"),
        "colour_options": ThemeColour.choices,
        "here": request.get_full_path(),
    }
    if view in ("list", "day"):
        low = datetime.combine(start, time.min, tzinfo=UTC)
        high = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
        context["table"] = Table(
            request,
            rows.filter(scheduled_for__gte=low, scheduled_for__lt=high),
            [
                Column("scheduled_for", "Scheduled", format="datetime", sortable=True),
                Column(
                    "title",
                    "Title",
                    sortable=True,
                    href=lambda r: reverse("content-item", args=[r["pk"]]),
                ),
                Column("kind", "Kind", sortable=True, labels=dict(ContentKind.choices)),
                Column("state", "State", sortable=True, labels=dict(flow.choices)),
                Column("channel", "Channel", sortable=True, labels=CHANNELS),
                Column("team", "Team", sortable=True, labels=dict(team_names)),
                Column("theme__name", "Theme", sortable=True),
            ],
            default_sort="scheduled_for",
            caption=f"Content scheduled on {context['title']}"
            if view == "day"
            else f"Content scheduled in {context['title']}",
            empty_title=f"Nothing scheduled on this {'day' if view == 'day' else 'month'}.",
            empty_hint="Give items a date on their page, or pick another day.",
            html_id="calendar-list",
        )
        context["due"] = [
            row | {"state_label": flow.label(row["state"])}
            for row in selectors.due_between(rows, start, end)
        ]
    else:
        campaign_path = (
            _path_of("campaign-detail") if allows(request.role, "campaigns.view") else None
        )
        bands = _bands(workspace, start, end, values["theme"], campaign_path)
        days = {}
        for offset in range((end - start).days + 1):
            day = start + timedelta(days=offset)
            days[day] = _day(day, view == "week" or day.month == anchor.month, bands)
        kinds = dict(ContentKind.choices)
        item_path, move_path = _path_of("content-item"), _path_of("content-calendar-move")
        cap = DAY_CAPS[view]
        scheduled, due = selectors.first_of_each_day(rows, start, end, cap)
        due_totals, item_totals = {}, {}  # day -> deadlines, items it holds in all
        for row in due:
            row["href"], row["state_label"] = item_path(row["pk"]), flow.label(row["state"])
            days[row["due_on"]].due.append(row)
            due_totals[row["due_on"]] = row["day_total"]
        for row in scheduled:
            day = days[row["day"]]
            item_totals[day.day] = row["day_total"]
            if len(day.items) + len(day.due) < cap:  # the day's deadlines come first
                row["kind_label"] = kinds.get(row["kind"], row["kind"])
                row["state_label"] = flow.label(row["state"])
                row["time"] = f"{row['scheduled_for']:%H:%M}"
                row["href"], row["move"] = item_path(row["pk"]), move_path(row["pk"])
                day.items.append(row)
        for day in days.values():
            held = due_totals.get(day.day, 0) + item_totals.get(day.day, 0)
            day.more = held - len(day.items) - len(day.due)
            if day.more:
                day.more_url = bar.url(view="day", day=day.day.isoformat())
        context.update(days=list(days.values()), weekdays=WEEKDAYS)
        legend = sorted({(kind, name, style) for kind, name, *_, style in bands})
        campaigns = [name for kind, name, _ in legend if kind == "campaign"]
        if len(campaigns) > CAMPAIGN_BARS:  # summed up as the days are
            theme_bands = [band for band in legend if band[0] == "theme"]
            context.update(legend=theme_bands, legend_campaigns=campaigns)
        else:
            context["legend"] = legend
    return render(request, "content/calendar.html", context)


def _colour_chip(row) -> dict:
    """A theme's colour in the themes table: its name on its band's colours."""
    colour = row["colour"]
    return {"label": ThemeColour(colour).label, "style": band_style(colour)}


@page("content.view")
def themes(request):
    """The workspace's themes and seasons, each a link to the calendar at its first day
    showing its items, and the form that adds one (a POST, for editors: back to the
    calendar at the new theme's first day; refused, this page again with the reasons at
    the fields and what was typed kept)."""
    theme_form, theme_errors, status = {}, {}, 200
    can_edit = allows(request.role, "content.edit")
    if request.method == "POST":
        check(request.role, "content.edit")
        # no colour sent (a client of its own): the default band
        theme_form = {name: request.POST.get(name, "") for name in THEME_FIELDS}
        theme_form["colour"] = request.POST.get("colour", ThemeColour.AMBER)
        try:
            theme = actions.create_theme(request.workspace, **theme_form, actor=request.user)
        except ValidationFailed as error:
            theme_errors, status = error.errors, 422
        else:
            messages.success(request, f"Theme “{theme.name}” added.")
            return HttpResponseRedirect(
                reverse("content-calendar") + f"?day={theme.starts_on:%Y-%m-%d}"
            )
    table = Table(
        request,
        selectors.themes(request.workspace),
        [
            Column(
                "name",
                "Theme",
                sortable=True,
                href=lambda r: (
                    reverse("content-calendar") + f"?day={r['starts_on']:%Y-%m-%d}&theme={r['pk']}"
                ),
            ),
            Column("starts_on", "Starts", format="date", sortable=True),
            Column("ends_on", "Ends", format="date", sortable=True),
            Column(
                "colour",
                "Colour",
                sortable=True,
                form=_colour_chip,
                form_template="content/_theme_colour.html",
            ),
            *(
                [
                    Column(
                        "pk",
                        "Edit",
                        text=lambda r: "Edit",
                        href=lambda r: reverse("content-theme-edit", args=[r["pk"]]),
                    )
                ]
                if can_edit
                else []
            ),
        ],
        default_sort="-starts_on",
        caption="Themes and seasons",
        empty_title="No themes yet.",
        empty_hint="A theme or season is a date range drawn behind the calendar's items.",
        html_id="themes",
    )
    context = {
        "table": table,
        "can_edit": can_edit,
        "theme_form": theme_form,
        "theme_errors": theme_errors,
        "colour_options": ThemeColour.choices,
    }
    return render(request, "content/themes.html", context, status=status)


@require_POST
@page("content.edit")
def calendar_move(request, item_id: int):
    """The calendar's drag and drop: move an item to a day; answers JSON."""
    item = selectors.item(request.workspace, item_id)
    if item is None:
        return JsonResponse({"errors": {"item": "no such content item"}}, status=404)
    try:
        actions.reschedule(item, request.POST.get("day", ""), actor=request.user)
    except ValidationFailed as error:
        return JsonResponse({"errors": error.errors}, status=422)
    return JsonResponse({"day": request.POST.get("day")})


@page("content.view")
def feeds(request):
    """The user's feeds. A feed's secret address is shown once, when it is made or
    rotated (only its digest is kept); the table names each by its first characters.
    A refused feed comes back (422) with the choice kept and the reason at its field."""
    new_url, form, errors, status = None, {}, {}, 200
    if request.method == "POST":
        form = {"scope": request.POST.get("scope", ""), "team": request.POST.get("team", "")}
        try:
            feed, token = actions.rotate_feed(request.workspace, user=request.user, **form)
        except ValidationFailed as error:
            errors, status = error.errors, 422
        else:
            new_url = request.build_absolute_uri(reverse("content-ical", args=[token]))
            form = {}
    team_names = dict(teams.team_choices(request.workspace))
    return render(
        request,
        "content/feeds.html",
        {
            "feeds": selectors.feeds_of(request.workspace, request.user),
            "new_url": new_url,
            "scopes": FeedScope.choices,
            "teams": teams.team_options(team_names, form.get("team", ""), "—"),
            "feed_form": form,
            "feed_errors": errors,
        },
        status=status,
    )


def ical_feed(request, token: str):
    """A feed by its secret token: the token is the authority (no sign-in), and only
    while its maker is still a member of the workspace, and not suspended (the gate).

    A calendar client polls: the answer carries an ETag and a Last-Modified from the
    feed's items (``selectors.feed_version``), so a poll with nothing changed is answered
    304 after one aggregate query, and the body written for that version is kept in the
    cache, so another client's poll is served from it. A change to the items moves the
    version, and the next request writes the body afresh (streamed, and cached when
    whole)."""
    found = selectors.feed_by_token(token)
    if found is None or admitted_role(found.user, found.workspace)[0] is None:
        raise Http404("no such feed")
    count, latest = selectors.feed_version(found)
    etag = f'"{found.pk}-{found.digest[:12]}-{count}-{latest.timestamp():.6f}"'
    # whole seconds: a client that sends only If-Modified-Since may miss a change made in
    # the second of its copy until the next; the ETag (what clients send first) is exact
    modified = latest.replace(microsecond=0)
    unchanged = get_conditional_response(
        request, etag=etag, last_modified=int(modified.timestamp())
    )
    if unchanged is None:
        key = f"content-feed:{etag}"
        body = cache.get(key)
        if body is not None:
            response = HttpResponse(body, content_type=FEED_TYPE)
        else:
            chunks = ical.feed(
                found,
                selectors.feed_rows(found, FEED_LIMIT),
                stamp=latest,
                base_url=getattr(settings, "BASE_URL", ""),
                states=dict(selectors.workflow(found.workspace).choices),
            )
            response = StreamingHttpResponse(_kept(chunks, key), content_type=FEED_TYPE)
    else:
        response = unchanged
    response["ETag"] = etag
    response["Last-Modified"] = http_date(modified.timestamp())
    response["Cache-Control"] = "private, max-age=300"
    return response


def _kept(chunks, key: str):
    """Pass the chunks on, and keep the whole body in the cache once all went out."""
    written = []
    for chunk in chunks:
        written.append(chunk)
        yield chunk
    cache.set(key, b"".join(written), FEED_CACHE_SECONDS)
