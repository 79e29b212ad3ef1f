"""The managers' lead reports: speed to lead (what slow follow-up costs) and the
lifecycle funnel, by period, channel, campaign and location."""

from datetime import UTC, datetime, time, timedelta

from django.shortcuts import render

from pacer.core import clock
from pacer.core.permissions import allows, page
from pacer.core.selectors import members
from pacer.leads import predictive, selectors
from pacer.leads.report import CONVERSION_DAYS, WAITING_MINUTES, speed_report
from pacer.leads.stages import stages
from pacer.people.selectors import locations
from pacer.teams.selectors import team_choices
from pacer.web import formats
from pacer.web.charts import Series, chart
from pacer.web.filters import Choice, DateRange, FilterBar
from pacer.web.tables import Column, Table

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


def _visible_locations(request, names: dict[int, str]) -> dict[int, str] | None:
    """The locations whose leads the member may see on the speed report: every one
    (None) with ``leads.all_locations`` or as an agent of every location's fallback
    queue; else those they take leads for or manage (their agent rows)."""
    if allows(request.role, "leads.all_locations"):
        return None
    mine = selectors.agent_locations(request.workspace, request.user.pk)
    if None in mine:
        return None
    return {pk: name for pk, name in names.items() if pk in mine}


@page("leads.view")
def speed_to_lead(request):
    now = clock.now()
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    visible = _visible_locations(request, names)
    shown = names if visible is None else visible
    place = Choice(
        "location",
        "Location",
        list(shown.items()),
        blank="All locations" if visible is None else "All my locations",
    )
    bar = FilterBar(request, [_period(now), place], html_id="speed-filters")
    chosen = {int(bar.values["location"])} if bar.values["location"] else visible
    result = speed_report(request.workspace, *_window(bar), locations=chosen)
    summary = result.summary
    kpis = [
        ("Leads", result.leads, "count", "Leads that arrived in the period"),
        (
            "Never answered",
            result.unanswered,
            "count",
            "No call, email, SMS or meeting logged, leaving out leads disqualified (spam, "
            "duplicate, wrong number…) before their deadline, as SLA attainment does, and "
            f"leads under {WAITING_MINUTES} minutes old (still waiting)",
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
                "order": n,  # fastest first, the never answered last
                "bucket": b.label,
                "leads": b.leads,
                "converted": b.converted,
                "rate": b.rate,
                "low": b.interval[0] if b.interval else None,
                "high": b.interval[1] if b.interval else None,
            }
            for n, b in enumerate(result.buckets)
        ],
        [
            Column("bucket", "First response"),
            Column("leads", "Leads", format="count"),
            Column("converted", "Converted", format="count"),
            Column("rate", "Conversion", format="percent"),
            Column("low", "95% interval from", format="percent"),
            Column("high", "to", format="percent"),
        ],
        default_sort="order",
        prefix="b-",
        caption="Conversion by response time (the never answered last)",
        html_id="speed-buckets",
    )
    by_location = Table(
        request,
        [
            _leaderboard_row(names.get(loc, "No location"), f, result.by_location.get(loc))
            for loc, f in result.location_figures.items()
        ],
        [
            Column("location", "Location", sortable=True),
            Column("all", "Leads", format="count", sortable=True),
            Column("leads", "Answered", format="count", sortable=True),
            Column("sla", "Within SLA", format="percent", sortable=True),
            Column("conversion", "Conversion", format="percent", sortable=True),
            Column("median", "Median (min)", format="decimal", sortable=True),
            Column("p90", "90th pct (min)", format="decimal", sortable=True),
            Column("within5", "≤ 5 min", format="percent", sortable=True),
            Column("within15", "≤ 15 min", format="percent", sortable=True),
            Column("within60", "≤ 60 min", format="percent", sortable=True),
        ],
        default_sort="-sla",
        prefix="l-",
        caption="Location leaderboard (best SLA attainment first; never answered counts as a miss)",
        html_id="speed-locations",
    )
    users = {m.user_id: formats.person(m.user) for m in members(request.workspace)}
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
    team_names = dict(team_choices(request.workspace))
    by_team = _figures_table(
        request,
        {_team_name(team, team_names): f for team, f in result.by_team.items()},
        "Team",
        "t-",
        "speed-teams",
    )
    return render(
        request,
        "leads/speed.html",
        {
            "curve_chart": _curve_chart(result),
            "by_owner": by_owner,
            "by_team": by_team,
            "kpis": kpis,
            "buckets": buckets,
            "by_location": by_location,
            "result": result,
            "bar": bar,
            "scope": None if visible is None else list(visible.values()),
            "conversion_days": CONVERSION_DAYS,
            "first_chance": result.fit.p0 + result.fit.floor if result.fit else None,
            "at_15": float(result.fit.probability([15])[0]) if result.fit else None,
            "never": result.buckets[-1],
            "waiting_minutes": WAITING_MINUTES,
            "gain_value": result.gain.extra_conversions * result.revenue_per_conversion
            if result.gain and result.revenue_per_conversion
            else None,
        },
    )


def _leaderboard_row(name: str, figures, answered) -> dict:
    """A location's row: every lead's figures, and the answered ones' response times (a
    location that answered none is listed too, its times empty)."""
    return {
        "location": name,
        "all": figures.leads,
        "leads": figures.answered,
        "sla": figures.within_sla,
        "conversion": figures.conversion,
        "median": answered.median if answered else None,
        "p90": answered.p90 if answered else None,
        "within5": answered.within[5] if answered else None,
        "within15": answered.within[15] if answered else None,
        "within60": answered.within[60] if answered else None,
    }


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
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    bar = FilterBar(
        request,
        [
            _period(now),
            Choice(
                "by", "Group by", [(k, v) for k, v in GROUPINGS.items() if k], blank="All leads"
            ),
            Choice("location", "Location", list(names.items()), blank="All locations"),
        ],
        html_id="funnel-filters",
    )
    by = bar.values["by"]
    location = int(bar.values["location"]) if bar.values["location"] else None
    groups = selectors.funnel(request.workspace, *_window(bar), by=by, location_id=location)
    listed = [s for s in stages(request.workspace) if s.kind != "lost"]
    rows, columns = [], [Column("group", GROUPINGS[by] if by else "Leads", sortable=True)]
    for step in listed[1:]:
        columns += [
            Column(f"{step.key}_n", step.label, format="count", sortable=True),
            Column(f"{step.key}_rate", "conversion", format="percent", sortable=True),
            Column(f"{step.key}_hours", "median hours", format="decimal", sortable=True),
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


def _team_name(key: str, names: dict[str, str]) -> str:
    """An agent's team as people read it: the name of the team with that key (Teams),
    else the key in words ("front-desk": "Front desk"); "No team" without one."""
    if not key:
        return "No team"
    return names.get(key) or key.replace("-", " ").replace("_", " ").capitalize()


def _curve_chart(result) -> dict | None:
    """Each response-time bucket's observed conversion beside the fitted curve's chance
    at the bucket's mean response time (the never answered: observed only)."""
    shown = [b for b in result.buckets if b.leads]
    if not shown:
        return None
    fitted = [
        float(result.fit.probability([b.mean_minutes])[0])
        if result.fit is not None and b.mean_minutes is not None
        else None
        for b in shown
    ]
    series = [Series("Observed conversion", [b.rate for b in shown])]
    if any(value is not None for value in fitted):
        series.append(Series("Fitted curve at the mean response time", fitted, type="line"))
    return chart("bar", [b.label for b in shown], series, y="percent")
