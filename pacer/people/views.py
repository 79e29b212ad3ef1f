"""Pages for contacts: the list (a data table with search, filters, paging, sorting,
column choice) and its CSV export, and the contact page (profile, identities, consent,
computed traits, predictions, orders, merge history and a live timeline)."""

from django.db.models import Value
from django.db.models.functions import Concat, Trim
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from pacer.core.channels import CHANNELS
from pacer.core.permissions import allows, page
from pacer.people import selectors
from pacer.people.models import IdentityKind, LifecycleStage
from pacer.people.profiles import CONSENT_CHANNELS
from pacer.people.timeline import Position, consent_text, merge_audit, sources, timeline
from pacer.web.filters import Choice, FilterBar, Text
from pacer.web.tables import Column, Table

TIMELINE_PER_PAGE = 25
TIMELINE_POLL = "every 3s"


ANONYMOUS = "Anonymous visitor"  # nothing but a device's id: the contact page's title too


def contact_url(row) -> str:
    return reverse("contact", args=[row["pk"]])


# Sortable: the id and the columns with a (workspace, column, id)
# index (people.models.SORTED_CONTACT_COLUMNS), so any sort reads one index in order at
# any number of contacts. Not sortable: the name (made from two columns) and the
# location's name (another table), and stage, channel and campaign (a handful of values
# each: the filters pick them).
COLUMNS = [
    Column("id", "Id", format="count", sortable=True, visible=False, href=contact_url),
    Column(
        "email",
        "Email",
        sortable=True,
        text=lambda r: r["email"] or ("(no email)" if r["name"] or r["phone"] else ANONYMOUS),
        href=contact_url,
    ),
    # a link only where there is a name to read (a link needs its text)
    Column("name", "Name", href=lambda r: contact_url(r) if r["name"] else None),
    Column("phone", "Phone", visible=False),
    Column("lifecycle_stage", "Stage", labels=dict(LifecycleStage.choices)),
    Column("location__name", "Location"),
    Column("acquisition_channel", "Acquired via", labels=CHANNELS),
    Column("acquisition_campaign", "Campaign", visible=False),
    Column("order_count", "Orders", format="count", sortable=True),
    Column("revenue", "Revenue", format="money", sortable=True),
    Column("predicted_clv", "Predicted CLV", format="money", sortable=True, visible=False),
    Column("p_alive", "P(alive)", format="percent", sortable=True, visible=False),
    Column("rfm_segment", "RFM segment", visible=False),
    Column("first_seen_at", "First seen", format="date", sortable=True, visible=False),
    Column("last_seen_at", "Last seen", format="date", sortable=True),
]
CONSENT_FILTER = [
    (f"{channel}:{decision}", f"{channel.replace('_', ' ').capitalize()} {label}")
    for channel in sorted(CONSENT_CHANNELS)
    for decision, label in (("granted", "consent given"), ("withdrawn", "no consent"))
]
# Who the list shows: known people by default (a marketer looks for people, not devices);
# anonymous visitors on request (``?show=all`` or ``?show=anonymous``).
SHOW = {"identified": "yes", "all": "", "anonymous": "no"}
SHOW_FILTER = [
    ("identified", "Identified"),
    ("all", "Everyone"),
    ("anonymous", "Anonymous"),
]


def _table(request) -> tuple[Table, FilterBar]:
    workspace = request.workspace
    bar = FilterBar(
        request,
        [
            Text("q", "Starts with", placeholder="Email, name or phone"),
            Choice("stage", "Stage", LifecycleStage.choices, blank="All stages"),
            Choice(
                "location",
                "Location",
                selectors.locations_in_use(workspace),
                blank="All locations",
            ),
            Choice("channel", "Acquired via", CHANNELS.items(), blank="All channels"),
            Choice("email", "Email", (("yes", "Has email"), ("no", "No email")), blank="Any"),
            Choice("consent", "Consent", CONSENT_FILTER, blank="Any consent"),
            Choice("show", "Show", SHOW_FILTER, default="identified"),
        ],
    )
    rows = selectors.contacts(
        workspace, **_filters(bar), identified=SHOW[bar.values["show"]]
    ).annotate(name=Trim(Concat("first_name", Value(" "), "last_name")))
    export = allows(request.role, "contacts.export")
    table = Table(
        request,
        rows,
        COLUMNS,
        default_sort="-id",
        csv_url=reverse("contacts-export") if export else None,
        caption="Contacts",
        empty_title="No contacts match these filters." if bar.active else "No contacts yet.",
        empty_hint="Clear the filters to see everyone."
        if bar.active
        else "Contacts appear as your site sends events with a write key "
        "(Settings → API keys), or run pacer demo for a sample business.",
        html_id="contacts",
    )
    return table, bar


def _filters(bar: FilterBar) -> dict:
    """The selector's filters the bar applies, but for who is shown (``show``)."""
    values = bar.values
    return {
        "search": values["q"],
        "stage": values["stage"],
        "location": values["location"],
        "channel": values["channel"],
        "has_email": values["email"],
        "consent": values["consent"],
    }


def _hidden(request, bar: FilterBar, cap: int) -> dict | None:
    """The anonymous visitors the other filters match but the list hides (counted up to
    ``cap`` + 1, as the table counts its rows), with the link that shows them too; None
    when the list shows them or there are none."""
    if bar.values["show"] != "identified":
        return None
    anonymous = selectors.contacts(request.workspace, **_filters(bar), identified="no")
    count = anonymous.order_by()[: cap + 1].count()
    if not count:
        return None
    return {"count": min(count, cap), "capped": count > cap, "url": bar.url(show="all")}


