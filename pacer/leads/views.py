"""Pages for front-line staff and their managers: the lead inbox (soonest deadline first,
refreshed live, a call logged from a row) and every location's queue; the deadline in
words and the countdown shared with a lead's page (``pacer.leads.lead_views``)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse

from pacer.core import clock
from pacer.core.channels import CHANNELS
from pacer.core.errors import row_id
from pacer.core.permissions import page
from pacer.leads import selectors, sla, staff
from pacer.leads.hours import hours_of, local_time
from pacer.leads.models import CallOutcome
from pacer.leads.predictive import ReasonNames, reasons_text
from pacer.leads.stages import stages
from pacer.people.selectors import locations
from pacer.web.tables import Column, Table

FALLBACK = "Fallback queue"
VIEWS = {
    "mine": "My leads",
    "unassigned": "Unassigned",
    "overdue": "Overdue",
    "unowned": "Nobody free",
    "open": "All open",
}
# each view's empty table: its title and what would be listed there
EMPTY = {
    "mine": (
        "No leads waiting.",
        "New leads assigned to you appear here within seconds, soonest deadline first.",
    ),
    "unassigned": (
        "Nothing unassigned.",
        "Open leads without an owner appear here, soonest deadline first.",
    ),
    "overdue": (
        "Nothing overdue.",
        "A lead is overdue when it is unanswered past its response deadline (or, without "
        "one, past its follow-up time), unanswered with nobody free to take it, or answered "
        "but past its next touch.",
    ),
    "unowned": (
        "Nobody is missing an owner.",
        "Unanswered leads that nobody could take appear here once their managers are alerted.",
    ),
    "open": ("No open leads.", "Every lead in an open stage appears here, the unanswered first."),
}


def due_words(lead, now, zone_of) -> str:
    """The deadline in words; ``lead`` is a Lead or a table row (a dict); ``zone_of``:
    a location id's time zone. A lead waiting unowned for its location's opening shows
    its deadline's weekday and time there ("due Mon 09:15"); an owned lead without a
    deadline past its follow-up time (``follow_up_at``) says so, apart from an SLA
    breach ("follow-up missed by 2 h 05 min"). An answered lead says when its next touch
    is due ("next touch overdue by 25 min"), else "answered"."""
    get = lead.get if isinstance(lead, dict) else lead.__dict__.get
    if get("first_response_at") is not None:
        next_touch_by = get("next_touch_by")
        if next_touch_by is None:
            return "answered"
        minutes = int((next_touch_by - now).total_seconds() // 60)
        if minutes < 0:
            return f"next touch overdue by {_span(-minutes)}"
        return f"next touch due in {_span(minutes)}"
    respond_by = get("respond_by")
    owned = get("owner__username") if isinstance(lead, dict) else get("owner_id")
    if respond_by is None:  # the clock starts when someone takes it, by the SLA policy
        follow_up_at = get("follow_up_at")
        if owned and follow_up_at is not None and follow_up_at < now:
            return f"follow-up missed by {_span(int((now - follow_up_at).total_seconds() // 60))}"
        return "no deadline" if owned else "waiting for an owner"
    if not owned and respond_by > now:
        return f"due {respond_by.astimezone(zone_of(get('location_id'))):%a %H:%M}"
    minutes = int((respond_by - now).total_seconds() // 60)
    if minutes < 0:
        return f"overdue by {_span(-minutes)}"
    return f"due in {_span(minutes)}"


def _next_try(row: dict, zone_of) -> str:
    """When an unowned lead (nobody free to take it) is tried again, at its location:
    "; next try Mon 11:45"; empty when it is owned or no try is pending."""
    if row["owner__username"] or row["next_try"] is None:
        return ""
    return f"; next try {row['next_try'].astimezone(zone_of(row['location_id'])):%a %H:%M}"


def seconds_left(lead, now) -> float | None:
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
    context = inbox_context(request, fragment=request.GET.get("fragment") == "1")
    if context["fragment"]:
        return render(request, "leads/inbox_live.html", context)
    return render(request, "leads/inbox.html", context)


def inbox_address(request) -> str:
    """The inbox's address with the reader's choices (view, location, sort, columns,
    page): where a call logged from it comes back to."""
    encoded = request.GET.urlencode()
    return reverse("lead-inbox") + (f"?{encoded}" if encoded else "")


def inbox_context(
    request, *, fragment: bool, refused: int | None = None, typed=None, errors=None
) -> dict:
    """What the inbox (or its live part, ``fragment``) shows for ``request.GET``; after a
    refused call logged from lead ``refused``'s row, that row's form with ``typed`` and
    ``errors``. The live part's own ``fragment`` parameter is left out of the addresses
    it links to (its sort and page links, its forms' way back)."""
    if "fragment" in request.GET:
        request.GET = request.GET.copy()
        request.GET.pop("fragment")
    now = clock.now()
    # a member who takes no leads (no agent row) has no "my leads": they start on all open
    takes_leads = bool(selectors.agent_locations(request.workspace, request.user.pk))
    view = request.GET.get("view", "mine" if takes_leads else "open")
    if view not in VIEWS:
        view = "mine"
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    location = _location(request.GET.get("location", ""), names)
    away = _away(request.workspace, now, names)
    away_until = {row["username"]: row["until_text"] for row in away}
    stage_names = {s.key: s.label for s in stages(request.workspace)}
    zone_of = _zones(request.workspace)
    reason_names = ReasonNames.of(request.workspace, names)
    address = inbox_address(request)
    counted = selectors.late_counts(request.workspace, now, location=location)
    # an empty Overdue view says so once, in its empty box (what counts as overdue)
    late = _late_caption(counted) if view == "overdue" and counted.total else ""
    table = Table(
        request,
        selectors.inbox(
            request.workspace, view=view, user_id=request.user.pk, now=now, location=location
        ),
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
                text=lambda row: due_words(row, now, zone_of) + _next_try(row, zone_of),
                countdown=lambda row: seconds_left(row, now),
            ),
            Column(
                "pk",
                "Log a call",
                form=lambda row: _call_form(row, address, refused, typed or {}, errors or {}),
                form_template="leads/_log_call.html",
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
            Column("follow_up_at", "Follow-up time", format="datetime", visible=False),
            Column("next_try", "Next try (no owner)", format="datetime", visible=False),
            Column("first_response_at", "First response", format="datetime", visible=False),
            Column("next_touch_by", "Next touch by", format="datetime", visible=False),
            Column("contact__first_name", "First name", visible=False),
            Column("contact__last_name", "Last name", visible=False),
            Column("contact__phone", "Phone", visible=False),
            Column("contact", "Contact id", visible=False),
            Column("owner__username", "Owner's username", visible=False),
        ],
        default_sort="queue_at",
        caption=late or VIEWS[view],
        empty_title=EMPTY[view][0],
        empty_hint=EMPTY[view][1],
        html_id="lead-inbox",
    )
    context = {
        "table": table,
        "view": view,
        "views": VIEWS,
        "location": "" if location == "" else (location or "none"),
        "location_name": "" if location == "" else names.get(location, "No location"),
        "notices": selectors.unread_notices(request.workspace, request.user.pk),
        "tasks": _with_due_text(
            request.workspace, selectors.open_tasks(request.workspace, request.user.pk)
        ),
        "away": away,
        "late": late,
        "overdue_count": counted.total,
        "fragment": fragment,
        "call_errors": errors or {},
        "call_prefix": f"call-{refused}-",
        "now": now,
        "refresh_seconds": settings.LEAD_INBOX_REFRESH_SECONDS,
    }
    return context


