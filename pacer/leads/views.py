"""Pages for front-line staff and their managers: the lead inbox (soonest deadline first,
refreshed live), a lead with its history and one-click logging, and every location's
queue."""

import uuid
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from pacer.core import clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import ValidationFailed
from pacer.core.permissions import allows, page
from pacer.core.selectors import members
from pacer.leads import actions, followup, predictive, selectors, staff, todo
from pacer.leads.models import ActivityKind
from pacer.leads.predictive import ReasonNames, reason_words, reasons_text
from pacer.leads.report import CONVERSION_DAYS, speed_report
from pacer.leads.routing import hours_of
from pacer.leads.selectors import person_name
from pacer.leads.stages import stages
from pacer.people.selectors import locations
from pacer.web.filters import Choice, DateRange, FilterBar
from pacer.web.tables import Column, Table

FALLBACK = "Fallback queue"
VIEWS = {
    "mine": "My leads",
    "unassigned": "Unassigned",
    "overdue": "Overdue",
    "open": "All open",
}


def _due(lead, now, zone_of) -> str:
    """The deadline in words; ``lead`` is a Lead or a table row (a dict); ``zone_of``:
    a location id's time zone. A lead waiting unowned for its location's opening shows
    its deadline's weekday and time there ("due Mon 09:15")."""
    get = lead.get if isinstance(lead, dict) else lead.__dict__.get
    if get("first_response_at") is not None:
        return "answered"
    respond_by = get("respond_by")
    owned = get("owner__username") if isinstance(lead, dict) else get("owner_id")
    if respond_by is None:  # the clock starts when someone takes it, by the SLA policy
        return "no deadline" if owned else "waiting for an owner"
    if not owned and respond_by > now:
        return f"due {respond_by.astimezone(zone_of(get('location_id'))):%a %H:%M}"
    minutes = int((respond_by - now).total_seconds() // 60)
    if minutes < 0:
        return f"overdue by {_span(-minutes)}"
    return f"due in {_span(minutes)}"


def _seconds_left(lead, now) -> float | None:
    """Seconds to the response deadline (negative once past) for the live countdown;
    None when answered or without a deadline."""
    get = lead.get if isinstance(lead, dict) else lead.__dict__.get
    if get("first_response_at") is not None or get("respond_by") is None:
        return None
    owned = get("owner__username") if isinstance(lead, dict) else get("owner_id")
    if not owned and get("respond_by") > now:  # waiting for the opening: no countdown
        return None
    return (get("respond_by") - now).total_seconds()


def _span(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 60 * 48:
        return f"{minutes // 60} h {minutes % 60:02d} min"
    return f"{minutes // (60 * 24)} days"


def _person(lead) -> str:
    contact = lead.contact
    name = f"{contact.first_name} {contact.last_name}".strip()
    return name or contact.email or contact.phone or f"Contact {contact.pk}"


def _row_person(row: dict) -> str:
    name = f"{row['contact__first_name']} {row['contact__last_name']}".strip()
    return name or row["contact__email"] or row["contact__phone"] or f"Contact {row['contact']}"


def _away(workspace, now, names: dict) -> list[dict]:
    """The members away now, with the names of the locations they serve (``staff.away``)."""
    return [
        {**row, "location": ", ".join(names.get(loc, FALLBACK) for loc in row["location_ids"])}
        for row in staff.away(workspace, now)
    ]


def _owner(row: dict, away_until: dict) -> str:
    owner = row["owner_name"]
    if row["owner__username"] in away_until:
        return f"{owner} (away until {away_until[row['owner__username']]})"
    return owner or "—"


@page("leads.view")
def inbox(request):
    now = clock.now()
    # a member who takes no leads (no agent row) has no "my leads": they start on all open
    takes_leads = bool(selectors.agent_locations(request.workspace, request.user.pk))
    view = request.GET.get("view", "mine" if takes_leads else "open")
    if view not in VIEWS:
        view = "mine"
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    away = _away(request.workspace, now, names)
    away_until = {row["username"]: row["until_text"] for row in away}
    stage_names = {s.key: s.label for s in stages(request.workspace)}
    zone_of = _zones(request.workspace)
    reason_names = ReasonNames.of(request.workspace, names)
    table = Table(
        request,
        selectors.inbox(request.workspace, view=view, user_id=request.user.pk, now=now),
        [
            Column(
                "contact__email",
                "Lead",
                text=_row_person,
                href=lambda row: reverse("lead-detail", args=[row["pk"]]),
            ),
            Column(
                "queue_at",  # the unanswered first, by deadline; then the answered ones
                "Respond",
                sortable=True,
                text=lambda row: _due(row, now, zone_of),
                countdown=lambda row: _seconds_left(row, now),
            ),
            Column("stage", "Stage", sortable=True, labels=stage_names),
            Column("location_id", "Location", labels=names),
            Column("owner_name", "Owner", sortable=True, text=lambda row: _owner(row, away_until)),
            Column("predicted", "Chance to convert", format="percent", sortable=True),
            Column(
                "predicted_reasons",
                "Why (top reasons)",
                text=lambda row: reasons_text(row["predicted_reasons"] or [], reason_names) or "—",
                visible=view != "mine",
            ),
            Column("channel", "Channel", sortable=True, labels=CHANNELS),
            Column("created_at", "Arrived", format="datetime", sortable=True),
            Column("form", "Form", visible=False),
            Column("respond_by", "Deadline", format="datetime", visible=False),
            Column("first_response_at", "First response", format="datetime", visible=False),
            Column("contact__first_name", "First name", visible=False),
            Column("contact__last_name", "Last name", visible=False),
            Column("contact__phone", "Phone", visible=False),
            Column("contact", "Contact id", visible=False),
            Column("owner__username", "Owner's username", visible=False),
        ],
        default_sort="queue_at",
        caption=VIEWS[view],
        empty_title="No leads waiting." if view == "mine" else "Nothing here.",
        empty_hint="New leads assigned to you appear here within seconds, soonest deadline first.",
        html_id="lead-inbox",
    )
    context = {
        "table": table,
        "view": view,
        "views": VIEWS,
        "notices": selectors.unread_notices(request.workspace, request.user.pk),
        "tasks": selectors.open_tasks(request.workspace, request.user.pk),
        "away": away,
        "now": now,
        "refresh_seconds": settings.LEAD_INBOX_REFRESH_SECONDS,
    }
    if request.GET.get("fragment") == "1":
        return render(request, "leads/inbox_live.html", context)
    return render(request, "leads/inbox.html", context)


@page("leads.view")
def lead_detail(request, lead_id: int):
    lead = selectors.lead(request.workspace, lead_id)
    if lead is None:
        raise Http404("no such lead")
    if request.method == "POST":
        return _act(request, lead)
    now, zone = clock.now(), _zone(request, lead)
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    reason_names = ReasonNames.of(request.workspace, names)
    return render(
        request,
        "leads/lead_detail.html",
        {
            "lead": lead,
            "person": _person(lead),
            "due": _due(lead, now, lambda _: zone),
            "seconds_left": _seconds_left(lead, now),
            "location": names.get(lead.location_id, "—"),
            "reasons": [
                (r["effect"] > 0, reason_words(r, reason_names))
                for r in lead.predicted_reasons or []
            ],
            "history": selectors.history(request.workspace, lead.pk),
            "activities": selectors.activities(request.workspace, lead.pk),
            "stages": [(s.key, s.label) for s in stages(request.workspace) if s.key != lead.stage],
            "stage_label": {s.key: s.label for s in stages(request.workspace)}.get(
                lead.stage, lead.stage
            ),
            "channel_label": CHANNELS.get(lead.channel, lead.channel),
            "kinds": ActivityKind.choices,
            "can_work": allows(request.role, "leads.work"),
            "notices": selectors.unread_notices(request.workspace, request.user.pk, lead.pk),
            "tasks": selectors.tasks(request.workspace, lead.pk),
            "reply_token": uuid.uuid4().hex,
            "reply_body": f"Hi {lead.contact.first_name or 'there'},\n\n",
            "members": [(m.user_id, person_name(m.user)) for m in members(request.workspace)],
            "owner_name": person_name(lead.owner) if lead.owner else "unassigned",
            "task_due": f"{(now + timedelta(days=1)).astimezone(zone):%Y-%m-%dT%H:%M}",
        },
    )


def _zones(workspace):
    """A location id's time zone (its opening hours'), each read once."""
    zones: dict[int | None, ZoneInfo] = {}

    def zone_of(location_id: int | None) -> ZoneInfo:
        if location_id not in zones:
            zones[location_id] = ZoneInfo(hours_of(workspace, location_id).zone)
        return zones[location_id]

    return zone_of


def _zone(request, lead) -> ZoneInfo:
    """The lead's location's time zone: task times typed on its page are in it."""
    return ZoneInfo(hours_of(request.workspace, lead.location_id).zone)


def _due_at(request, lead, text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text).replace(tzinfo=_zone(request, lead))
    except ValueError:
        return None


@page("leads.work")
def _act(request, lead):
    data, now = request.POST, clock.now()
    try:
        if data.get("action") == "task":
            assignee = data.get("assignee", "")
            todo.add_task(
                request.workspace,
                lead.pk,
                title=data.get("title", ""),
                due_at=_due_at(request, lead, data.get("due_at", "")),
                assignee_id=int(assignee) if assignee.isdecimal() else None,
                at=now,
                actor=request.user,
            )
            messages.success(request, "Task added.")
        elif data.get("action") in ("done", "undone"):
            task = data.get("task", "")
            todo.set_done(
                request.workspace,
                int(task) if task.isdecimal() and lead.tasks.filter(pk=task).exists() else 0,
                data["action"] == "done",
                at=now,
                actor=request.user,
            )
            messages.success(request, "Task updated.")
        elif data.get("action") == "reply":
            followup.send_reply(
                request.workspace,
                lead.pk,
                subject=data.get("subject", ""),
                body=data.get("body", ""),
                token=data.get("token", ""),
                at=now,
                actor=request.user,
            )
            messages.success(request, "Email sent.")
        elif data.get("action") == "stage":
            actions.move_stage(
                request.workspace,
                lead.pk,
                data.get("stage", ""),
                at=now,
                actor=request.user,
                reason=data.get("reason", ""),
            )
            messages.success(request, "Stage changed.")
        else:
            followup.log_activity(
                request.workspace,
                lead.pk,
                data.get("kind", ""),
                at=now,
                actor=request.user,
                outcome=data.get("outcome", ""),
                next_step=data.get("next_step", ""),
            )
            messages.success(request, "Logged.")
    except ValidationFailed as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))