@page("contacts.view")
def contacts(request):
    table, bar = _table(request)
    hidden = _hidden(request, bar, table.count_cap)
    return render(request, "people/contacts.html", {"table": table, "bar": bar, "hidden": hidden})


@page("contacts.export")
def export_contacts(request):
    """The contacts table as CSV: every row that matches, in the order and with the
    columns the page shows (``?cols=`` chooses them)."""
    table, _ = _table(request)
    return table.csv_response("contacts.csv")


# -- the contact page ----------------------------------------------------------------------
ORDER_COLUMNS = [
    Column("placed_at", "Placed", format="datetime", sortable=True),
    Column("external_id", "Order", sortable=True, nowrap=True),
    Column("location__name", "Location", sortable=True),
    Column("discount", "Discount", format="money", sortable=True, visible=False),
    Column("total", "Total", format="money", sortable=True),
]
IDENTITY_LABELS = dict(IdentityKind.choices)


def _found(request, contact_id: int):
    """The contact, or a redirect to the one it was merged into, or 404."""
    found = selectors.contact(request.workspace, contact_id)
    if found is None:
        raise Http404("No such contact in this workspace.")
    if found.pk != contact_id:
        return None, redirect(f"{reverse('contact', args=[found.pk])}?merged_from={contact_id}")
    return found, None


def _timeline(request, contact) -> dict:
    """The timeline block: its kind filter, the page the URL asks for, and (on the newest
    page) the URL it polls for what arrives."""
    bar = FilterBar(
        request,
        [Choice("kind", "Show", [(s.kind, s.label) for s in sources()], blank="Everything")],
        keep=(),
        html_id="timeline-filters",
    )
    kind = bar.values["kind"]
    before = Position.read(request.GET.get("before", ""))
    after = None if before else Position.read(request.GET.get("after", ""))
    shown = timeline(
        request.workspace.pk,
        contact.pk,
        kind=kind,
        before=before,
        after=after,
        per_page=TIMELINE_PER_PAGE,
    )
    labels = {s.kind: s.label for s in sources()}
    base = reverse("contact", args=[contact.pk])
    keep = {"kind": kind} if kind else {}

    def link(**cursor) -> str:
        query = urlencode({**keep, **cursor})
        return f"{base}?{query}#timeline" if query else f"{base}#timeline"

    live = shown.newer is None
    poll = reverse("contact-timeline", args=[contact.pk])
    return {
        "timeline_bar": bar,
        "timeline": shown,
        "kind_labels": labels,
        "newest_url": link() if not live else None,
        "newer_url": link(after=shown.newer.token()) if shown.newer else None,
        "older_url": link(before=shown.older.token()) if shown.older else None,
        "poll_url": f"{poll}?{urlencode({**keep, 'seen': shown.signature})}" if live else None,
        "poll_every": TIMELINE_POLL,
    }


@page("contacts.view")
def contact(request, contact_id: int):
    found, moved = _found(request, contact_id)
    if moved:
        return moved
    workspace = request.workspace
    orders = Table(
        request,
        selectors.orders_of(workspace, found.pk),
        ORDER_COLUMNS,
        default_sort="-placed_at",
        per_page=10,
        prefix="orders-",
        caption="Orders",
        empty_title="No orders yet.",
        empty_hint="Orders arrive as “Order Completed” events or through an orders CSV import.",
        html_id="orders",
    )
    merged_from = request.GET.get("merged_from", "")
    history = [
        {"entry": row, "merged": (row.before or {}).get("merged_contact")}
        for row in merge_audit(workspace.pk, found.pk).order_by("at", "id")
    ]
    name = f"{found.first_name} {found.last_name}".strip()
    stage = dict(LifecycleStage.choices).get(found.lifecycle_stage, "")
    where = found.location.name if found.location else ""
    context = {
        "contact": found,
        "title": name or found.email or ANONYMOUS,
        "subtitle": " · ".join(
            filter(None, [stage or "No stage yet", where, f"contact #{found.pk}"])
        ),
        "name": name,
        "stage": stage,
        "channel": CHANNELS.get(found.acquisition_channel, found.acquisition_channel),
        "identities": [
            (IDENTITY_LABELS.get(i.kind, i.kind), i)
            for i in selectors.identities(workspace, found.pk)
        ],
        "consents": [(consent_text(c), c) for c in selectors.consent_state(workspace, found.pk)],
        "traits": sorted((found.traits or {}).items()),
        "average_order": found.revenue / found.order_count if found.order_count else None,
        "orders": orders,
        "merged": selectors.merged_contacts(workspace, found.pk),
        "merge_history": history,
        "merged_from": merged_from if merged_from.isdecimal() else "",
        **_timeline(request, found),
    }
    return render(request, "people/contact.html", context)


@page("contacts.view")
def contact_timeline(request, contact_id: int):
    """The timeline block alone (for the kind filter and the newest page's polling):
    204 when ``seen`` says the reader already has what it would show."""
    found, moved = _found(request, contact_id)
    if moved:
        return moved
    context = _timeline(request, found)
    seen = request.GET.get("seen")
    if seen and seen == context["timeline"].signature:
        return HttpResponse(status=204)
    return render(request, "people/_timeline.html", {"contact": found, **context})