def _call_form(row: dict, address: str, refused, typed: dict, errors: dict) -> dict:
    """The "Log a call" form of an inbox row (``tables.Column(form=...)``): where it posts,
    the inbox address to come back to, the outcomes, and after a refusal of this row's
    form what was typed and why it was refused."""
    own = row["pk"] == refused
    return {
        "action": reverse("lead-log-call", args=[row["pk"]]),
        "id": f"call-{row['pk']}",
        "next": address,
        "person": _row_person(row),
        "outcomes": CallOutcome.choices,
        "typed": typed if own else {},
        "errors": errors if own else {},
    }


def _location(raw: str, names: dict) -> int | None | str:
    """The inbox's location filter from ``?location=``: a location's id, "none" (None:
    the leads without one); anything else (no row id, or no location here) is every
    location ("")."""
    if raw == "none":
        return None
    found = row_id(raw)
    return found if found in names else ""


def _late_caption(late: selectors.Late) -> str:
    """The "Overdue" view's caption when it lists any lead: how many of each kind, the
    kinds with none left out ("Overdue: 2 past their SLA deadline, 1 missed next
    touch")."""
    kinds = [
        (late.breached, "past their SLA deadline", "past their SLA deadline"),
        (
            late.missed_follow_up,
            "missed follow-up (no deadline)",
            "missed follow-ups (no deadline)",
        ),
        (late.missed_touch, "missed next touch", "missed next touches"),
        (late.unowned, "with nobody free to take it", "with nobody free to take them"),
    ]
    words = [f"{n} {one if n == 1 else many}" for n, one, many in kinds if n]
    return "Overdue: " + ", ".join(words)