@require_POST
@page("leads.view")
def read_notices(request):
    """Mark the member's reminders read: all of them, or one lead's (``lead``). A POST,
    so that opening a page (a prefetch, a link preview) never reads them for the member."""
    lead_id = request.POST.get("lead", "")
    lead = selectors.lead(request.workspace, int(lead_id)) if lead_id.isdecimal() else None
    followup.mark_notices_read(request.workspace, request.user, lead_id=lead.pk if lead else None)
    if lead is not None:
        return HttpResponseRedirect(reverse("lead-detail", args=[lead.pk]))
    return HttpResponseRedirect(reverse("lead-inbox"))


@page("leads.view")
def location_queues(request):
    now = clock.now()
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    rows = selectors.queues(request.workspace, now - timedelta(days=30), now)
    table = Table(
        request,
        [
            {
                "location": names.get(row.location_id, "No location"),
                "open": row.open,
                "unassigned": row.unassigned,
                "unattended": row.unattended,
                "overdue": row.overdue,
                "answered": row.answered,
                "median": row.median_response_minutes,
                "within": row.within_15_minutes,
            }
            for row in rows
        ],
        [
            Column("location", "Location", sortable=True),
            Column("open", "Open", format="count", sortable=True),
            Column("unassigned", "Unassigned", format="count", sortable=True),
            Column("unattended", "Owner away", format="count", sortable=True),
            Column("overdue", "Overdue", format="count", sortable=True),
            Column("answered", "Answered (30 days)", format="count", sortable=True),
            Column("median", "Median first response (min)", format="decimal", sortable=True),
            Column("within", "Within 15 min", format="percent", sortable=True),
        ],
        default_sort="-overdue",
        caption="Every location's leads",
        empty_title="No leads yet.",
        empty_hint="Leads arrive from forms, the API (POST /api/leads/) and Segment "
        "'Lead Created' events.",
        html_id="lead-queues",
    )
    away = Table(
        request,
        [{**row, "pk": row["agent"]} for row in _away(request.workspace, now, names)],
        [
            Column("name", "Agent", sortable=True),
            Column("location", "Locations", sortable=True),
            Column(
                "until",
                "Away until",
                format="datetime",
                sortable=True,
                text=lambda row: row["until_text"],
            ),
            Column("handover", "Their leads"),
        ],
        default_sort="until",
        prefix="away-",
        caption="Agents away now (no new leads until then; their unanswered leads go to "
        "someone available, else count as 'Owner away' above)",
        empty_title="Nobody is away.",
        empty_hint="Set an agent's time off on their page under Lead routing.",
        html_id="lead-away",
    )
    return render(request, "leads/queues.html", {"table": table, "away": away})