def _zones(workspace):
    """A location id's time zone (its opening hours'), each read once."""
    zones: dict[int | None, ZoneInfo] = {}

    def zone_of(location_id: int | None) -> ZoneInfo:
        if location_id not in zones:
            zones[location_id] = ZoneInfo(hours_of(workspace, location_id).zone)
        return zones[location_id]

    return zone_of


@page("leads.view")
def location_queues(request):
    now = clock.now()
    names = {loc.pk: loc.name for loc in locations(request.workspace)}
    rows = selectors.queues(request.workspace, now - timedelta(days=30), now)
    follow_up = sla.follow_up_minutes(request.workspace)
    table = Table(
        request,
        [
            {
                "location": names.get(row.location_id, "No location"),
                "open": row.open,
                "unassigned": row.unassigned,
                "nobody_free": row.nobody_free,
                "location_id": row.location_id,
                "unattended": row.unattended,
                "no_deadline": row.no_deadline,
                "overdue": row.overdue,
                "missed_follow_up": row.missed_follow_up,
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
            Column(
                "nobody_free",
                "Nobody free",
                format="count",
                sortable=True,
                href=lambda row: (
                    reverse("lead-inbox") + f"?view=unowned&location={row['location_id'] or 'none'}"
                    if row["nobody_free"]
                    else None
                ),
                hint=lambda row: (
                    "unowned and unanswered: nobody could take them, no fallback owner; "
                    "their managers were told and routing tries again"
                    if row["nobody_free"]
                    else None
                ),
            ),
            Column("unattended", "Owner away", format="count", sortable=True),
            Column(
                "no_deadline",
                "No deadline",
                format="count",
                sortable=True,
                hint=lambda row: (
                    "owned and unanswered; no SLA policy gives them a deadline: "
                    f"their owners have a follow-up task due {follow_up} working minutes "
                    "after arrival"
                    if row["no_deadline"]
                    else None
                ),
            ),
            Column("overdue", "Overdue (SLA)", format="count", sortable=True),
            Column(
                "missed_follow_up",
                "Missed follow-up",
                format="count",
                sortable=True,
                hint=lambda row: (
                    "no deadline, unanswered past their follow-up time"
                    if row["missed_follow_up"]
                    else None
                ),
            ),
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


def _with_due_text(workspace, tasks: list) -> list:
    """The tasks, each with ``due_text``: its due time in its lead's location's zone, as
    the leads pages write times ("Sat 5 Dec 10:00 UTC")."""
    zones: dict = {}
    for task in tasks:
        location = task.lead.location_id
        if location not in zones:
            zones[location] = hours_of(workspace, location).zone
        task.due_text = local_time(task.due_at, zones[location])
    return tasks