PRESETS = ("last_7", "last_30", "last_90", "last_365", "mtd", "last_month", "qtd", "ytd")


def _period(now: datetime) -> DateRange:
    """The arrival dates a report covers (UTC days, presets counted back from today)."""
    return DateRange(
        label="Leads arrived", default="last_90", presets=PRESETS, required=True, today=now.date()
    )


def _window(bar: FilterBar) -> tuple[datetime, datetime]:
    """The bar's dates as ``[start, end)`` instants: from the first day's start to the
    last day's end."""
    start, end = bar.values["start"], bar.values["end"]
    return (
        datetime.combine(start, time.min, UTC),
        datetime.combine(end + timedelta(days=1), time.min, UTC),
    )


@page("leads.view")
def speed_to_lead(request):
    now = clock.now()
    bar = FilterBar(request, [_period(now)], html_id="speed-filters")
    result = speed_report(request.workspace, *_window(bar))
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    summary = result.summary
    kpis = [
        ("Leads", result.leads, "count", "Leads that arrived in the period"),
        (
            "Never answered",
            result.unanswered,
            "count",
            "No call, email, SMS or meeting logged, leaving out leads disqualified (spam, "
            "duplicate, wrong number…) before their deadline, as SLA attainment does",
        ),
        (
            "Median first response (min)",
            summary.median if summary else None,
            "decimal",
            "Median minutes from arrival to the first call, email, SMS or meeting",
        ),
        (
            "90th percentile (min)",
            summary.p90 if summary else None,
            "decimal",
            "9 in 10 answered leads were answered within this many minutes",
        ),
        (
            "Answered within 15 min",
            summary.within[15] if summary else None,
            "percent",
            "Share of answered leads whose first response came within 15 minutes",
        ),
        (
            "SLA attainment",
            result.on_time / result.with_deadline if result.with_deadline else None,
            "percent",
            "Leads with a deadline answered by it (leaving out those disqualified before it)",
        ),
        (
            "Disqualified before response",
            result.disqualified_early,
            "count",
            "Closed as lost (spam, duplicate, wrong number…) before their deadline and never "
            "answered: not SLA misses",
        ),
    ]
    buckets = Table(
        request,
        [
            {
                "bucket": b.label,
                "leads": b.leads,
                "converted": b.converted,
                "rate": b.rate,
                "low": b.interval[0] if b.interval else None,
                "high": b.interval[1] if b.interval else None,
            }
            for b in result.buckets
        ],
        [
            Column("bucket", "First response"),
            Column("leads", "Answered leads", format="count"),
            Column("converted", "Converted", format="count"),
            Column("rate", "Conversion", format="percent"),
            Column("low", "95% interval from", format="percent"),
            Column("high", "to", format="percent"),
        ],
        default_sort="bucket",
        prefix="b-",
        caption="Conversion by response time",
        html_id="speed-buckets",
    )
    by_location = Table(
        request,
        [
            {
                "location": names.get(loc, "No location"),
                "leads": s.leads,
                "median": s.median,
                "p90": s.p90,
                "within5": s.within[5],
                "within15": s.within[15],
                "within60": s.within[60],
            }
            for loc, s in result.by_location.items()
        ],
        [
            Column("location", "Location", sortable=True),
            Column("leads", "Answered", format="count", sortable=True),
            Column("median", "Median (min)", format="decimal", sortable=True),
            Column("p90", "90th pct (min)", format="decimal", sortable=True),
            Column("within5", "≤ 5 min", format="percent", sortable=True),
            Column("within15", "≤ 15 min", format="percent", sortable=True),
            Column("within60", "≤ 60 min", format="percent", sortable=True),
        ],
        default_sort="median",
        prefix="l-",
        caption="Location leaderboard (fastest first)",
        html_id="speed-locations",
    )
    users = {m.user_id: person_name(m.user) for m in members(request.workspace)}
    by_owner = _figures_table(
        request,
        {
            users.get(owner, "Former member") if owner else "Unassigned": f
            for owner, f in result.by_owner.items()
        },
        "Owner",
        "o-",
        "speed-owners",
    )
    by_team = _figures_table(
        request,
        {team or "No team": f for team, f in result.by_team.items()},
        "Team",
        "t-",
        "speed-teams",
    )
    return render(
        request,
        "leads/speed.html",
        {
            "by_owner": by_owner,
            "by_team": by_team,
            "kpis": kpis,
            "buckets": buckets,
            "by_location": by_location,
            "result": result,
            "bar": bar,
            "conversion_days": CONVERSION_DAYS,
            "first_chance": result.fit.p0 + result.fit.floor if result.fit else None,
            "gain_value": result.gain.extra_conversions * result.revenue_per_conversion
            if result.gain and result.revenue_per_conversion
            else None,
        },
    )


def _figures_table(request, groups: dict, label: str, prefix: str, html_id: str) -> Table:
    return Table(
        request,
        [
            {
                "group": name,
                "leads": f.leads,
                "answered": f.answered,
                "median": f.median_minutes,
                "sla": f.within_sla,
                "conversion": f.conversion,
            }
            for name, f in groups.items()
        ],
        [
            Column("group", label, sortable=True),
            Column("leads", "Leads", format="count", sortable=True),
            Column("answered", "Answered", format="count", sortable=True),
            Column("median", "Median first response (min)", format="decimal", sortable=True),
            Column("sla", "Within SLA", format="percent", sortable=True),
            Column("conversion", "Conversion", format="percent", sortable=True),
        ],
        default_sort="median",
        prefix=prefix,
        caption=f"By {label.lower()}",
        html_id=html_id,
    )


GROUPINGS = {
    "": "All leads",
    "channel": "Channel",
    "campaign": "Campaign",
    "location": "Location",
    "cohort": "Month arrived",
}


@page("leads.view")
def lead_funnel(request):
    now = clock.now()
    bar = FilterBar(
        request,
        [
            _period(now),
            Choice(
                "by", "Group by", [(k, v) for k, v in GROUPINGS.items() if k], blank="All leads"
            ),
        ],
        html_id="funnel-filters",
    )
    by = bar.values["by"]
    groups = selectors.funnel(request.workspace, *_window(bar), by=by)
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    listed = [s for s in stages(request.workspace) if s.kind != "lost"]
    rows, columns = [], [Column("group", GROUPINGS[by] if by else "Leads", sortable=True)]
    for step in listed[1:]:
        columns += [
            Column(f"{step.key}_n", step.label, format="count", sortable=True),
            Column(f"{step.key}_rate", "conversion", format="percent", sortable=True),
            Column(f"{step.key}_hours", "median hours", format="decimal", visible=False),
        ]
    for group, steps in groups.items():
        label = names.get(group, "No location") if by == "location" else (group or "—")
        row = {"group": "All leads" if group is None else label}
        for step in steps[1:]:
            row |= {
                f"{step.stage}_n": step.reached,
                f"{step.stage}_rate": step.conversion,
                f"{step.stage}_hours": step.median_hours_from_previous,
            }
        rows.append(row)
    table = Table(
        request,
        rows,
        columns,
        default_sort="group",
        caption="Leads reaching each stage, with the conversion from the stage before",
        empty_title="No leads in the period.",
        html_id="lead-funnel",
    )
    return render(
        request,
        "leads/funnel.html",
        {"table": table, "bar": bar, **_model_check(request)},
    )


def _model_check(request) -> dict:
    """The latest predictive fit beside the rule score, on the same held-out leads."""
    run = predictive.latest_run(request.workspace)
    if run is None or not run.lift:
        return {"run": None}
    rule = run.lift.get("rule") or [None] * len(run.lift["predictive"])
    rows = [
        {"tenth": n, "predictive": p, "rule": r}
        for n, (p, r) in enumerate(zip(run.lift["predictive"], rule, strict=True), start=1)
    ]
    columns = [
        Column("tenth", "Tenth of leads (best-scored first)"),
        Column("predictive", "Predictive score: lift", format="decimal"),
        Column("rule", "Rule score: lift", format="decimal"),
    ]
    table = Table(
        request,
        rows,
        columns,
        caption="Conversion in each tenth of the held-out leads over their average "
        "(1.0: no better than chance)",
        empty_title="No fit yet.",
        default_sort="tenth",
        prefix="model",
        html_id="lead-model-lift",
    )
    return {"run": run, "lift": table}
